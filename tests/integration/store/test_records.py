"""Records keep every revision, move through the editorial workflow, and never disappear."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from feed.errors import ConflictError, FourEyesError, NotFoundError, StateError
from feed.model import content_of
from feed.store import (
    EditorialState,
    NoteKind,
    add_note,
    approve_record,
    approved_records,
    current_records,
    get_record,
    get_summary,
    history,
    list_audit,
    list_notes,
    list_records,
    record_ids,
    reject_record,
    retire_record,
    retired_ids,
    save_revision,
    submit_for_review,
    transaction,
)
from feed.store.tables import RecordRow
from feed.synthetic import synthetic_record


def test_every_change_is_a_new_revision_with_author_time_and_comment(engine: Engine) -> None:
    with transaction(engine) as session:
        assert save_revision(session, synthetic_record(1), author="ana", comment="first") == 1
    with transaction(engine) as session:
        assert (
            save_revision(session, synthetic_record(1, variant=1), author="ben", comment="fix") == 2
        )
    with transaction(engine) as session:
        revisions = history(session, "symbol:synthetic-0000001")
        latest = get_record(session, "symbol:synthetic-0000001")
        first = get_record(session, "symbol:synthetic-0000001", revision=1)
    assert [(r.revision, r.author, r.comment) for r in revisions] == [
        (1, "ana", "first"),
        (2, "ben", "fix"),
    ]
    assert revisions[0].created <= revisions[1].created
    assert revisions[0].content_hash != revisions[1].content_hash
    assert (latest.revision, first.revision) == (2, 1)
    assert content_of(latest) == content_of(synthetic_record(1, variant=1))
    assert content_of(first) == content_of(synthetic_record(1))
    assert latest.created == first.created == revisions[0].created
    assert latest.modified == revisions[1].created


def test_saving_unchanged_content_makes_no_new_revision(engine: Engine) -> None:
    with transaction(engine) as session:
        save_revision(session, synthetic_record(2), author="ana")
    with transaction(engine) as session:
        assert save_revision(session, synthetic_record(2), author="ben") == 1
        assert len(history(session, "manifesto:synthetic-0000002")) == 1


def test_lifecycle_fields_in_the_input_do_not_count_as_content(engine: Engine) -> None:
    record = synthetic_record(3)
    with transaction(engine) as session:
        save_revision(session, record, author="ana")
    with transaction(engine) as session:
        relabelled = record.model_copy(update={"revision": 7, "first_released_in": "2022.1"})
        assert save_revision(session, relabelled, author="ana") == 1


def test_expected_revision_refuses_to_overwrite_a_newer_change(engine: Engine) -> None:
    with transaction(engine) as session:
        save_revision(session, synthetic_record(4), author="ana")
        save_revision(session, synthetic_record(4, variant=1), author="ana")
    with pytest.raises(ConflictError, match="revision 2, not 1"), transaction(engine) as session:
        save_revision(session, synthetic_record(4, variant=2), author="ben", expected_revision=1)


def test_unknown_record_and_unknown_revision_are_not_found(engine: Engine) -> None:
    with transaction(engine) as session:
        save_revision(session, synthetic_record(5), author="ana")
    with transaction(engine) as session:
        with pytest.raises(NotFoundError, match="no record"):
            get_record(session, "group:does-not-exist")
        with pytest.raises(NotFoundError, match="no revision 9"):
            get_record(session, "manifesto:synthetic-0000005", revision=9)


def test_approval_needs_review_and_a_second_person(engine: Engine) -> None:
    rid = synthetic_record(6).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(6), author="ana")
    with transaction(engine) as session:
        with pytest.raises(StateError, match="submit it for review"):
            approve_record(session, rid, approver="ben")
        submit_for_review(session, rid, actor="ana")
        with pytest.raises(FourEyesError, match="ana wrote revision 1"):
            approve_record(session, rid, approver="ana")
        assert approve_record(session, rid, approver="ben", comment="sources check out") == 1
    with transaction(engine) as session:
        summary = get_summary(session, rid)
        notes = list_notes(session, rid)
    assert summary.state is EditorialState.APPROVED
    assert (summary.approved_revision, summary.approved_by) == (1, "ben")
    assert [(n.kind, n.author, n.text) for n in notes] == [
        (NoteKind.REVIEW_COMMENT, "ben", "sources check out")
    ]


def test_a_new_revision_goes_back_to_draft_and_the_approved_one_stays_released(
    engine: Engine,
) -> None:
    rid = synthetic_record(7).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(7), author="ana")
        submit_for_review(session, rid, actor="ana")
        approve_record(session, rid, approver="ben")
        save_revision(session, synthetic_record(7, variant=1), author="ana")
    with transaction(engine) as session:
        summary = get_summary(session, rid)
        approved = approved_records(session)
        current = current_records(session)
    assert (summary.state, summary.revision, summary.approved_revision) == (
        EditorialState.DRAFT,
        2,
        1,
    )
    assert [(r.id, r.revision) for r in approved] == [(rid, 1)]
    assert [(r.id, r.revision) for r in current] == [(rid, 2)]


def test_rejection_sends_a_record_back_to_draft_with_the_reviewers_comment(
    engine: Engine,
) -> None:
    rid = synthetic_record(8).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(8), author="ana", state=EditorialState.IN_REVIEW)
        reject_record(session, rid, reviewer="ben", comment="needs a second source")
        assert get_summary(session, rid).state is EditorialState.DRAFT
        assert list_notes(session, rid)[0].text == "needs a second source"


def test_retiring_leaves_a_tombstone_with_its_history(engine: Engine) -> None:
    rid = synthetic_record(9).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(9), author="ana")
        submit_for_review(session, rid, actor="ana")
        approve_record(session, rid, approver="ben")
        retire_record(session, rid, actor="ben", comment="no longer in use")
    with transaction(engine) as session:
        assert rid in retired_ids(session)
        assert rid in record_ids(session)
        assert approved_records(session) == []
        assert get_record(session, rid).revision == 1
        assert len(history(session, rid)) == 1
        assert [s.id for s in list_records(session, state=EditorialState.RETIRED)] == [rid]
        with pytest.raises(StateError, match="already retired"):
            retire_record(session, rid, actor="ben")
        # the same content again is fine (a re-import of an old package), new content is not
        assert save_revision(session, synthetic_record(9), author="ana") == 1
        with pytest.raises(StateError, match="retired"):
            save_revision(session, synthetic_record(9, variant=1), author="ana")


def test_listing_filters_by_type_and_state(engine: Engine) -> None:
    with transaction(engine) as session:
        for n in range(6):
            save_revision(session, synthetic_record(n), author="ana")
        submit_for_review(session, synthetic_record(0).id, actor="ana")
    with transaction(engine) as session:
        groups = list_records(session, type="group")
        in_review = list_records(session, state=EditorialState.IN_REVIEW)
        everything = list_records(session)
    assert [s.id for s in groups] == ["group:synthetic-0000000", "group:synthetic-0000003"]
    assert [s.id for s in in_review] == ["group:synthetic-0000000"]
    assert [s.id for s in everything] == sorted(s.id for s in everything)
    assert everything[0].name == "Synthetic group 0000000"


def test_workflow_steps_are_in_the_audit_log(engine: Engine) -> None:
    rid = synthetic_record(10).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(10), author="ana", comment="new")
        submit_for_review(session, rid, actor="ana")
        approve_record(session, rid, approver="ben")
        retire_record(session, rid, actor="cy", comment="gone")
    with transaction(engine) as session:
        entries = list_audit(session, target=rid)
    assert [(e.actor, e.action) for e in reversed(entries)] == [
        ("ana", "record.create"),
        ("ana", "record.submit"),
        ("ben", "record.approve"),
        ("cy", "record.retire"),
    ]
    assert entries[0].detail == {
        "from": "approved",
        "to": "retired",
        "revision": 1,
        "comment": "gone",
    }


def test_editorial_notes_stay_out_of_the_record(engine: Engine) -> None:
    rid = synthetic_record(11).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(11), author="ana")
        add_note(session, rid, author="ana", text="INTERNAL: do not publish this sentence")
    with transaction(engine) as session:
        record = get_record(session, rid)
        assert [n.kind for n in list_notes(session, rid)] == [NoteKind.INTERNAL_NOTE]
    assert "do not publish" not in record.model_dump_json()


def test_a_failed_transaction_leaves_nothing_behind(engine: Engine) -> None:
    def give_up() -> None:
        with transaction(engine) as session:
            save_revision(session, synthetic_record(12), author="ana")
            raise RuntimeError("caller gives up")

    with pytest.raises(RuntimeError):
        give_up()
    with transaction(engine) as session:
        assert record_ids(session) == set()
        assert list_audit(session) == []


def test_an_edit_based_on_an_outdated_revision_is_refused(engine: Engine) -> None:
    rid = synthetic_record(13).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(13), author="ana")

    def slow_editor() -> None:
        with transaction(engine) as slow:
            based_on = get_summary(slow, rid).revision  # the slow editor opens the record
            with transaction(engine) as fast:
                save_revision(fast, synthetic_record(13, variant=1), author="ben")
            save_revision(
                slow, synthetic_record(13, variant=2), author="cy", expected_revision=based_on
            )

    with pytest.raises(ConflictError, match="meanwhile"):
        slow_editor()
    with transaction(engine) as session:
        assert [(r.revision, r.author) for r in history(session, rid)] == [(1, "ana"), (2, "ben")]


def test_two_writers_racing_for_the_same_revision_number_cannot_both_win(engine: Engine) -> None:
    rid = synthetic_record(14).id
    with transaction(engine) as session:
        save_revision(session, synthetic_record(14), author="ana")

    def stale_writer() -> None:
        with transaction(engine) as slow:
            stale = slow.get(RecordRow, rid)  # held: this session keeps believing revision 1
            assert stale is not None
            with transaction(engine) as fast:
                save_revision(fast, synthetic_record(14, variant=1), author="ben")
            save_revision(slow, synthetic_record(14, variant=2), author="cy")

    with pytest.raises(ConflictError):
        stale_writer()
    with transaction(engine) as session:
        assert [(r.revision, r.author) for r in history(session, rid)] == [(1, "ana"), (2, "ben")]

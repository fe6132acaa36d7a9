"""Bulk import: new, changed and unchanged records, explicit bulk approval, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from feed.errors import ConflictError, StateError
from feed.model import content_of
from feed.store import (
    EditorialState,
    approved_records,
    get_record,
    get_summary,
    history,
    import_records,
    list_audit,
    list_records,
    record_ids,
    retire_record,
    transaction,
)
from feed.synthetic import synthetic_record


def test_import_adds_then_counts_changes_and_leaves_unchanged_records_alone(
    engine: Engine,
) -> None:
    with transaction(engine) as session:
        first = import_records(
            session, [synthetic_record(n) for n in range(5)], author="ana", batch_size=2
        )
    again = [synthetic_record(n) for n in range(4)] + [synthetic_record(4, variant=1)]
    again.append(synthetic_record(5))
    with transaction(engine) as session:
        second = import_records(session, again, author="ben", comment="update", batch_size=2)
    with transaction(engine) as session:
        changed = history(session, synthetic_record(4).id)
        untouched = history(session, synthetic_record(0).id)
        states = {s.id: s.state for s in list_records(session)}
    assert (first.added, first.changed, first.unchanged) == (5, 0, 0)
    assert (second.added, second.changed, second.unchanged) == (1, 1, 4)
    assert [(r.revision, r.author, r.comment) for r in changed] == [
        (1, "ana", ""),
        (2, "ben", "update"),
    ]
    assert len(untouched) == 1
    assert set(states.values()) == {EditorialState.DRAFT}


def test_reimporting_the_same_records_makes_no_revision_and_no_change(engine: Engine) -> None:
    records = [synthetic_record(n) for n in range(7)]
    with transaction(engine) as session:
        import_records(session, records, author="ana")
        before = {r.id: get_summary(session, r.id) for r in records}
    with transaction(engine) as session:
        result = import_records(session, records, author="ben")
        after = {r.id: get_summary(session, r.id) for r in records}
    assert (result.added, result.changed, result.unchanged) == (0, 0, 7)
    assert after == before


def test_imported_records_read_back_equal_to_their_input(engine: Engine) -> None:
    records = [synthetic_record(n) for n in range(6)]
    with transaction(engine) as session:
        import_records(session, records, author="ana")
    with transaction(engine) as session:
        stored = [get_record(session, r.id) for r in records]
    assert [content_of(s) for s in stored] == [content_of(r) for r in records]
    assert all(s.revision == 1 and s.created is not None for s in stored)


def test_bulk_approval_approves_everything_and_is_audited(engine: Engine) -> None:
    with transaction(engine) as session:
        import_records(session, [synthetic_record(n) for n in range(3)], author="ana")
    records = [synthetic_record(0, variant=1), synthetic_record(1), synthetic_record(2)]
    records.append(synthetic_record(3))
    with transaction(engine) as session:
        result = import_records(session, records, author="ben", approve=True, comment="2022 set")
    with transaction(engine) as session:
        approved = {r.id: r.revision for r in approved_records(session)}
        summaries = [get_summary(session, r.id) for r in records]
        audit = list_audit(session, action="records.bulk_approve")
    assert result.approved == 4
    assert approved == {records[0].id: 2, records[1].id: 1, records[2].id: 1, records[3].id: 1}
    assert {(s.state, s.approved_by) for s in summaries} == {(EditorialState.APPROVED, "ben")}
    assert [(a.actor, a.detail) for a in audit] == [
        ("ben", {"approved": 4, "comment": "2022 set", "four_eyes": False})
    ]


def test_changed_content_for_a_retired_record_refuses_the_whole_import(engine: Engine) -> None:
    retired = synthetic_record(1)
    with transaction(engine) as session:
        import_records(session, [retired], author="ana")
        retire_record(session, retired.id, actor="ana")
    batch = [synthetic_record(n) for n in range(2, 6)] + [synthetic_record(1, variant=1)]
    with pytest.raises(StateError, match=retired.id), transaction(engine) as session:
        import_records(session, batch, author="ben", batch_size=2)
    with transaction(engine) as session:
        assert record_ids(session) == {retired.id}
        assert len(history(session, retired.id)) == 1


def test_the_same_id_twice_in_one_import_is_refused(engine: Engine) -> None:
    with pytest.raises(ConflictError, match="appears twice"), transaction(engine) as session:
        import_records(session, [synthetic_record(1), synthetic_record(1, variant=1)], author="a")
    with transaction(engine) as session:
        assert record_ids(session) == set()


def test_progress_reports_every_record_once(engine: Engine) -> None:
    seen: list[int] = []
    with transaction(engine) as session:
        import_records(
            session,
            (synthetic_record(n) for n in range(7)),
            author="ana",
            progress=seen.append,
            batch_size=3,
        )
    assert seen == [3, 3, 1]

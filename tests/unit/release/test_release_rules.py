"""Release rules: version order, snapshot lifecycle fields, the diff, counts and four eyes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feed.errors import (
    FourEyesError,
    ImmutableReleaseError,
    InputError,
    StateError,
    ValidationFailed,
    VersionOrderError,
)
from feed.model import AnyRecord, Change, ChangeSet, PublishedPackage, ReleaseInfo, records_digest
from feed.model.vocab import Tlp
from feed.release import (
    build_changeset,
    build_package,
    build_snapshot,
    changed_fields,
    check_can_approve,
    check_can_publish,
    diff_records,
    highest_tlp,
    members_of,
    next_sequence,
    plan_snapshot,
    walk_lifecycle,
)
from feed.synthetic import synthetic_record, synthetic_records

NOW = datetime(2022, 3, 1, 12, 0, tzinfo=UTC)


def _revised(n: int, revision: int) -> AnyRecord:
    """Synthetic record `n` at a later revision whose summary changed."""
    record = synthetic_record(n)
    summary = {"en": f"Revised to revision {revision}. {record.summary['en']}"}
    return record.model_copy(update={"revision": revision, "summary": summary})


def _unrelated(n: int, revision: int = 1) -> AnyRecord:
    """Synthetic record `n` without relations, so any subset forms a valid release."""
    record = _revised(n, revision) if revision > 1 else synthetic_record(n)
    return record.model_copy(update={"relations": []})


def _apply(previous: list[AnyRecord], changes: list[Change]) -> list[AnyRecord]:
    """What a client does with changes.json (written independently of the code under test)."""
    mirror = {r.id: r for r in previous}
    for change in changes:
        if change.op == "DEL":
            del mirror[change.id]
        else:
            assert change.record is not None
            mirror[change.id] = change.record
    return [mirror[k] for k in sorted(mirror)]


# -- versions ---------------------------------------------------------------------------------


def test_first_release_gets_sequence_one() -> None:
    assert next_sequence("2022.1", None, None) == 1


def test_next_release_gets_previous_sequence_plus_one() -> None:
    assert next_sequence("2022.2", "2022.1", 1) == 2
    assert next_sequence("2023.1", "2022.7", 7) == 8


def test_versions_compare_as_year_then_number_not_as_text() -> None:
    assert next_sequence("2022.10", "2022.9", 9) == 10


@pytest.mark.parametrize("version", ["2022.1", "2021.5", "2021.12"])
def test_a_version_that_does_not_increase_is_refused_naming_both(version: str) -> None:
    with pytest.raises(VersionOrderError) as info:
        next_sequence(version, "2022.1", 1)
    assert f"version {version} does not increase" in str(info.value)
    assert "previous release is 2022.1" in str(info.value)


def test_a_proposed_sequence_that_does_not_increase_is_refused_naming_both() -> None:
    with pytest.raises(VersionOrderError, match=r"sequence 3 does not increase.*sequence 3"):
        next_sequence("2022.4", "2022.3", 3, sequence=3)


def test_a_proposed_sequence_that_skips_is_refused() -> None:
    with pytest.raises(VersionOrderError, match="must be 4"):
        next_sequence("2022.4", "2022.3", 3, sequence=9)


@pytest.mark.parametrize(
    "version", ["22.1", "2022", "2022.0", "2022.01", "2022.1.1", "v2022.1", ""]
)
def test_a_malformed_version_is_refused_as_input(version: str) -> None:
    with pytest.raises(InputError, match=r"YYYY\.N"):
        next_sequence(version, None, None)


# -- four eyes --------------------------------------------------------------------------------


def test_the_creator_cannot_approve_their_own_release() -> None:
    with pytest.raises(FourEyesError, match="four eyes"):
        check_can_approve(
            "2022.1", created_by="alice", approver="alice", approved_by=None, published=None
        )


def test_four_eyes_is_not_fooled_by_case_or_spaces() -> None:
    with pytest.raises(FourEyesError):
        check_can_approve(
            "2022.1", created_by="alice", approver=" Alice ", approved_by=None, published=None
        )


def test_a_second_person_may_approve() -> None:
    check_can_approve(
        "2022.1", created_by="alice", approver="bob", approved_by=None, published=None
    )


def test_approval_by_a_third_person_does_not_replace_the_first() -> None:
    with pytest.raises(StateError, match="already approved by bob"):
        check_can_approve(
            "2022.1", created_by="alice", approver="carol", approved_by="bob", published=None
        )


def test_an_unapproved_release_cannot_be_published() -> None:
    with pytest.raises(StateError, match="not approved"):
        check_can_publish("2022.1", approved_by=None, published=None)


def test_a_published_release_can_neither_be_approved_nor_published_again() -> None:
    with pytest.raises(ImmutableReleaseError, match="never change"):
        check_can_publish("2022.1", approved_by="bob", published=NOW)
    with pytest.raises(ImmutableReleaseError):
        check_can_approve(
            "2022.1", created_by="alice", approver="bob", approved_by="bob", published=NOW
        )


# -- snapshot ---------------------------------------------------------------------------------


def test_first_release_is_all_added_with_lifecycle_fields_set() -> None:
    records = list(synthetic_records(6))
    snap = build_snapshot("2022.1", reversed(records))
    assert [c.op for c in snap.changes] == ["ADD"] * 6
    assert [r.id for r in snap.records] == sorted(r.id for r in records)
    assert all(r.first_released_in == "2022.1" for r in snap.records)
    assert all(r.last_changed_in == "2022.1" for r in snap.records)
    assert snap.counts.model_dump() == {"added": 6, "changed": 0, "retired": 0, "total": 6}


def test_second_release_adds_changes_and_retires_with_changed_fields() -> None:
    first = build_snapshot("2022.1", synthetic_records(5))
    approved = [synthetic_record(n) for n in (0, 1, 3, 4)] + [_revised(2, 2), synthetic_record(5)]
    second = build_snapshot(
        "2022.2", approved, previous=first.records, retired={"symbol:synthetic-0000004"}
    )
    ops = {c.id: c.op for c in second.changes}
    assert ops == {
        "manifesto:synthetic-0000002": "MOD",
        "symbol:synthetic-0000004": "DEL",
        "manifesto:synthetic-0000005": "ADD",
    }
    mod = next(c for c in second.changes if c.op == "MOD")
    assert mod.fields == ["summary"]
    assert mod.revision == 2
    assert second.counts.model_dump() == {"added": 1, "changed": 1, "retired": 1, "total": 5}


def test_unchanged_records_keep_their_lifecycle_and_are_not_listed() -> None:
    first = build_snapshot("2022.1", synthetic_records(3))
    second = build_snapshot("2022.2", synthetic_records(3), previous=first.records)
    assert second.changes == []
    assert second.records == first.records
    assert records_digest(second.records) == records_digest(first.records)


def test_a_changed_record_keeps_first_release_and_gets_a_new_last_changed() -> None:
    first = build_snapshot("2022.1", synthetic_records(3))
    second = build_snapshot(
        "2022.2", [*synthetic_records(2), _revised(2, 2)], previous=first.records
    )
    third = build_snapshot(
        "2022.3", [*synthetic_records(2), _revised(2, 2)], previous=second.records
    )
    changed = {r.id: r for r in third.records}["manifesto:synthetic-0000002"]
    assert changed.first_released_in == "2022.1"
    assert changed.last_changed_in == "2022.2"
    assert changed.revision == 2
    untouched = {r.id: r for r in third.records}["group:synthetic-0000000"]
    assert (untouched.first_released_in, untouched.last_changed_in) == ("2022.1", "2022.1")


def test_a_retired_record_leaves_the_release_with_its_last_revision() -> None:
    first = build_snapshot("2022.1", [synthetic_record(0), _revised(1, 3)])
    second = build_snapshot(
        "2022.2",
        [synthetic_record(0)],
        previous=first.records,
        retired={"symbol:synthetic-0000001"},
    )
    assert [r.id for r in second.records] == ["group:synthetic-0000000"]
    assert second.changes == [Change(op="DEL", id="symbol:synthetic-0000001", revision=3)]


def test_a_relation_to_a_retired_record_is_refused_with_its_location() -> None:
    first = build_snapshot("2022.1", synthetic_records(5))
    with pytest.raises(ValidationFailed) as info:
        build_snapshot(
            "2022.2",
            synthetic_records(5),
            previous=first.records,
            retired={"symbol:synthetic-0000001"},
        )
    [problem] = info.value.problems
    assert problem.record_id == "symbol:synthetic-0000004"
    assert problem.pointer == "/relations/0/target"
    assert "symbol:synthetic-0000001, which release 2022.2 would not hold" in problem.message


def test_a_relation_to_a_record_that_is_not_approved_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="symbol:synthetic-0000001"):
        build_snapshot("2022.1", [synthetic_record(4)])


def test_an_affiliate_outside_the_release_is_refused() -> None:
    group = synthetic_record(0).model_copy(update={"affiliates": ["group:synthetic-0000099"]})
    with pytest.raises(ValidationFailed, match="affiliate group:synthetic-0000099") as info:
        build_snapshot("2022.1", [group])
    assert info.value.problems[0].pointer == "/affiliates/0"


def test_a_retired_id_wins_over_a_stale_approved_revision() -> None:
    snap = build_snapshot("2022.1", synthetic_records(2), retired={"group:synthetic-0000000"})
    assert [r.id for r in snap.records] == ["symbol:synthetic-0000001"]


def test_a_released_record_no_longer_approved_is_carried_over_not_dropped() -> None:
    first = build_snapshot("2022.1", synthetic_records(3))
    second = build_snapshot("2022.2", synthetic_records(2), previous=first.records)
    assert second.changes == []
    assert len(second.records) == 3


def test_retiring_a_record_never_released_changes_nothing() -> None:
    first = build_snapshot("2022.1", synthetic_records(2))
    second = build_snapshot(
        "2022.2", synthetic_records(2), previous=first.records, retired={"symbol:synthetic-0000099"}
    )
    assert second.changes == []


def test_a_record_approved_twice_is_refused() -> None:
    with pytest.raises(InputError, match="group:synthetic-0000000 is approved twice"):
        build_snapshot("2022.1", [synthetic_record(0), synthetic_record(0)])


def test_a_record_readded_after_retirement_is_added_again_keeping_nothing_old() -> None:
    first = build_snapshot("2022.1", synthetic_records(2))
    second = build_snapshot(
        "2022.2", synthetic_records(1), previous=first.records, retired={"symbol:synthetic-0000001"}
    )
    third = build_snapshot(
        "2022.3", [*synthetic_records(1), _revised(1, 2)], previous=second.records
    )
    assert [(c.op, c.id) for c in third.changes] == [("ADD", "symbol:synthetic-0000001")]
    back = {r.id: r for r in third.records}["symbol:synthetic-0000001"]
    assert back.first_released_in == "2022.3"


def test_same_revision_with_different_content_is_refused_as_corruption() -> None:
    # Revisions never change in the store; a release must not paper over one that did.
    first = build_snapshot("2022.1", [synthetic_record(0)])
    tampered = _revised(0, 2).model_copy(update={"revision": 1})
    with pytest.raises(InputError, match="revision 1 differs from the released revision"):
        build_snapshot("2022.2", [tampered], previous=first.records)


def test_only_changed_and_carried_records_of_the_previous_release_are_loaded() -> None:
    first = build_snapshot("2022.1", synthetic_records(6))
    index = {r.id: r for r in first.records}
    asked: list[tuple[str, int]] = []

    def load(keys: Collection[tuple[str, int]]) -> list[AnyRecord]:
        asked.extend(keys)
        return [index[rid] for rid, _ in keys]

    approved = [*synthetic_records(4), _revised(4, 2)]  # 5 dropped from approval, 4 revised
    snap = plan_snapshot(
        "2022.2", approved, previous=members_of(first.records), retired=(), load_previous=load
    )
    assert sorted(asked) == [("manifesto:synthetic-0000005", 1), ("symbol:synthetic-0000004", 1)]
    assert [(c.op, c.id) for c in snap.changes] == [("MOD", "symbol:synthetic-0000004")]


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(st.sets(st.integers(0, 9), max_size=8), min_size=1, max_size=4))
def test_lifecycle_walked_from_revisions_equals_the_snapshots_of_each_release(
    steps: list[set[int]],
) -> None:
    records: list[AnyRecord] | None = None
    chain: list[tuple[str, dict[str, int]]] = []
    for n, revised in enumerate(steps, start=1):
        approved = [_unrelated(i, revision=n if i in revised else 1) for i in range(10)]
        snap = build_snapshot(f"2022.{n}", approved, previous=records)
        records = snap.records
        chain.append((f"2022.{n}", {r.id: r.revision for r in records}))
        assert walk_lifecycle(chain) == members_of(records) == snap.members


def test_only_a_lifecycle_change_is_listed_by_its_lifecycle_fields() -> None:
    before = synthetic_record(0)
    after = before.model_copy(update={"revision": 2})
    assert changed_fields(before, after) == ["revision"]


def test_highest_tlp_is_the_most_restrictive_marking() -> None:
    records = [synthetic_record(0), synthetic_record(1).model_copy(update={"tlp": Tlp.AMBER})]
    assert highest_tlp(records) == Tlp.AMBER
    assert highest_tlp([synthetic_record(0)]) == Tlp.CLEAR
    assert highest_tlp([]) == Tlp.CLEAR


@settings(max_examples=40, deadline=None)
@given(
    first=st.sets(st.integers(0, 14), max_size=10),
    keep=st.sets(st.integers(0, 14), max_size=10),
    revise=st.sets(st.integers(0, 14), max_size=5),
    retire=st.sets(st.integers(0, 14), max_size=5),
)
def test_applying_the_changes_to_the_previous_release_gives_this_release(
    first: set[int], keep: set[int], revise: set[int], retire: set[int]
) -> None:
    prev = build_snapshot("2022.1", [_unrelated(n) for n in sorted(first)])
    approved = [_unrelated(n, revision=2) if n in revise else _unrelated(n) for n in sorted(keep)]
    retired = {synthetic_record(n).id for n in retire}
    snap = build_snapshot("2022.2", approved, previous=prev.records, retired=retired)
    assert _apply(prev.records, snap.changes) == snap.records
    assert records_digest(_apply(prev.records, snap.changes)) == records_digest(snap.records)
    assert snap.counts.total == len(snap.records)
    assert not {r.id for r in snap.records} & retired


# -- documents --------------------------------------------------------------------------------


def _info(version: str, sequence: int, previous: str | None, counts_total: int) -> ReleaseInfo:
    snap = build_snapshot(version, synthetic_records(counts_total))
    return ReleaseInfo(
        catalogue="synthetic",
        title="Synthetic catalogue",
        publisher="kpfeed tests",
        version=version,
        sequence=sequence,
        created=NOW,
        notes="Synthetic release.",
        previous_version=previous,
        counts=snap.counts,
        tlp=Tlp.CLEAR,
    )


def test_package_and_changes_round_trip_through_their_models() -> None:
    first = build_snapshot("2022.1", synthetic_records(4))
    second = build_snapshot(
        "2022.2", [*synthetic_records(3), _revised(3, 2)], previous=first.records
    )
    info = _info("2022.2", 2, "2022.1", 4)
    package = build_package(info, list(reversed(second.records)), records_digest(second.records))
    assert PublishedPackage.model_validate_json(package.model_dump_json()) == package
    assert records_digest(package.records) == package.records_digest
    changes = build_changeset(
        info,
        second.changes,
        records_digest=records_digest(second.records),
        base_digest=records_digest(first.records),
        previous_sequence=1,
    )
    assert ChangeSet.model_validate_json(changes.model_dump_json()) == changes
    assert (changes.previous_version, changes.previous_sequence) == ("2022.1", 1)


def test_changes_need_previous_version_and_sequence_together() -> None:
    info = _info("2022.2", 2, "2022.1", 1)
    with pytest.raises(InputError, match="together"):
        build_changeset(info, [], records_digest="0" * 64, base_digest=None, previous_sequence=None)


def test_diff_of_identical_releases_is_empty() -> None:
    records = list(synthetic_records(5))
    assert diff_records(records, list(reversed(records))) == []

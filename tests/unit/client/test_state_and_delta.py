"""The pure trusted state and deltas: what may become the mirror, and how changes apply."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import orjson
import pytest

from feed.client import state as state_module
from feed.client.assemble import assemble_package
from feed.client.delta import (
    Delta,
    apply_changes,
    parse_changes,
    parse_head,
    release_steps,
    releases_between,
)
from feed.client.index import RecordIndex, decode_index, encode_index
from feed.client.state import (
    MirrorContent,
    MirrorState,
    TargetRelease,
    check_target,
    digest_of,
    target_release,
    verify_package,
)
from feed.errors import (
    DeltaError,
    IntegrityError,
    MixAndMatchError,
    RollbackError,
    SourceFormatError,
    TrustError,
    ValidationFailed,
)
from feed.model import AnyRecord
from feed.model.release import (
    Change,
    ChangeSet,
    Counts,
    PublishedPackage,
    ReleaseInfo,
    records_digest,
)
from tests.unit.client.site import CATALOGUE, changed, changes_bytes, package_bytes, records

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _package(recs: list[AnyRecord], version: str = "2026.1", sequence: int = 1) -> bytes:
    info = ReleaseInfo(
        catalogue=CATALOGUE,
        title="Synthetic",
        publisher="tests",
        version=version,
        sequence=sequence,
        created=NOW,
        notes='Notes with a quote " and a fake marker ,"records":[ inside.',
        counts=Counts(added=len(recs), changed=0, retired=0, total=len(recs)),
        tlp="CLEAR",
    )
    ordered = sorted(recs, key=lambda r: r.id)
    return package_bytes(
        PublishedPackage(
            format="kpfeed/1", release=info, records_digest=records_digest(ordered), records=ordered
        )
    )


def _target(data: bytes, version: str = "2026.1", sequence: int = 1) -> TargetRelease:
    return TargetRelease(
        "package.json", version, sequence, len(data), hashlib.sha256(data).hexdigest()
    )


@pytest.fixture
def base() -> MirrorContent:
    data = _package(records(6))
    return verify_package(data, _target(data))


def _changes(
    base: MirrorContent, changes: list[Change], *, result: list[AnyRecord] | None = None
) -> Delta:
    changeset = ChangeSet(
        format="kpfeed/1",
        catalogue=CATALOGUE,
        version="2026.2",
        sequence=2,
        previous_version="2026.1",
        previous_sequence=1,
        base_digest=base.state.records_digest,
        records_digest=records_digest(result or []),
        changes=changes,
    )
    return parse_changes(changes_bytes(changeset), file="releases/2026.2/changes.json")


# -- full packages


def test_valid_package_is_accepted_with_each_record_located(base: MirrorContent) -> None:
    assert base.state.records == 6
    assert base.spans is not None
    for record_id, start, end in base.spans:
        assert orjson.loads(base.data[start:end])["id"] == record_id


def test_records_are_located_across_batches_and_a_stray_byte_between_them_is_noticed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(state_module, "_BATCH", 4)
    data = _package(records(6))
    content = verify_package(data, _target(data))
    assert content.index is not None
    assert [orjson.loads(data[start:end])["id"] for _, start, end in content.index.spans()] == [
        r.id for r in sorted(records(6), key=lambda r: r.id)
    ]
    # A space after the comma that joins the fourth and fifth records: valid JSON, not canonical.
    fourth = content.index.offsets[7]
    spaced = data[: fourth + 1] + b" " + data[fourth + 1 :]
    assert verify_package(spaced, _target(spaced)).index is None


def test_records_digest_matches_the_models_definition() -> None:
    recs = records(5)
    data = _package(recs)
    content = verify_package(data, _target(data))
    assert digest_of(content.records) == records_digest(recs)


def test_package_whose_bytes_differ_from_the_signed_hash_is_refused() -> None:
    data = _package(records(2))
    with pytest.raises(IntegrityError, match=r"but the signed TUF entry says"):
        verify_package(data + b" ", _target(data))


def test_package_that_is_not_json_is_refused_showing_its_start() -> None:
    html = b"<html><body>Maintenance</body></html>"
    with pytest.raises(SourceFormatError, match=r"not JSON.*'<html><body>Maintenance"):
        verify_package(html, _target(html))


def test_invalid_record_is_refused_with_its_id_and_field() -> None:
    document = orjson.loads(_package(records(3)))
    document["records"][1]["status"] = "banned-everywhere"
    data = orjson.dumps(document)
    with pytest.raises(ValidationFailed) as caught:
        verify_package(data, _target(data))
    (problem,) = caught.value.problems
    assert (problem.record_id, problem.pointer) == (
        document["records"][1]["id"],
        "/records/1/status",
    )


def test_records_out_of_order_are_refused() -> None:
    document = orjson.loads(_package(records(3)))
    document["records"].reverse()
    data = orjson.dumps(document)
    with pytest.raises(ValidationFailed, match=r"sorted by id"):
        verify_package(data, _target(data))


def test_records_digest_that_does_not_match_the_records_is_refused() -> None:
    document = orjson.loads(_package(records(3)))
    document["records_digest"] = "0" * 64
    data = orjson.dumps(document)
    with pytest.raises(IntegrityError, match=r"records digest recomputed"):
        verify_package(data, _target(data))


def test_package_of_another_release_than_its_signed_entry_names_is_mix_and_match() -> None:
    data = _package(records(2), "2026.1", 1)
    with pytest.raises(MixAndMatchError, match=r"names release 2026.3"):
        verify_package(data, _target(data, "2026.3", 3))


def test_package_without_canonical_layout_is_accepted_without_spans() -> None:
    data = orjson.dumps(orjson.loads(_package(records(2))), option=orjson.OPT_INDENT_2)
    content = verify_package(data, _target(data))
    assert content.spans is None
    assert len(content.records) == 2


# -- where the mirror stands


def _state(version: str = "2026.2", sequence: int = 2, sha256: str = "a" * 64) -> MirrorState:
    return MirrorState(CATALOGUE, version, sequence, "d" * 64, sha256, 10, 1)


def test_repository_behind_the_mirror_is_a_rollback() -> None:
    with pytest.raises(RollbackError, match=r"older than release 2026.2"):
        check_target(_state(), TargetRelease("package.json", "2026.1", 1, 10, "b" * 64))


def test_same_sequence_with_other_content_is_mix_and_match() -> None:
    with pytest.raises(MixAndMatchError, match=r"a published release never changes"):
        check_target(_state(), TargetRelease("package.json", "2026.2", 2, 10, "b" * 64))


def test_mirror_standing() -> None:
    assert check_target(None, TargetRelease("package.json", "2026.1", 1, 1, "a" * 64)) == "empty"
    same = TargetRelease("package.json", "2026.2", 2, 10, "a" * 64)
    assert check_target(_state(), same) == "current"
    newer = TargetRelease("package.json", "2026.3", 3, 10, "c" * 64)
    assert check_target(_state(), newer) == "behind"


def test_target_without_kpfeed_custom_metadata_is_refused() -> None:
    with pytest.raises(TrustError, match=r"does not name its release"):
        target_release("package.json", 10, {"sha256": "a" * 64}, {})
    entry = target_release(
        "package.json", 10, {"sha256": "a" * 64}, {"kpfeed": {"version": "2026.4", "sequence": 4}}
    )
    assert (entry.version, entry.sequence) == ("2026.4", 4)


# -- applying changes


def test_add_mod_del_give_the_next_release_byte_for_byte(base: MirrorContent) -> None:
    old = records(6)
    new = [changed(old[1], 1), *old[2:], *records(1, start=6)]  # old[0] retired
    delta = _changes(
        base,
        [
            Change(op="DEL", id=old[0].id, revision=1),
            Change(op="MOD", id=new[0].id, revision=2, record=new[0]),
            Change(op="ADD", id=new[-1].id, revision=1, record=new[-1]),
        ],
        result=new,
    )
    result, touched = apply_changes(base.records, base.state, [delta])
    expected = _package(new, "2026.2", 2)
    head = parse_head(expected[:4096], file="package.json")
    content = assemble_package(head, result, _target(expected, "2026.2", 2))
    assert content.data == expected
    assert touched == {old[0].id, old[1].id, new[-1].id}


@pytest.mark.parametrize(
    ("op", "index", "message"),
    [
        ("ADD", 2, "ADD .* but release 2026.1 holds it"),
        ("MOD", 99, "MOD .* but release 2026.1 does not hold it"),
        ("DEL", 99, "DEL .* but release 2026.1 does not hold it"),
    ],
)
def test_change_that_does_not_fit_the_mirror_is_refused(
    base: MirrorContent, op: str, index: int, message: str
) -> None:
    record = records(1, start=index)[0]
    change = Change(op=op, id=record.id, revision=1, record=None if op == "DEL" else record)
    with pytest.raises(DeltaError, match=message):
        apply_changes(base.records, base.state, [_changes(base, [change])])


def test_changes_for_another_base_are_refused(base: MirrorContent) -> None:
    delta = _changes(base, [])
    other = ChangeSet.model_validate(
        {**delta.changes.model_dump(mode="json"), "base_digest": "e" * 64}
    )
    with pytest.raises(DeltaError, match=r"applies to records digest e+, but release 2026.1"):
        apply_changes(base.records, base.state, [Delta(delta.file, other, {})])


def test_changes_for_another_release_are_refused(base: MirrorContent) -> None:
    delta = _changes(base, [])
    other = delta.changes.model_copy(update={"previous_version": "2025.9"})
    with pytest.raises(DeltaError, match=r"applies to release 2025.9 .* not to 2026.1"):
        apply_changes(base.records, base.state, [Delta(delta.file, other, {})])


def test_rebuilt_package_is_indexed_as_if_it_had_been_downloaded(base: MirrorContent) -> None:
    old = records(6)
    first = [*records(1, start=10), changed(old[0], 1), *old[1:3], *old[4:5]]
    new = [*first, changed(old[5], 1), *records(1, start=11)]  # sorted: 10 and 11 sort first
    delta = _changes(
        base,
        [
            Change(op="MOD", id=old[0].id, revision=2, record=first[1]),
            Change(op="DEL", id=old[3].id, revision=1),
            Change(op="MOD", id=old[5].id, revision=2, record=new[-2]),
            Change(op="ADD", id=new[0].id, revision=1, record=new[0]),
            Change(op="ADD", id=new[-1].id, revision=1, record=new[-1]),
        ],
        result=new,
    )
    result, _ = apply_changes(base.records, base.state, [delta])
    expected = _package(new, "2026.2", 2)
    head = parse_head(expected[:4096], file="package.json")

    content = assemble_package(head, result, _target(expected, "2026.2", 2), base=base)

    assert content.data == expected
    assert content.index == verify_package(expected, _target(expected, "2026.2", 2)).index


def test_changes_laid_over_the_records_read_as_the_new_release(base: MirrorContent) -> None:
    old = records(6)
    added = records(1, start=20)[0]
    to_release = _changes(
        base,
        [
            Change(op="ADD", id=added.id, revision=1, record=added),
            Change(op="DEL", id=old[2].id, revision=1),
        ],
    )
    again = to_release.changes.model_copy(
        update={
            "version": "2026.3",
            "sequence": 3,
            "previous_version": "2026.2",
            "previous_sequence": 2,
            "base_digest": to_release.changes.records_digest,
            "changes": [Change(op="DEL", id=added.id, revision=1)],
        }
    )
    result, touched = apply_changes(base.records, base.state, [to_release, Delta("c3", again, {})])

    assert touched == {added.id, old[2].id}
    assert len(result) == 5
    assert list(result) == sorted(r.id for r in old if r.id != old[2].id)
    assert added.id not in result
    assert old[2].id not in result
    assert bytes(result[old[1].id]) == bytes(base.records[old[1].id])
    with pytest.raises(KeyError):
        result[added.id]


def test_records_read_through_the_index_are_the_packages_canonical_bytes(
    base: MirrorContent,
) -> None:
    recs = {r.id: r for r in records(6)}
    assert list(base.records) == sorted(recs)
    assert len(base.records) == 6
    for record_id, encoded in base.records.items():
        assert orjson.loads(encoded) == recs[record_id].model_dump(mode="json", exclude_none=True)
    assert "symbol:nothing-here" not in base.records
    with pytest.raises(KeyError):
        base.records["symbol:nothing-here"]


def test_result_that_is_not_the_published_package_is_refused(base: MirrorContent) -> None:
    expected = _package(records(6), "2026.2", 2)
    head = parse_head(expected[:4096], file="package.json")
    fewer = dict(list(base.records.items())[1:])
    with pytest.raises(DeltaError, match=r"the changes give records digest"):
        assemble_package(head, fewer, _target(expected, "2026.2", 2))
    with pytest.raises(DeltaError, match=r"is not the published package.json"):
        assemble_package(head, base.records, _target(expected + b"x", "2026.2", 2))


def test_head_cut_before_the_records_is_not_read(base: MirrorContent) -> None:
    with pytest.raises(DeltaError, match=r"no records array within its first 40 bytes"):
        parse_head(base.data[:40], file="package.json")


def test_head_is_found_after_notes_that_mention_the_marker(base: MirrorContent) -> None:
    head = parse_head(base.data[:4096], file="package.json")
    assert head.release.notes.endswith('fake marker ,"records":[ inside.')


def test_invalid_changes_file_is_refused_with_located_problems() -> None:
    with pytest.raises(DeltaError, match=r"not a valid changes file: .*/changes"):
        parse_changes(b'{"format":"kpfeed/1","catalogue":"x","version":"2026.2"}', file="c.json")


# -- the releases in between


def _releases(*steps: tuple[str, int, str | None]) -> bytes:
    items = [{"_kpfeed": {"version": v, "sequence": s, "previous_version": p}} for v, s, p in steps]
    return orjson.dumps({"items": items})


def test_releases_between_follow_the_previous_links() -> None:
    steps = release_steps(
        _releases(("2026.4", 4, "2026.3"), ("2026.3", 3, "2026.2"), ("2026.2", 2, "2026.1"))
    )
    assert releases_between(steps, "2026.1", "2026.4") == ["2026.2", "2026.3", "2026.4"]
    assert releases_between(steps, "2026.3", "2026.4") == ["2026.4"]


def test_releases_beyond_the_listed_page_cannot_be_chained() -> None:
    steps = release_steps(_releases(("2026.4", 4, "2026.3"), ("2026.3", 3, "2026.2")))
    with pytest.raises(DeltaError, match=r"does not link release 2026.4 back to 2026.1"):
        releases_between(steps, "2026.1", "2026.4")


def test_release_without_records_is_rebuilt_too(base: MirrorContent) -> None:
    expected = _package([], "2026.2", 2)
    head = parse_head(expected, file="package.json")
    content = assemble_package(head, {}, _target(expected, "2026.2", 2))
    assert content.data == expected


def test_records_the_base_holds_in_a_row_are_taken_as_one_slice(base: MirrorContent) -> None:
    old = records(6)
    new = [*old[:3], changed(old[3], 1), *old[4:]]
    delta = _changes(base, [Change(op="MOD", id=new[3].id, revision=2, record=new[3])], result=new)
    result, _ = apply_changes(base.records, base.state, [delta])
    expected = _package(new, "2026.2", 2)
    head = parse_head(expected[:4096], file="package.json")
    content = assemble_package(head, result, _target(expected, "2026.2", 2), base=base)
    assert content.data == expected
    # head, records 0-2, ",", record 3 (new), ",", records 4-5, tail
    assert len(content.chunks) == 7


def test_record_index_reads_back_and_refuses_another_package(base: MirrorContent) -> None:
    assert base.index is not None
    data = encode_index(base.index, sha256=base.state.sha256)
    assert decode_index(data, sha256=base.state.sha256) == base.index
    assert RecordIndex.of(list(base.index.spans())) == base.index
    with pytest.raises(ValueError, match="another package"):
        decode_index(data, sha256="0" * 64)
    with pytest.raises(ValueError, match="truncated"):
        decode_index(data[:-8], sha256=base.state.sha256)

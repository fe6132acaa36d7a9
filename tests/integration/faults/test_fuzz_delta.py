"""Fault campaign: Hypothesis fuzzing of the client's delta applier (`feed.client.delta`).

A mirror holds release 2026.1 (6 synthetic records); the signed target is release 2026.2. Any
`changes.json` goes through what a pull does with it: `parse_changes`, `apply_changes` on the
mirror, `assemble_package` against the signed target. The outcome is the published 2026.2
package byte for byte, or `DeltaError` (after which the client downloads the full package);
no other exception escapes. Errors from reading a changes file name that file. Inputs:
arbitrary bytes, the real changes file with bytes inserted, deleted or replaced, its JSON
structure mutated, and change lists built from the mirror's ids and new ones with right and
wrong headers. `releases.json` listings and package heads are fuzzed the same way. Examples:
150 per test by default, 2000 with `--faults=full` or `KPFEED_FAULTS=full`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feed.client.assemble import assemble_package
from feed.client.delta import (
    ReleaseStep,
    apply_changes,
    parse_changes,
    parse_head,
    release_steps,
    releases_between,
)
from feed.client.state import MirrorContent, TargetRelease, verify_package
from feed.errors import DeltaError
from feed.model import AnyRecord, dump_record
from feed.model.release import (
    Change,
    ChangeSet,
    Counts,
    PublishedPackage,
    ReleaseInfo,
    records_digest,
)
from tests.integration.faults.fuzzing import JSON_VALUES, examples, mutated
from tests.integration.faults.scale import FaultScale
from tests.unit.client.site import CATALOGUE, changed, changes_bytes, package_bytes, records

pytestmark = pytest.mark.slow

T = TypeVar("T")

FILE = "releases/2026.2/changes.json"
NOW = datetime(2026, 3, 1, tzinfo=UTC)
OLD = records(6)
#: 2026.2: the first record retired, the second changed, one added.
NEW = [changed(OLD[1], 1), *OLD[2:], *records(1, start=6)]
CHANGES = [
    Change(op="DEL", id=OLD[0].id, revision=1),
    Change(op="MOD", id=NEW[0].id, revision=2, record=NEW[0]),
    Change(op="ADD", id=NEW[-1].id, revision=1, record=NEW[-1]),
]
#: Records a generated change may carry: the mirror's, their new revisions, new ones.
CANDIDATES = [*OLD, *NEW, *records(2, start=7), *(changed(r, 2) for r in OLD[:3])]


def _package(recs: list[AnyRecord], version: str, sequence: int) -> bytes:
    info = ReleaseInfo(
        catalogue=CATALOGUE,
        title="Synthetic",
        publisher="tests",
        version=version,
        sequence=sequence,
        created=NOW,
        notes="Fuzzing.",
        counts=Counts(added=len(recs), changed=0, retired=0, total=len(recs)),
        tlp="CLEAR",
    )
    ordered = sorted(recs, key=lambda r: r.id)
    package = PublishedPackage(
        format="kpfeed/1", release=info, records_digest=records_digest(ordered), records=ordered
    )
    return package_bytes(package)


def _target(data: bytes, version: str, sequence: int) -> TargetRelease:
    digest = hashlib.sha256(data).hexdigest()
    return TargetRelease("package.json", version, sequence, len(data), digest)


OLD_PACKAGE = _package(OLD, "2026.1", 1)
BASE: MirrorContent = verify_package(OLD_PACKAGE, _target(OLD_PACKAGE, "2026.1", 1))
NEW_PACKAGE = _package(NEW, "2026.2", 2)
TARGET = _target(NEW_PACKAGE, "2026.2", 2)
HEAD = parse_head(NEW_PACKAGE[:4096], file="package.json")


def _changeset(changes: list[Change], **header: Any) -> ChangeSet:
    fields: dict[str, Any] = {
        "format": "kpfeed/1",
        "catalogue": CATALOGUE,
        "version": "2026.2",
        "sequence": 2,
        "previous_version": "2026.1",
        "previous_sequence": 1,
        "base_digest": BASE.state.records_digest,
        "records_digest": records_digest(sorted(NEW, key=lambda r: r.id)),
        "changes": changes,
    }
    return ChangeSet(**(fields | header))


VALID = changes_bytes(_changeset(CHANGES))


def _json(value: Any) -> bytes:
    # The standard library writes what orjson cannot (NaN, integers past 64 bits) for the
    # client to refuse.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _attempt(call: Callable[[], T]) -> tuple[T | None, DeltaError | None]:
    """(result, None) or (None, the DeltaError it raised); any other exception escapes."""
    try:
        return call(), None
    except DeltaError as error:
        return None, error


def _pull_with(data: bytes) -> bool:
    """What a pull does with a changes file; whether it gave the published package."""
    delta, refused = _attempt(lambda: parse_changes(data, file=FILE))
    if delta is None:
        assert FILE in str(refused)  # the client reports which file it refused
        return False
    applied, refused = _attempt(lambda: apply_changes(BASE.records, BASE.state, [delta]))
    if applied is None:
        assert str(refused).strip()
        return False
    result, touched = applied
    assert touched <= {change.id for change in delta.changes.changes}
    content, refused = _attempt(lambda: assemble_package(HEAD, result, TARGET, base=BASE))
    if content is None:
        assert str(refused).strip()
        return False
    assert hashlib.sha256(content.data).hexdigest() == TARGET.sha256
    assert content.state.version == "2026.2"
    return True


def test_the_real_changes_file_gives_the_published_package() -> None:
    assert _pull_with(VALID)


def test_arbitrary_bytes_as_changes_are_refused_with_delta_errors(
    fault_scale: FaultScale,
) -> None:
    @examples(fault_scale)
    @given(data=st.binary(max_size=3000))
    def run(data: bytes) -> None:
        assert not _pull_with(data)

    run()


def test_the_changes_file_with_bytes_changed_applies_or_is_refused(
    fault_scale: FaultScale,
) -> None:
    edit = st.tuples(
        st.sampled_from(["insert", "delete", "replace"]),
        st.integers(min_value=0, max_value=len(VALID)),
        st.binary(min_size=1, max_size=8),
    )

    @examples(fault_scale)
    @given(edits=st.lists(edit, min_size=1, max_size=4))
    def run(edits: list[tuple[str, int, bytes]]) -> None:
        data = bytearray(VALID)
        for kind, at, chunk in edits:
            if kind == "insert":
                data[at:at] = chunk
            elif kind == "delete":
                del data[at : at + len(chunk)]
            else:
                data[at : at + len(chunk)] = chunk
        _pull_with(bytes(data))

    run()


def test_the_changes_structure_mutated_applies_or_is_refused(fault_scale: FaultScale) -> None:
    document = orjson.loads(VALID)

    @examples(fault_scale)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        value: Any = document
        for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
            value = mutated(value, data.draw)
        _pull_with(_json(value))

    run()


@st.composite
def change_lists(draw: st.DrawFn) -> bytes:
    """Changes files of ADD/MOD/DEL over the mirror's ids and others, headers right or not."""
    entries = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        record = draw(st.sampled_from(CANDIDATES))
        op = draw(st.sampled_from(["ADD", "MOD", "DEL"]))
        entry: dict[str, Any] = {"op": op, "id": record.id, "revision": record.revision}
        if op != "DEL":
            entry["record"] = dump_record(record)
        entries.append(entry)
    header = orjson.loads(VALID)
    header["changes"] = sorted(entries, key=lambda e: e["id"]) if draw(st.booleans()) else entries
    for name, wrong in [
        ("catalogue", "another-catalogue"),
        ("previous_version", "2025.9"),
        ("previous_sequence", 7),
        ("base_digest", "0" * 64),
        ("records_digest", "f" * 64),
        ("version", "2026.3"),
    ]:
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            header[name] = wrong
    return orjson.dumps(header)


def test_generated_change_lists_apply_or_are_refused(fault_scale: FaultScale) -> None:
    @examples(fault_scale)
    @given(data=change_lists())
    def run(data: bytes) -> None:
        _pull_with(data)

    run()


RELEASES = orjson.dumps(
    {
        "items": [
            {"_kpfeed": {"version": "2026.2", "sequence": 2, "previous_version": "2026.1"}},
            {"_kpfeed": {"version": "2026.1", "sequence": 1, "previous_version": None}},
        ]
    }
)


def test_releases_listings_give_a_chain_or_a_delta_error(fault_scale: FaultScale) -> None:
    document = orjson.loads(RELEASES)

    @examples(fault_scale)
    @given(data=st.data(), versions=st.tuples(st.text(max_size=8), st.text(max_size=8)))
    def run(data: st.DataObject, versions: tuple[str, str]) -> None:
        if data.draw(st.booleans()):
            raw = data.draw(st.binary(max_size=500))
        else:
            raw = _json(mutated(document, data.draw))
        steps, refused = _attempt(lambda: release_steps(raw))
        if steps is None:
            assert "releases.json" in str(refused)
            return
        for start, end in [("2026.1", "2026.2"), versions]:
            chain, refused = _attempt(lambda: releases_between(steps, start, end))  # noqa: B023
            if chain is None:
                assert "releases.json" in str(refused)
                continue
            assert all(isinstance(step, str) for step in chain)
            assert chain == [] or chain[-1] == end

    run()


def test_release_links_that_loop_are_refused_not_followed_forever(
    fault_scale: FaultScale,
) -> None:
    names = st.sampled_from(["2026.1", "2026.2", "2026.3", "2026.4"])

    @examples(fault_scale)
    @given(links=st.dictionaries(names, st.none() | names, max_size=4), end=names)
    def run(links: dict[str, str | None], end: str) -> None:
        steps = {
            v: ReleaseStep(v, i + 1, previous) for i, (v, previous) in enumerate(links.items())
        }
        chain, _ = _attempt(lambda: releases_between(steps, "2026.0", end))
        assert chain is None, f"2026.0 is listed nowhere, yet a chain came back: {chain}"

    run()


def test_package_heads_are_read_or_refused_with_delta_errors(fault_scale: FaultScale) -> None:
    prefix = NEW_PACKAGE[:4096]

    @examples(fault_scale)
    @given(
        cut=st.integers(min_value=0, max_value=len(prefix)),
        edit=st.tuples(st.integers(min_value=0, max_value=400), st.binary(max_size=6)),
    )
    def run(cut: int, edit: tuple[int, bytes]) -> None:
        at, chunk = edit
        data = bytearray(prefix[:cut])
        data[at : at + len(chunk)] = chunk
        head, refused = _attempt(lambda: parse_head(bytes(data), file="package.json"))
        if head is None:
            assert "package.json" in str(refused)
            return
        assert head.head.endswith(b'"records":[')

    run()


def test_values_in_place_of_a_changes_document_are_refused(fault_scale: FaultScale) -> None:
    @examples(fault_scale)
    @given(value=JSON_VALUES)
    def run(value: Any) -> None:
        assert not _pull_with(_json(value))

    run()

"""Rebuild a release's `package.json` from records, pure: the bytes, their hashes, their index.

After a delta, the records are the mirror's old package with a few changes laid over it
(`ChangedRecords`). The new package is then laid out as runs of records the old one holds in
a row, each taken as one slice of it, and the changed records between them; the new record
index is the old one shifted run by run. So the work in Python grows with the number of
changes; the one pass over all the bytes is hashing, which runs in C (the package's sha256 in
a thread beside the records digest: hashlib lets go of the GIL on large buffers).
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from feed.client.delta import ChangedRecords, PackageHead
from feed.client.index import IndexedRecords, RecordBytes, RecordIndex
from feed.client.state import MirrorContent, MirrorState, TargetRelease
from feed.errors import DeltaError

__all__ = ["Run", "Single", "assemble_package"]

_TAIL = b"]}\n"
#: Records per hashed batch: about 1 MB of a typical catalogue, small enough to stay cached.
_BATCH = 256
_NEWLINE = 0x0A


class Run(NamedTuple):
    """Records the base package holds in a row: index positions `first` to `stop` (excluded)."""

    first: int
    stop: int


class Single(NamedTuple):
    """One record and its canonical bytes."""

    record_id: str
    encoded: RecordBytes


def assemble_package(
    head: PackageHead,
    records: Mapping[str, RecordBytes],
    target: TargetRelease,
    *,
    base: MirrorContent | None = None,
    write: Callable[[Sequence[RecordBytes]], object] | None = None,
) -> MirrorContent:
    """Rebuild `package.json` from its head and records; it must be the published one.

    DeltaError unless the records digest equals the head's and the bytes have the length and
    sha256 of the signed target: only then are they the release, record for record.
    `base`, the package the records came from (`records` being its records with changes laid
    over them), lets runs of records it holds in a row be taken as single slices of it.
    `write`, if given, is handed the package's pieces to write out while they are hashed;
    its errors are raised once the hashes have been checked.
    """
    release = head.release
    if (release.version, release.sequence) != (target.version, target.sequence):
        raise DeltaError(
            f"the package head is release {release.version} (sequence {release.sequence}), "
            f"not {target.version} (sequence {target.sequence})"
        )
    old = _base_of(records, base)
    layout = _changed_layout(records, old) if old is not None else _plain_layout(records)
    parts = _parts(head.head, layout, old)
    with ThreadPoolExecutor(max_workers=2) as pool:
        package = pool.submit(_sha256_and_length, parts)
        written = pool.submit(write, parts) if write is not None else None
        digest = _records_digest(layout, old)
        sha256, length = package.result()
    if digest != head.records_digest:
        raise DeltaError(
            f"the changes give records digest {digest}, but release {release.version} "
            f"has {head.records_digest}"
        )
    if length != target.length or sha256 != target.sha256:
        raise DeltaError(
            f"the rebuilt package ({length:,} bytes, sha256 {sha256}) is not the published "
            f"{target.path} ({target.length:,} bytes, sha256 {target.sha256})"
        )
    if written is not None:
        written.result()
    state = MirrorState(
        catalogue=release.catalogue,
        version=release.version,
        sequence=release.sequence,
        records_digest=digest,
        sha256=sha256,
        length=length,
        records=len(records),
    )
    index = _new_index(len(head.head), layout, old)
    return MirrorContent(tuple(parts), state, release, records, index)


def _base_of(
    records: Mapping[str, RecordBytes], base: MirrorContent | None
) -> IndexedRecords | None:
    """The base's indexed records when `records` are changes laid over them."""
    if base is None or not isinstance(records, ChangedRecords):
        return None
    old = base.records
    return old if isinstance(old, IndexedRecords) and records.base is old else None


def _plain_layout(records: Mapping[str, RecordBytes]) -> list[Run | Single]:
    return [Single(record_id, records[record_id]) for record_id in sorted(records)]


def _changed_layout(records: Mapping[str, RecordBytes], old: IndexedRecords) -> list[Run | Single]:
    """Runs of the base and changed records, in id order: a merge over the changes only."""
    assert isinstance(records, ChangedRecords)
    ids = old.index.ids
    layout: list[Run | Single] = []
    done = 0
    for record_id in sorted(records.changes):
        stop = bisect_left(ids, record_id, done)
        if stop > done:
            layout.append(Run(done, stop))
        held = stop < len(ids) and ids[stop] == record_id
        done = stop + 1 if held else stop
        encoded = records.changes[record_id]
        if encoded is not None:
            layout.append(Single(record_id, encoded))
    if done < len(ids):
        layout.append(Run(done, len(ids)))
    return layout


def _parts(
    head: bytes, layout: list[Run | Single], old: IndexedRecords | None
) -> list[RecordBytes]:
    """head, record or run, ",", ..., tail: the package's bytes in pieces."""
    parts: list[RecordBytes] = [head]
    for number, item in enumerate(layout):
        if number:
            parts.append(b",")
        if isinstance(item, Run):
            assert old is not None
            offsets = old.index.offsets
            parts.append(old.view[offsets[2 * item.first] : offsets[2 * item.stop - 1]])
        else:
            parts.append(item.encoded)
    parts.append(_TAIL)
    return parts


def _records_digest(layout: list[Run | Single], old: IndexedRecords | None) -> str:
    """`records_digest`: each record's canonical bytes and a newline, in id order.

    A run of the base is copied a batch at a time with the "," between its records set to
    "\n", then hashed: a few hundred hash updates instead of 200k (each of which would take
    and give back the GIL the package hash beside it needs too).
    """
    digest = hashlib.sha256()
    for item in layout:
        if isinstance(item, Single):
            digest.update(item.encoded)
            digest.update(b"\n")
            continue
        assert old is not None
        offsets, view = old.index.offsets, old.view
        for batch in range(item.first, item.stop, _BATCH):
            last = min(batch + _BATCH, item.stop) - 1
            begin = offsets[2 * batch]
            chunk = bytearray(view[begin : offsets[2 * last + 1]])
            for end in offsets[2 * batch + 1 : 2 * last + 1 : 2]:
                chunk[end - begin] = _NEWLINE
            chunk.append(_NEWLINE)
            digest.update(chunk)
    return digest.hexdigest()


def _new_index(
    position: int, layout: list[Run | Single], old: IndexedRecords | None
) -> RecordIndex:
    """The rebuilt package's record index: runs of the old one shifted to where they now sit."""
    ids: list[str] = []
    offsets = array("q")
    for number, item in enumerate(layout):
        if number:
            position += 1
        if isinstance(item, Run):
            assert old is not None
            run = old.index.offsets[2 * item.first : 2 * item.stop]
            shift = position - run[0]
            ids += old.index.ids[item.first : item.stop]
            offsets.extend(run if shift == 0 else map(shift.__add__, run))
            position += run[-1] - run[0]
        else:
            ids.append(item.record_id)
            offsets.extend((position, position + len(item.encoded)))
            position += len(item.encoded)
    return RecordIndex(ids, offsets)


def _sha256_and_length(parts: list[RecordBytes]) -> tuple[str, int]:
    package_hash = hashlib.sha256()
    for part in parts:
        package_hash.update(part)
    return package_hash.hexdigest(), sum(len(part) for part in parts)

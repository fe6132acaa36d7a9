"""Where each record sits in a canonical package, and the records read through that index.

A mirror keeps `records.idx` beside `package.json`: the ids in package order (sorted, each once)
and the start and end of each record's canonical bytes. With it, a delta pull reads the old
package without parsing it, takes runs of unchanged records as single slices, and works out
the new index by shifting the old offsets: the work grows with the changes, plus one pass over
the bytes for the hashes.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import orjson

__all__ = ["IndexedRecords", "RecordBytes", "RecordIndex", "decode_index", "encode_index"]

_INDEX_FORMAT = "kpfeed-index/1"

#: One record's canonical JSON (keys sorted at every level), as bytes or a slice of a package.
RecordBytes = bytes | memoryview


@dataclass(frozen=True)
class RecordIndex:
    """Record ids in package order (sorted) and their offsets in the package: `offsets` holds
    start and end of each record in turn (`offsets[2 * i]`, `offsets[2 * i + 1]`)."""

    ids: list[str]
    offsets: array[int]

    @classmethod
    def of(cls, spans: Sequence[tuple[str, int, int]]) -> RecordIndex:
        """The index of (id, start, end) spans."""
        offsets = array("q", [n for _, start, end in spans for n in (start, end)])
        return cls([record_id for record_id, _, _ in spans], offsets)

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, record_id: str) -> int | None:
        """Where `record_id` is in the package order, or None when the package lacks it."""
        i = bisect_left(self.ids, record_id)
        return i if i < len(self.ids) and self.ids[i] == record_id else None

    def spans(self) -> Iterator[tuple[str, int, int]]:
        """(id, start, end) of each record, in package order."""
        return zip(self.ids, self.offsets[0::2], self.offsets[1::2], strict=True)


class IndexedRecords(Mapping[str, RecordBytes]):
    """A package's records by id, read through its index: slices made only when asked for,
    so a 100k-record mirror opens without building 100k objects."""

    __slots__ = ("index", "view")

    def __init__(self, view: memoryview, index: RecordIndex) -> None:
        self.view = view
        self.index = index

    def __getitem__(self, record_id: str) -> memoryview:
        i = self.index.position(record_id)
        if i is None:
            raise KeyError(record_id)
        return self.view[self.index.offsets[2 * i] : self.index.offsets[2 * i + 1]]

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, str) and self.index.position(record_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.index.ids)

    def __len__(self) -> int:
        return len(self.index.ids)


def encode_index(index: RecordIndex, *, sha256: str) -> bytes:
    """Where each record sits in the package whose hash is `sha256`, compactly.

    A JSON header line, the ids joined by newlines (ids never hold one), then start and end
    of each record as little-endian 64-bit integers: 100k records read back in milliseconds.
    """
    ids = "\n".join(index.ids).encode()
    offsets = index.offsets
    if sys.byteorder == "big":  # pragma: no cover - the file is the same on every machine
        offsets = array("q", offsets)
        offsets.byteswap()
    header = {"format": _INDEX_FORMAT, "sha256": sha256, "count": len(index), "ids": len(ids)}
    return orjson.dumps(header) + b"\n" + ids + offsets.tobytes()


def decode_index(data: bytes, *, sha256: str) -> RecordIndex:
    """The index `encode_index` wrote; ValueError unless it is for the package `sha256`."""
    line, _, rest = data.partition(b"\n")
    header = orjson.loads(line)
    if not isinstance(header, dict) or header.get("format") != _INDEX_FORMAT:
        raise ValueError("not a kpfeed record index")
    if header.get("sha256") != sha256:
        raise ValueError("the record index is for another package.json")
    count, size = int(header["count"]), int(header["ids"])
    ids = rest[:size].decode().split("\n") if count else []
    offsets = array("q")
    offsets.frombytes(rest[size:])
    if sys.byteorder == "big":  # pragma: no cover
        offsets.byteswap()
    if len(ids) != count or len(offsets) != 2 * count:
        raise ValueError("the record index is truncated")
    return RecordIndex(ids, offsets)

"""`package.json` and `changes.json` as canonical JSON bytes.

Canonical form, shared by every kpfeed JSON file: UTF-8, no insignificant whitespace, one
trailing newline, unset optional fields left out (as `dump_record` does). Key order:

* every record is an object with keys sorted by code point at every level: exactly the bytes
  `records_digest` hashes. Sorting makes the bytes independent of how a record's free-form
  maps such as `summary` happened to be ordered when read (a PostgreSQL JSONB round trip
  reorders them), so equal records always give equal bytes;
* everything around the records keeps the model's field order (or, in feeds, the order the
  renderer writes), which is fixed by the code: `format`, `release`, `records_digest` come
  before the long `records` array, so a streaming reader meets the metadata first.

Large arrays are written element by element into one buffer (`json_with_array`), so peak
memory stays close to the output size, and a record that cannot be encoded is named in the
error.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import orjson

from feed.errors import PublishError
from feed.model.release import ChangeSet, PublishedPackage
from feed.render.common import gc_paused
from feed.render.sources import (
    ChangeEntry,
    ChangesSource,
    PackageSource,
    as_changes_source,
    as_package_source,
    record_json,
)

__all__ = [
    "JsonArrayWriter",
    "canonical_json",
    "json_with_array",
    "record_json",
    "render_changes",
    "render_package",
]


def canonical_json(document: Any) -> bytes:
    """`document` (plain data in its intended key order, may hold `orjson.Fragment`s) as bytes."""
    try:
        return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError as error:
        raise PublishError(f"cannot be written as canonical JSON: {error}") from None


def json_with_array(head: dict[str, Any], key: str, elements: Iterable[bytes]) -> bytes:
    """`head` plus a last member `key` whose value is the array of pre-serialized `elements`.

    Gives the same bytes as `canonical_json({**head, key: [Fragment(e), ...]})`, but each
    element is copied into one growing buffer as soon as it exists and `getvalue()` hands that
    buffer over without a copy, so peak memory stays near the output size (a list of 100k
    small `bytes` plus orjson's buffer took 3.7 times the output).
    """
    writer = JsonArrayWriter(head, key)
    for element in elements:
        writer.add(element)
    return writer.finish()


class JsonArrayWriter:
    """`json_with_array`, one element at a time (so one pass can write several documents)."""

    def __init__(self, head: dict[str, Any], key: str) -> None:
        if not head or key in head:
            raise PublishError(f"a JSON head needs members and no {key!r} of its own")
        self._out = io.BytesIO()
        self._out.write(canonical_json(head)[:-2])  # without the closing brace and newline
        self._out.write(b",")
        self._out.write(orjson.dumps(key))
        self._out.write(b":[")
        self._first = True

    def add(self, element: bytes) -> None:
        if not self._first:
            self._out.write(b",")
        self._out.write(element)
        self._first = False

    def finish(self) -> bytes:
        self._out.write(b"]}\n")
        return self._out.getvalue()


@gc_paused()
def render_package(pkg: PublishedPackage | PackageSource) -> bytes:
    """`package.json`: the release metadata, the records digest and every record, sorted by id."""
    source = as_package_source(pkg)
    head = source.head.model_dump(mode="json", exclude_none=True, exclude={"records"})
    return json_with_array(head, "records", (record.json for record in source.records))


def _change_json(entry: ChangeEntry) -> bytes:
    data = entry.head()
    if entry.record is not None:
        data["record"] = orjson.Fragment(entry.record)
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError as error:
        raise PublishError(f"change of {entry.id}: cannot be written as JSON: {error}") from None


@gc_paused()
def render_changes(changes: ChangeSet | ChangesSource) -> bytes:
    """`changes.json`: the ADD/MOD/DEL entries that turn the previous release into this one."""
    source = as_changes_source(changes)
    head = source.head.model_dump(mode="json", exclude_none=True, exclude={"changes"})
    return json_with_array(head, "changes", (_change_json(e) for e in source.entries))

"""What the renderers read: release documents whose records are canonical JSON bytes.

A publication of 100k records never needs the records as models: the store keeps each
revision's content as canonical JSON, the lifecycle fields are added to that (see
`feed.releasing.history`), and from then on every file embeds those very bytes. The
renderers take these sources; given the models (`PublishedPackage`, `ChangeSet`), they
encode each record once with `record_json` and go the same way, so both give the same bytes.
Renderers that need a record's fields (the feeds' titles and summaries) parse its bytes again
one record at a time, so only one record's data is alive at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from feed.errors import PublishError
from feed.model.records import RecordBase, dump_record
from feed.model.release import PACKAGE_FORMAT, ChangeSet, PublishedPackage, ReleaseInfo

__all__ = [
    "ChangeEntry",
    "ChangesSource",
    "PackageSource",
    "PublishedRecord",
    "as_changes_source",
    "as_package_source",
    "record_json",
]


def record_json(record: RecordBase) -> bytes:
    """One record's canonical JSON (no trailing newline): the bytes `records_digest` hashes."""
    try:
        return orjson.dumps(dump_record(record), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as error:  # e.g. a lone surrogate in a text field
        raise PublishError(
            f"record {record.id}: cannot be written as UTF-8 JSON: {error}"
        ) from None


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """A record as a release publishes it: its id and its canonical JSON (keys sorted at every
    level, lifecycle fields filled, unset optionals left out)."""

    id: str
    json: bytes

    @classmethod
    def of(cls, record: RecordBase) -> PublishedRecord:
        return cls(record.id, record_json(record))

    def data(self) -> dict[str, Any]:
        """The record as plain JSON data (what `dump_record` gives for the model)."""
        data: dict[str, Any] = orjson.loads(self.json)
        return data


@dataclass(frozen=True)
class PackageSource:
    """`package.json` and the catalogue feeds of a release: the document's head (a
    `PublishedPackage` without records) and every record, sorted by id."""

    head: PublishedPackage
    records: Sequence[PublishedRecord]

    @classmethod
    def build(
        cls, release: ReleaseInfo, records_digest: str, records: Sequence[PublishedRecord]
    ) -> PackageSource:
        ids = [r.id for r in records]
        if ids != sorted(ids) or len(set(ids)) != len(ids):
            raise PublishError("records must be unique and sorted by id")
        head = PublishedPackage(
            format=PACKAGE_FORMAT, release=release, records_digest=records_digest, records=[]
        )
        return cls(head, records)

    @property
    def release(self) -> ReleaseInfo:
        return self.head.release

    @property
    def records_digest(self) -> str:
        return self.head.records_digest


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One entry of `changes.json`; `record` is the record's canonical JSON (ADD, MOD)."""

    op: str
    id: str
    revision: int
    fields: Sequence[str] = ()
    record: bytes | None = None

    def head(self) -> dict[str, Any]:
        """The entry without its record, in `Change`'s field order (as `model_dump` gives)."""
        return {"op": self.op, "id": self.id, "revision": self.revision, "fields": [*self.fields]}


@dataclass(frozen=True)
class ChangesSource:
    """`changes.json` of a release: the document's head (a `ChangeSet` without changes) and
    its entries, sorted by id."""

    head: ChangeSet
    entries: Sequence[ChangeEntry]

    @property
    def version(self) -> str:
        return self.head.version

    @property
    def catalogue(self) -> str:
        return self.head.catalogue

    @property
    def records_digest(self) -> str:
        return self.head.records_digest


def as_package_source(pkg: PublishedPackage | PackageSource) -> PackageSource:
    """The package as a source: records encoded once each (given models)."""
    if isinstance(pkg, PackageSource):
        return pkg
    head = pkg.model_copy(update={"records": []})
    return PackageSource(head, [PublishedRecord.of(record) for record in pkg.records])


def as_changes_source(changes: ChangeSet | ChangesSource) -> ChangesSource:
    """The changes as a source: each record encoded once (given models)."""
    if isinstance(changes, ChangesSource):
        return changes
    entries = [
        ChangeEntry(
            change.op,
            change.id,
            change.revision,
            change.fields,
            None if change.record is None else record_json(change.record),
        )
        for change in changes.changes
    ]
    return ChangesSource(changes.model_copy(update={"changes": []}), entries)

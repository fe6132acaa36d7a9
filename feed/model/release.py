"""Releases, the published package and the changes file: frozen snapshots of the catalogue."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from feed.model.records import (
    VERSION_PATTERN,
    LongText,
    Record,
    RecordBase,
    RecordId,
    ShortText,
    Version,
    dump_record,
)
from feed.model.vocab import Tlp

__all__ = [
    "PACKAGE_FORMAT",
    "Change",
    "ChangeSet",
    "Counts",
    "PackageManifest",
    "PublishedPackage",
    "ReleaseInfo",
    "parse_version",
    "records_digest",
    "records_digest_of",
]

#: Version of the published file formats; bumped only on incompatible change.
PACKAGE_FORMAT = "kpfeed/1"


def parse_version(version: str) -> tuple[int, int]:
    """`2022.3` -> (2022, 3); raises ValueError for anything else."""
    if not re.match(VERSION_PATTERN, version):
        raise ValueError(f"version {version!r} is not YYYY.N (e.g. 2022.1)")
    year, n = version.split(".")
    return int(year), int(n)


def records_digest(records: Iterable[RecordBase]) -> str:
    """SHA-256 over the canonical JSON of records sorted by id: equal digests, equal catalogues.

    Clients recompute it after applying a delta to prove the mirror equals the release.
    """
    return records_digest_of(
        orjson.dumps(dump_record(record), option=orjson.OPT_SORT_KEYS)
        for record in sorted(records, key=lambda r: r.id)
    )


def records_digest_of(encoded: Iterable[bytes]) -> str:
    """`records_digest` of records given as their canonical JSON, already sorted by id."""
    h = hashlib.sha256()
    for record in encoded:
        h.update(record)
        h.update(b"\n")
    return h.hexdigest()


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackageManifest(_Frozen):
    """`package.yaml`: what a knowledge package source directory is."""

    name: str = Field(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        title="Name",
        description="Short name of the package source, e.g. `sample`.",
    )
    catalogue: str = Field(
        default="euif-knowledge-package",
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        title="Catalogue",
        description="Catalogue the records belong to; names the feed.",
    )
    title: ShortText = Field(title="Title", description="Human-readable title.")
    description: LongText | None = Field(
        default=None, title="Description", description="What the package holds."
    )
    publisher: ShortText = Field(title="Publisher", description="Who curates it.")
    tlp: Tlp = Field(default=Tlp.CLEAR, title="TLP", description="Default TLP of the records.")


class Counts(_Frozen):
    """How many records a release added, changed and retired, and holds in all."""

    added: int = Field(ge=0, title="Added", description="Records new in this release.")
    changed: int = Field(ge=0, title="Changed", description="Records with a new revision.")
    retired: int = Field(ge=0, title="Retired", description="Records retired in this release.")
    total: int = Field(ge=0, title="Total", description="Records the release holds.")


class ReleaseInfo(_Frozen):
    """Metadata of one release."""

    catalogue: str = Field(title="Catalogue", description="Catalogue name.")
    title: ShortText = Field(title="Title", description="Human-readable catalogue title.")
    publisher: ShortText = Field(title="Publisher", description="Who curates the catalogue.")
    version: Version
    sequence: int = Field(ge=1, title="Sequence", description="Integer that increases by release.")
    created: AwareDatetime = Field(
        title="Created", description="When the release was frozen (UTC)."
    )
    published: AwareDatetime | None = Field(
        default=None, title="Published", description="When it was published (UTC)."
    )
    notes: str = Field(max_length=20_000, title="Notes", description="Release notes (Markdown).")
    previous_version: Version | None = Field(
        default=None, title="Previous version", description="Release this one follows."
    )
    counts: Counts = Field(title="Counts", description="Added, changed, retired, total.")
    tlp: Tlp = Field(title="TLP", description="Highest TLP marking among the records.")


class PublishedPackage(_Frozen):
    """`package.json`: one release with every record it holds."""

    format: Literal["kpfeed/1"] = Field(
        title="Format", description="File format identifier, `kpfeed/1`."
    )
    release: ReleaseInfo = Field(title="Release", description="Release metadata.")
    records_digest: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        title="Records digest",
        description="SHA-256 over the records' canonical JSON sorted by id (see docs).",
    )
    records: list[Record] = Field(title="Records", description="Every record, sorted by id.")

    @model_validator(mode="after")
    def _check(self) -> PublishedPackage:
        ids = [r.id for r in self.records]
        if ids != sorted(ids) or len(set(ids)) != len(ids):
            raise ValueError("records must be unique and sorted by id")
        return self


class Change(_Frozen):
    """One entry of a changes file."""

    op: Literal["ADD", "MOD", "DEL"] = Field(
        title="Operation", description="ADD a new record, MOD replace it, DEL retire it."
    )
    id: RecordId
    revision: int = Field(ge=1, title="Revision", description="Record revision after the change.")
    fields: list[str] = Field(
        default_factory=list,
        title="Changed fields",
        description="For MOD: top-level fields whose value changed.",
    )
    record: Record | None = Field(
        default=None, title="Record", description="The record after the change (ADD, MOD)."
    )

    @model_validator(mode="after")
    def _check(self) -> Change:
        if self.op == "DEL" and self.record is not None:
            raise ValueError("DEL carries no record")
        if self.op != "DEL" and self.record is None:
            raise ValueError(f"{self.op} must carry the record")
        if self.record is not None and self.record.id != self.id:
            raise ValueError("record id differs from change id")
        return self


class ChangeSet(_Frozen):
    """`changes.json`: how to turn the previous release into this one."""

    format: Literal["kpfeed/1"] = Field(
        title="Format", description="File format identifier, `kpfeed/1`."
    )
    catalogue: str = Field(title="Catalogue", description="Catalogue name.")
    version: Version
    sequence: int = Field(ge=1, title="Sequence", description="Sequence of this release.")
    previous_version: Version | None = Field(
        default=None, title="Previous version", description="Release the changes apply to."
    )
    previous_sequence: int | None = Field(
        default=None, ge=1, title="Previous sequence", description="Its sequence."
    )
    base_digest: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        title="Base digest",
        description="`records_digest` of the previous release: where the changes apply.",
    )
    records_digest: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        title="Result digest",
        description="`records_digest` after applying the changes: must equal this release's.",
    )
    changes: list[Change] = Field(title="Changes", description="Entries sorted by id.")

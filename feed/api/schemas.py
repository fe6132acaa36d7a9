"""Response models of the read API: what companies see (never an editorial field)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from feed.model import Counts
from feed.model.records import Record

__all__ = [
    "DiffEntry",
    "DiffPage",
    "RecordChange",
    "RecordDetail",
    "RecordPage",
    "ReleaseList",
    "ReleaseOut",
]


class ReleaseOut(BaseModel):
    """A published release (who created or approved it is editorial and not shown)."""

    version: str = Field(description="`YYYY.N`.", examples=["2024.2"])
    sequence: int = Field(description="Increases by one per release.", examples=[2])
    previous_version: str | None = Field(description="The release this one follows.")
    created: datetime = Field(description="When the release was frozen (UTC).")
    published: datetime | None = Field(description="When it was published (UTC).")
    notes: str = Field(description="Release notes (Markdown).")
    counts: Counts = Field(description="Records added, changed, retired, and in all.")


class ReleaseList(BaseModel):
    """Every published release, newest first."""

    items: list[ReleaseOut]


class RecordPage(BaseModel):
    """One page of a release's records, sorted by id."""

    release: str = Field(description="The release the records are from.", examples=["2024.2"])
    items: list[Record] = Field(description="Records as that release published them.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same filters) for the next page; null at the end."
    )


class RecordChange(BaseModel):
    """What a release did to a record."""

    version: str = Field(description="The release.", examples=["2024.2"])
    op: Literal["ADD", "MOD", "DEL"] = Field(description="Added, changed, or retired/removed.")
    revision: int | None = Field(description="The record's revision in that release (not DEL).")


class RecordDetail(BaseModel):
    """One record as a release published it, with its change history by release."""

    release: str = Field(description="The release the record is shown from.")
    record: Record
    history: list[RecordChange] = Field(description="Releases that changed it, oldest first.")


class DiffEntry(BaseModel):
    """How one record differs between two releases."""

    op: Literal["ADD", "MOD", "DEL"] = Field(
        description="ADD: only in `to`; DEL: only in `from`; MOD: another revision."
    )
    id: str = Field(description="Record id.", examples=["symbol:sonnenrad"])
    from_revision: int | None = Field(description="Revision in `from` (not for ADD).")
    to_revision: int | None = Field(description="Revision in `to` (not for DEL).")
    fields: list[str] = Field(description="For MOD: top-level fields that differ.")


class DiffPage(BaseModel):
    """One page of the differences between two releases, sorted by record id."""

    from_version: str = Field(alias="from", description="The release compared from.")
    to_version: str = Field(alias="to", description="The release compared to.")
    items: list[DiffEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")

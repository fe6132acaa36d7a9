"""The store's tables as sqlmodel classes; the migrations in `migrations/` create exactly these."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

__all__ = [
    "AuditRow",
    "CatalogueMetaRow",
    "EditorialState",
    "NoteKind",
    "RecordNoteRow",
    "RecordRow",
    "ReleaseMemberRow",
    "ReleaseRow",
    "ReleaseState",
    "RevisionRow",
    "UTCDateTime",
    "full_metadata",
    "metadata",
]


class EditorialState(StrEnum):
    """Where a record stands in the editorial workflow."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


class ReleaseState(StrEnum):
    """Where a release stands: frozen as a draft, approved by a second person, published."""

    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


class NoteKind(StrEnum):
    """Editorial-only text kept beside a record; never part of a published artifact."""

    INTERNAL_NOTE = "internal_note"
    REVIEW_COMMENT = "review_comment"


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so we add it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Named constraints keep future migrations (and SQLite batch mode) deterministic.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in enum)})"


class RecordRow(SQLModel, table=True):
    """One catalogue record: its identity, current revision and editorial state."""

    __tablename__ = "records"
    __table_args__ = (sa.CheckConstraint(_in("state", EditorialState), name="state"),)

    id: str = Field(primary_key=True, max_length=200)
    type: str = Field(max_length=16, index=True)
    uuid: str = Field(max_length=36, unique=True)
    name: str = Field(max_length=500)
    revision: int = Field(description="Current (latest) revision number.")
    state: str = Field(max_length=16, index=True)
    approved_revision: int | None = Field(default=None)
    approved_by: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created: datetime = Field(sa_type=UTCDateTime)
    modified: datetime = Field(sa_type=UTCDateTime)


class RevisionRow(SQLModel, table=True):
    """One revision of a record's content; never updated or deleted."""

    __tablename__ = "record_revisions"

    record_id: str = Field(primary_key=True, max_length=200, foreign_key="records.id")
    revision: int = Field(primary_key=True)
    body: dict[str, Any] = Field(sa_type=sa.JSON)
    content_hash: str = Field(max_length=64)
    author: str = Field(max_length=200)
    created: datetime = Field(sa_type=UTCDateTime)
    comment: str = Field(default="", sa_type=sa.Text)


class RecordNoteRow(SQLModel, table=True):
    """Editorial-only notes and reviewer comments on a record; append-only, never published."""

    __tablename__ = "record_notes"
    __table_args__ = (sa.CheckConstraint(_in("kind", NoteKind), name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(max_length=200, foreign_key="records.id", index=True)
    revision: int | None = Field(default=None)
    kind: str = Field(max_length=32)
    author: str = Field(max_length=200)
    created: datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_type=sa.Text)


class AuditRow(SQLModel, table=True):
    """Who did what to which thing, when; append-only."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=200, index=True)
    action: str = Field(max_length=64, index=True)
    target: str = Field(max_length=200, index=True)
    detail: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    token_id: str | None = Field(default=None, max_length=64)


class ReleaseRow(SQLModel, table=True):
    """A release: a frozen snapshot; immutable once published (enforced by triggers)."""

    __tablename__ = "releases"
    __table_args__ = (
        sa.CheckConstraint(_in("state", ReleaseState), name="state"),
        sa.CheckConstraint(
            "state = 'draft' OR (approved_by IS NOT NULL AND approved_at IS NOT NULL)",
            name="approval_recorded",
        ),
        sa.CheckConstraint(
            "state <> 'published' OR published_at IS NOT NULL", name="publication_recorded"
        ),
    )

    version: str = Field(primary_key=True, max_length=16)
    sequence: int = Field(unique=True)
    state: str = Field(max_length=16)
    notes: str = Field(default="", sa_type=sa.Text)
    counts: dict[str, Any] = Field(sa_type=sa.JSON)
    previous_version: str | None = Field(
        default=None, max_length=16, foreign_key="releases.version"
    )
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReleaseMemberRow(SQLModel, table=True):
    """One record at one revision in one release; never updated or deleted."""

    __tablename__ = "release_members"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["record_id", "revision"],
            ["record_revisions.record_id", "record_revisions.revision"],
            name="fk_release_members_revision",
        ),
    )

    release_version: str = Field(primary_key=True, max_length=16, foreign_key="releases.version")
    record_id: str = Field(primary_key=True, max_length=200, index=True)
    revision: int


class CatalogueMetaRow(SQLModel, table=True):
    """Catalogue-wide values, such as the package manifest last imported."""

    __tablename__ = "catalogue_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = Field(sa_type=sa.JSON)
    updated_by: str = Field(max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


metadata = SQLModel.metadata


def full_metadata() -> sa.MetaData:
    """The metadata with every table of the store, whichever module of `feed.store` defines it.

    Table classes register when their module is imported; this imports them all, so migrations
    and the schema drift test see the whole schema, not only the modules imported so far.
    """
    import feed.store

    for module in pkgutil.iter_modules(feed.store.__path__):
        if module.name != "migrations":
            importlib.import_module(f"feed.store.{module.name}")
    return metadata

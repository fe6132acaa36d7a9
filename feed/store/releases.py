"""Releases in the store: frozen member lists and the draft -> approved -> published states.

Only storage lives here. The rules (versions increase, four eyes, diffs) are `feed.release`'s;
immutability of published releases is enforced by database triggers as well as checked here.
These functions write no audit entries: the release workflow records its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from feed.errors import ConflictError, ImmutableReleaseError, NotFoundError, StateError
from feed.model import AnyRecord, Counts
from feed.store.bulk import bulk_insert
from feed.store.common import (
    StoredContent,
    build_record,
    flush,
    members_table,
    records_table,
    revisions_table,
)
from feed.store.db import translate_errors
from feed.store.tables import RecordRow, ReleaseMemberRow, ReleaseRow, ReleaseState, RevisionRow

__all__ = [
    "StoredRelease",
    "get_release",
    "insert_release",
    "latest_release",
    "list_releases",
    "release_member_contents",
    "release_member_revisions",
    "release_members",
    "set_release_approved",
    "set_release_published",
]


@dataclass(frozen=True)
class StoredRelease:
    """A release row as the release workflow sees it."""

    version: str
    sequence: int
    state: ReleaseState
    notes: str
    counts: Counts
    previous_version: str | None
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_at: datetime | None


def _stored(row: ReleaseRow) -> StoredRelease:
    return StoredRelease(
        version=row.version,
        sequence=row.sequence,
        state=ReleaseState(row.state),
        notes=row.notes,
        counts=Counts.model_validate(row.counts),
        previous_version=row.previous_version,
        created_by=row.created_by,
        created_at=row.created_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        published_at=row.published_at,
    )


def _row(session: Session, version: str) -> ReleaseRow:
    row = session.get(ReleaseRow, version)
    if row is None:
        raise NotFoundError(f"no release {version!r} in the store")
    return row


def insert_release(
    session: Session,
    *,
    version: str,
    sequence: int,
    notes: str,
    created_by: str,
    created: datetime,
    counts: Counts,
    previous_version: str | None,
    members: Sequence[tuple[str, int]],
) -> StoredRelease:
    """Store a new draft release with its members (record id, revision)."""
    if session.get(ReleaseRow, version) is not None:
        raise ConflictError(f"release {version} exists already")
    taken = session.exec(select(ReleaseRow.version).where(ReleaseRow.sequence == sequence)).first()
    if taken is not None:
        raise ConflictError(f"sequence {sequence} belongs to release {taken} already")
    row = ReleaseRow(
        version=version,
        sequence=sequence,
        state=ReleaseState.DRAFT.value,
        notes=notes,
        counts=counts.model_dump(mode="json"),
        previous_version=previous_version,
        created_by=created_by,
        created_at=created,
    )
    session.add(row)
    flush(session)
    with translate_errors():
        bulk_insert(
            session,
            members_table,
            [
                {"release_version": version, "record_id": record_id, "revision": revision}
                for record_id, revision in members
            ],
        )
    return _stored(row)


def get_release(session: Session, version: str) -> StoredRelease:
    """One release by version."""
    return _stored(_row(session, version))


def latest_release(session: Session, *, published_only: bool = False) -> StoredRelease | None:
    """The release with the highest sequence (only published ones if asked), or None."""
    query = select(ReleaseRow)
    if published_only:
        query = query.where(ReleaseRow.state == ReleaseState.PUBLISHED.value)
    row = session.exec(query.order_by(col(ReleaseRow.sequence).desc()).limit(1)).first()
    return None if row is None else _stored(row)


def list_releases(session: Session) -> list[StoredRelease]:
    """Every release, oldest (lowest sequence) first."""
    query = select(ReleaseRow).order_by(col(ReleaseRow.sequence))
    return [_stored(row) for row in session.exec(query)]


def set_release_approved(
    session: Session, version: str, *, approver: str, at: datetime
) -> StoredRelease:
    """Mark a draft release approved by `approver` (who may approve is `feed.release`'s rule)."""
    row = _row(session, version)
    if row.state == ReleaseState.PUBLISHED:
        raise ImmutableReleaseError(f"release {version} is published and never changes")
    if row.state != ReleaseState.DRAFT:
        raise StateError(f"release {version} is {row.state}; only a draft can be approved")
    row.state = ReleaseState.APPROVED.value
    row.approved_by = approver
    row.approved_at = at
    session.add(row)
    flush(session)
    return _stored(row)


def set_release_published(session: Session, version: str, *, at: datetime) -> StoredRelease:
    """Mark an approved release published; from then on the database refuses any change."""
    row = _row(session, version)
    if row.state == ReleaseState.PUBLISHED:
        raise ImmutableReleaseError(f"release {version} is published already")
    if row.state != ReleaseState.APPROVED:
        raise StateError(f"release {version} is {row.state}; approve it before publishing")
    row.state = ReleaseState.PUBLISHED.value
    row.published_at = at
    session.add(row)
    flush(session)
    return _stored(row)


def release_member_revisions(session: Session, version: str) -> dict[str, int]:
    """The members of a release as record id -> frozen revision (cheap: no bodies)."""
    _row(session, version)
    query = select(ReleaseMemberRow.record_id, ReleaseMemberRow.revision).where(
        ReleaseMemberRow.release_version == version
    )
    return dict(session.exec(query).all())


def release_member_contents(session: Session, version: str) -> list[StoredContent]:
    """The members of a release at their frozen revisions, as stored, sorted by id.

    What publication renders from (see `feed.render.sources`): 100k records read this way
    cost a JSON parse each instead of a model each.
    """
    _row(session, version)
    r, v, m = records_table.c, revisions_table.c, members_table.c
    query = (
        sa.select(r.id, v.revision, r.created, v.created, v.body)
        .select_from(
            members_table.join(
                revisions_table, (v.record_id == m.record_id) & (v.revision == m.revision)
            ).join(records_table, r.id == v.record_id)
        )
        .where(m.release_version == version)
    )
    rows = [StoredContent(*row) for row in session.connection().execute(query)]
    rows.sort(key=lambda member: member.id)  # code point order, whatever the SQL collation
    return rows


def release_members(session: Session, version: str) -> list[AnyRecord]:
    """The records of a release at their frozen revisions, sorted by id."""
    _row(session, version)
    query = (
        select(RecordRow.created, RevisionRow.revision, RevisionRow.created, RevisionRow.body)
        .join(RevisionRow, col(RevisionRow.record_id) == col(RecordRow.id))
        .join(
            ReleaseMemberRow,
            (col(ReleaseMemberRow.record_id) == col(RevisionRow.record_id))
            & (col(ReleaseMemberRow.revision) == col(RevisionRow.revision)),
        )
        .where(ReleaseMemberRow.release_version == version)
        .order_by(col(RecordRow.id))
    )
    return [
        build_record(body, revision=revision, created=created, modified=modified)
        for created, revision, modified, body in session.exec(query)
    ]

"""Records in the store: revisions, history, the editorial workflow and editorial notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from feed.errors import ConflictError, FourEyesError, NotFoundError, StateError
from feed.model import AnyRecord, content_of
from feed.store.audit import record_audit
from feed.store.common import (
    build_record,
    content_hash,
    flush,
    records_table,
    revisions_table,
    utcnow,
)
from feed.store.notes import append_note
from feed.store.tables import EditorialState, NoteKind, RecordRow, RevisionRow

__all__ = [
    "ApprovedLinks",
    "RecordSummary",
    "RevisionInfo",
    "approve_record",
    "approved_links",
    "approved_records",
    "current_records",
    "get_record",
    "get_summary",
    "history",
    "list_records",
    "record_ids",
    "reject_record",
    "retire_record",
    "retired_ids",
    "save_revision",
    "submit_for_review",
]


@dataclass(frozen=True)
class RecordSummary:
    """A record's row without its content: for lists and workflow decisions."""

    id: str
    type: str
    name: str
    state: EditorialState
    revision: int
    approved_revision: int | None
    approved_by: str | None
    created: datetime
    modified: datetime


@dataclass(frozen=True)
class RevisionInfo:
    """One entry of a record's history."""

    record_id: str
    revision: int
    author: str
    created: datetime
    comment: str
    content_hash: str


def _summary(row: RecordRow) -> RecordSummary:
    return RecordSummary(
        id=row.id,
        type=row.type,
        name=row.name,
        state=EditorialState(row.state),
        revision=row.revision,
        approved_revision=row.approved_revision,
        approved_by=row.approved_by,
        created=row.created,
        modified=row.modified,
    )


def _row(session: Session, record_id: str) -> RecordRow:
    row = session.get(RecordRow, record_id)
    if row is None:
        raise NotFoundError(f"no record {record_id!r} in the store")
    return row


def save_revision(
    session: Session,
    record: AnyRecord,
    *,
    author: str,
    comment: str = "",
    state: EditorialState = EditorialState.DRAFT,
    expected_revision: int | None = None,
    at: datetime | None = None,
) -> int:
    """Store `record`'s content as a new revision and return its number.

    Unchanged content makes no new revision and returns the current number. A new revision
    puts the record in `state` (draft or in_review; approval needs a second person, see
    `approve_record`). `expected_revision` guards against overwriting someone else's change.
    Retired records take no new content.
    """
    if state not in (EditorialState.DRAFT, EditorialState.IN_REVIEW):
        raise StateError(f"a new revision is saved as draft or in_review, not {state.value}")
    at = at or utcnow()
    body = content_of(record)
    digest = content_hash(body)
    row = session.get(RecordRow, record.id)
    if row is None:
        if expected_revision not in (None, 0):
            raise ConflictError(
                f"{record.id} does not exist (expected revision {expected_revision})"
            )
        row = RecordRow(
            id=record.id,
            type=record.type,
            uuid=str(record.uuid),
            name=record.name,
            revision=1,
            state=state.value,
            created=at,
            modified=at,
        )
        session.add(row)
        flush(session)
        action = "record.create"
    else:
        if expected_revision is not None and expected_revision != row.revision:
            raise ConflictError(
                f"{record.id} is at revision {row.revision}, not {expected_revision}: "
                "someone changed it meanwhile"
            )
        current = session.get(RevisionRow, (record.id, row.revision))
        if current is not None and current.content_hash == digest:
            return row.revision
        if row.state == EditorialState.RETIRED:
            raise StateError(f"{record.id} is retired and takes no new content")
        row.revision += 1
        row.state = state.value
        row.name = record.name
        row.modified = at
        session.add(row)
        action = "record.revise"
    session.add(
        RevisionRow(
            record_id=record.id,
            revision=row.revision,
            body=body,
            content_hash=digest,
            author=author,
            created=at,
            comment=comment,
        )
    )
    flush(session)
    record_audit(
        session,
        actor=author,
        action=action,
        target=record.id,
        detail={"revision": row.revision, "comment": comment},
        at=at,
    )
    return row.revision


def get_record(session: Session, record_id: str, revision: int | None = None) -> AnyRecord:
    """A record at its current revision (or `revision`), lifecycle fields filled from the rows."""
    row = _row(session, record_id)
    number = row.revision if revision is None else revision
    stored = session.get(RevisionRow, (record_id, number))
    if stored is None:
        raise NotFoundError(f"{record_id} has no revision {number} (latest is {row.revision})")
    return build_record(stored.body, revision=number, created=row.created, modified=stored.created)


def get_summary(session: Session, record_id: str) -> RecordSummary:
    """A record's identity, state and revision numbers."""
    return _summary(_row(session, record_id))


def list_records(
    session: Session,
    *,
    type: str | None = None,
    state: EditorialState | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[RecordSummary]:
    """Records sorted by id, optionally of one type and/or in one editorial state."""
    query = select(RecordRow)
    if type is not None:
        query = query.where(RecordRow.type == type)
    if state is not None:
        query = query.where(RecordRow.state == state.value)
    query = query.order_by(col(RecordRow.id)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_summary(row) for row in session.exec(query)]


def history(session: Session, record_id: str) -> list[RevisionInfo]:
    """Every revision of a record, oldest first."""
    _row(session, record_id)
    query = (
        select(RevisionRow)
        .where(RevisionRow.record_id == record_id)
        .order_by(col(RevisionRow.revision))
    )
    return [
        RevisionInfo(
            record_id=rev.record_id,
            revision=rev.revision,
            author=rev.author,
            created=rev.created,
            comment=rev.comment,
            content_hash=rev.content_hash,
        )
        for rev in session.exec(query)
    ]


def submit_for_review(session: Session, record_id: str, *, actor: str) -> None:
    """Ask a second editor to review the current revision (draft -> in_review)."""
    row = _row(session, record_id)
    if row.state != EditorialState.DRAFT:
        raise StateError(f"{record_id} is {row.state}; only a draft can be submitted for review")
    _set_state(session, row, EditorialState.IN_REVIEW, actor=actor, action="record.submit")


def approve_record(
    session: Session, record_id: str, *, approver: str, comment: str | None = None
) -> int:
    """Approve the current revision (in_review -> approved); returns the approved revision.

    Four eyes: the approver must not be the author of that revision.
    """
    row = _row(session, record_id)
    if row.state != EditorialState.IN_REVIEW:
        raise StateError(
            f"{record_id} is {row.state}; submit it for review before approving it"
            if row.state == EditorialState.DRAFT
            else f"{record_id} is {row.state}; only a record in review can be approved"
        )
    current = session.get(RevisionRow, (record_id, row.revision))
    if current is not None and current.author == approver:
        raise FourEyesError(
            f"{approver} wrote revision {row.revision} of {record_id}; "
            "another editor must approve it"
        )
    at = utcnow()
    row.approved_revision = row.revision
    row.approved_by = approver
    row.approved_at = at
    if comment:
        append_note(
            session, row, author=approver, text=comment, kind=NoteKind.REVIEW_COMMENT, at=at
        )
    _set_state(session, row, EditorialState.APPROVED, actor=approver, action="record.approve")
    return row.revision


def reject_record(session: Session, record_id: str, *, reviewer: str, comment: str) -> None:
    """Send a record in review back to draft, with the reviewer's comment."""
    row = _row(session, record_id)
    if row.state != EditorialState.IN_REVIEW:
        raise StateError(f"{record_id} is {row.state}; only a record in review can be rejected")
    append_note(session, row, author=reviewer, text=comment, kind=NoteKind.REVIEW_COMMENT)
    _set_state(session, row, EditorialState.DRAFT, actor=reviewer, action="record.reject")


def retire_record(session: Session, record_id: str, *, actor: str, comment: str = "") -> None:
    """Retire a record: it leaves the next release but stays in the store as a tombstone."""
    row = _row(session, record_id)
    if row.state == EditorialState.RETIRED:
        raise StateError(f"{record_id} is already retired")
    _set_state(
        session, row, EditorialState.RETIRED, actor=actor, action="record.retire", comment=comment
    )


def _set_state(
    session: Session,
    row: RecordRow,
    state: EditorialState,
    *,
    actor: str,
    action: str,
    comment: str = "",
) -> None:
    previous = row.state
    row.state = state.value
    session.add(row)
    flush(session)
    detail: dict[str, object] = {"from": previous, "to": state.value, "revision": row.revision}
    if comment:
        detail["comment"] = comment
    record_audit(session, actor=actor, action=action, target=row.id, detail=detail)


def _records_at(session: Session, revision: Any, *, include_retired: bool) -> list[AnyRecord]:
    query = (
        select(RecordRow.created, RevisionRow.revision, RevisionRow.created, RevisionRow.body)
        .join(
            RevisionRow,
            (col(RevisionRow.record_id) == col(RecordRow.id))
            & (col(RevisionRow.revision) == revision),
        )
        .order_by(col(RecordRow.id))
    )
    if not include_retired:
        query = query.where(RecordRow.state != EditorialState.RETIRED.value)
    return [
        build_record(body, revision=number, created=created, modified=modified)
        for created, number, modified, body in session.exec(query)
    ]


def approved_records(session: Session) -> list[AnyRecord]:
    """The latest approved revision of every record that is not retired, sorted by id."""
    return _records_at(session, col(RecordRow.approved_revision), include_retired=False)


@dataclass(frozen=True, slots=True)
class ApprovedLinks:
    """A record's approved revision and what its content points at (no model, no body)."""

    id: str
    revision: int
    relations: list[dict[str, Any]]  # as stored: {"type": ..., "target": ...}
    affiliates: list[str]


def approved_links(session: Session) -> list[ApprovedLinks]:
    """What a new release freezes, cheaply: each record that is not retired, at its approved
    revision, with its relations and affiliates read out of the stored body by the database
    (no body crosses over whole, no model is built). Sorted by id."""
    r, v = records_table.c, revisions_table.c
    query = (
        sa.select(r.id, v.revision, v.body["relations"], v.body["affiliates"])
        .select_from(
            records_table.join(
                revisions_table, (v.record_id == r.id) & (v.revision == r.approved_revision)
            )
        )
        .where(r.state != EditorialState.RETIRED.value)
    )
    rows = [
        ApprovedLinks(rid, revision, relations or [], affiliates or [])
        for rid, revision, relations, affiliates in session.connection().execute(query)
    ]
    rows.sort(key=lambda row: row.id)  # code point order, whatever the SQL collation
    return rows


def current_records(session: Session, *, include_retired: bool = False) -> list[AnyRecord]:
    """Every record at its current (latest) revision, whatever its state, sorted by id."""
    return _records_at(session, col(RecordRow.revision), include_retired=include_retired)


def retired_ids(session: Session) -> set[str]:
    """Ids of retired records (their tombstones stay in the store)."""
    query = select(RecordRow.id).where(RecordRow.state == EditorialState.RETIRED.value)
    return set(session.exec(query))


def record_ids(session: Session) -> set[str]:
    """Every id in the store, retired ones included (ids are never reused)."""
    return set(session.exec(select(RecordRow.id)))

"""Feedback in the store: cycles, submissions, idempotency keys, rate counters, triage history.

Functions take the caller's session and never commit. Queries for listing and aggregates are
in `feed.store.feedback_queries`; the rules (what may be submitted, triage transitions) are
`feed.feedback`'s.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

# The account tables must be in the metadata for the foreign keys below to resolve.
import feed.store.accounts  # noqa: F401
from feed.errors import ConflictError, NotFoundError
from feed.store.common import flush
from feed.store.tables import UTCDateTime

__all__ = [
    "CycleRow",
    "CycleState",
    "FeedbackStatus",
    "IdempotencyRow",
    "RateRow",
    "SubmissionRow",
    "TriageRow",
    "add_cycle",
    "add_triage",
    "cycle_open_at",
    "get_cycle",
    "get_submission",
    "list_cycles",
    "next_cycle_after",
    "triage_history",
]


class CycleState(StrEnum):
    """Where a feedback cycle stands; submissions join the one open cycle inside its window."""

    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class FeedbackStatus(StrEnum):
    """What the editors made of a submission; the submitter follows it."""

    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    DECLINED = "declined"


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in enum)})"


_ONE_OPEN = sa.text("state = 'open'")


class CycleRow(SQLModel, table=True):
    """A feedback cycle, e.g. `2022`: a window for submissions and the release it feeds."""

    __tablename__ = "feedback_cycles"
    __table_args__ = (
        sa.CheckConstraint(_in("state", CycleState), name="state"),
        sa.CheckConstraint("window_end > window_start", name="window"),
        # At most one open cycle, held by the database whatever the number of workers.
        sa.Index(
            "uq_feedback_cycles_open",
            "state",
            unique=True,
            sqlite_where=_ONE_OPEN,
            postgresql_where=_ONE_OPEN,
        ),
    )

    name: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    release_target: str = Field(max_length=200)
    state: str = Field(max_length=16)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SubmissionRow(SQLModel, table=True):
    """One submission: who sent it, what it says (as sent), and where triage has taken it."""

    __tablename__ = "feedback_submissions"
    __table_args__ = (
        sa.CheckConstraint(_in("status", FeedbackStatus), name="status"),
        sa.Index("ix_feedback_submissions_org_created", "organisation_id", "created", "id"),
        sa.Index("ix_feedback_submissions_cycle_record", "cycle", "record_id"),
    )

    id: str = Field(primary_key=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisations.id")
    token_id: str = Field(max_length=16, foreign_key="tokens.id")
    cycle: str = Field(max_length=64, foreign_key="feedback_cycles.name")
    kind: str = Field(max_length=32, index=True)
    release: str = Field(max_length=16)
    record_id: str | None = Field(default=None, max_length=200, index=True)
    sighting_count: int | None = Field(default=None, sa_type=sa.BigInteger)
    body: dict[str, Any] = Field(sa_type=sa.JSON)
    status: str = Field(max_length=16, index=True)
    status_reason: str | None = Field(default=None, sa_type=sa.Text)
    addressed_in: str | None = Field(default=None, max_length=16)
    change_record_id: str | None = Field(default=None, max_length=200)
    change_revision: int | None = Field(default=None)
    retracted_by: str | None = Field(default=None, max_length=32)
    created: datetime = Field(sa_type=UTCDateTime, index=True)
    updated: datetime = Field(sa_type=UTCDateTime)


class IdempotencyRow(SQLModel, table=True):
    """An Idempotency-Key an organisation used: the request it came with and the answer given.

    The primary key makes a key usable once per organisation, in every worker and after
    restarts; the row is written in the same transaction as the submission it answers.
    """

    __tablename__ = "feedback_idempotency"

    organisation_id: int = Field(primary_key=True, foreign_key="organisations.id")
    key: str = Field(primary_key=True, max_length=200)
    request_sha256: str = Field(max_length=64)
    submission_id: str | None = Field(
        default=None, max_length=32, foreign_key="feedback_submissions.id"
    )
    response: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created: datetime = Field(sa_type=UTCDateTime)


class RateRow(SQLModel, table=True):
    """Submissions an organisation made in one clock minute, shared by all workers."""

    __tablename__ = "feedback_rate"

    organisation_id: int = Field(primary_key=True, foreign_key="organisations.id")
    minute: int = Field(primary_key=True, sa_type=sa.BigInteger)
    count: int


class TriageRow(SQLModel, table=True):
    """One status change of a submission; the history is append-only."""

    __tablename__ = "feedback_triage"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: str = Field(max_length=32, foreign_key="feedback_submissions.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    token_id: str | None = Field(default=None, max_length=16)
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    note: str | None = Field(default=None, sa_type=sa.Text)
    addressed_in: str | None = Field(default=None, max_length=16)
    change_record_id: str | None = Field(default=None, max_length=200)
    change_revision: int | None = Field(default=None)


# -- cycles -------------------------------------------------------------------------------------


def add_cycle(session: Session, row: CycleRow) -> CycleRow:
    """Store a new cycle; ConflictError when the name is taken."""
    if session.get(CycleRow, row.name) is not None:
        raise ConflictError(f"cycle {row.name} exists already")
    session.add(row)
    flush(session)
    return row


def get_cycle(session: Session, name: str) -> CycleRow:
    """One cycle by name."""
    row = session.get(CycleRow, name)
    if row is None:
        raise NotFoundError(f"no feedback cycle {name!r}")
    return row


def list_cycles(session: Session) -> list[CycleRow]:
    """Every cycle, by window start."""
    query = select(CycleRow).order_by(col(CycleRow.window_start), col(CycleRow.name))
    return list(session.exec(query))


def cycle_open_at(session: Session, now: datetime) -> CycleRow | None:
    """The open cycle whose window holds `now`, if any."""
    query = select(CycleRow).where(
        CycleRow.state == CycleState.OPEN.value,
        col(CycleRow.window_start) <= now,
        col(CycleRow.window_end) > now,
    )
    return session.exec(query).first()


def next_cycle_after(session: Session, now: datetime) -> CycleRow | None:
    """The next cycle whose window has not ended and that is not closed, soonest first."""
    query = (
        select(CycleRow)
        .where(CycleRow.state != CycleState.CLOSED.value, col(CycleRow.window_end) > now)
        .order_by(col(CycleRow.window_start))
        .limit(1)
    )
    return session.exec(query).first()


# -- submissions and triage ---------------------------------------------------------------------


def get_submission(session: Session, submission_id: str) -> SubmissionRow:
    """One submission by id."""
    row = session.get(SubmissionRow, submission_id)
    if row is None:
        raise NotFoundError(f"no feedback {submission_id!r}")
    return row


def add_triage(session: Session, row: TriageRow) -> TriageRow:
    """Append a status change to a submission's history."""
    session.add(row)
    flush(session)
    return row


def triage_history(session: Session, submission_id: str) -> list[TriageRow]:
    """A submission's status changes, oldest first."""
    query = (
        select(TriageRow)
        .where(TriageRow.submission_id == submission_id)
        .order_by(col(TriageRow.id))
    )
    return list(session.exec(query))

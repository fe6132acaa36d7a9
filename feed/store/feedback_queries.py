"""Feedback queries: filtered pages of submissions, counts for aggregates, release membership."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from feed.store.accounts import OrganisationRow
from feed.store.feedback import SubmissionRow
from feed.store.tables import ReleaseMemberRow, ReleaseRow, ReleaseState, RevisionRow

__all__ = [
    "FeedbackFilter",
    "KindCount",
    "SubmissionFact",
    "count_organisations",
    "count_rows",
    "iter_submissions",
    "organisation_names",
    "organisations_per_record",
    "record_in_release",
    "release_state",
    "revision_exists",
    "submission_facts",
    "submissions_page",
]


@dataclass(frozen=True)
class FeedbackFilter:
    """Which submissions to list; None means any."""

    organisation_id: int | None = None
    cycle: str | None = None
    kind: str | None = None
    status: str | None = None
    record_id: str | None = None
    release: str | None = None
    retracted: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(query: Any, where: FeedbackFilter) -> Any:
    s = SubmissionRow
    for column, value in (
        (s.organisation_id, where.organisation_id),
        (s.cycle, where.cycle),
        (s.kind, where.kind),
        (s.status, where.status),
        (s.record_id, where.record_id),
        (s.release, where.release),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.retracted is not None:
        retracted = col(s.retracted_by)
        query = query.where(retracted.is_not(None) if where.retracted else retracted.is_(None))
    if where.since is not None:
        query = query.where(col(s.created) >= where.since)
    if where.until is not None:
        query = query.where(col(s.created) < where.until)
    return query


def submissions_page(
    session: Session,
    where: FeedbackFilter,
    *,
    limit: int,
    before: tuple[datetime, str] | None = None,
) -> list[SubmissionRow]:
    """Up to `limit` submissions, newest first, older than the `before` (created, id) mark."""
    s = SubmissionRow
    query = _where(select(s), where)
    if before is not None:
        created, ident = before
        query = query.where(
            sa.or_(
                col(s.created) < created,
                sa.and_(col(s.created) == created, col(s.id) < ident),
            )
        )
    query = query.order_by(col(s.created).desc(), col(s.id).desc()).limit(limit)
    return list(session.exec(query))


def iter_submissions(
    session: Session, where: FeedbackFilter, *, batch: int = 500
) -> Iterator[SubmissionRow]:
    """Every matching submission, newest first, read in batches (for exports)."""
    before: tuple[datetime, str] | None = None
    while True:
        rows = submissions_page(session, where, limit=batch, before=before)
        yield from rows
        if len(rows) < batch:
            return
        before = (rows[-1].created, rows[-1].id)


@dataclass(frozen=True)
class KindCount:
    """How many submissions of one kind a record got, and the sightings they reported."""

    record_id: str | None
    kind: str
    reason: str | None
    submissions: int
    sightings: int


def count_rows(session: Session, where: FeedbackFilter) -> list[KindCount]:
    """Submissions grouped by record, kind and false-positive reason (retractions left out)."""
    s = SubmissionRow
    reason = sa.case(
        (col(s.kind) == "false-positive", _json_text(session, "reason")), else_=sa.null()
    )
    columns = (col(s.record_id), col(s.kind), reason)
    query = _where(sa.select(*columns, func.count(), func.sum(col(s.sighting_count))), where).where(
        col(s.kind) != "retraction"
    )
    query = query.group_by(*columns)
    return [
        KindCount(record_id, kind, why, int(n), int(seen or 0))
        for record_id, kind, why, n, seen in session.connection().execute(query)
    ]


def _json_text(session: Session, key: str) -> Any:
    """The text of a top-level key of the submission body, on either database."""
    body = SubmissionRow.__table__.c.body  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(body, sa.dialects.postgresql.JSONB)[key].astext
    return func.json_extract(body, f"$.{key}")


def organisations_per_record(session: Session, where: FeedbackFilter) -> dict[str | None, int]:
    """How many different organisations sent feedback on each record (None: no record)."""
    s = SubmissionRow
    organisations = func.count(sa.distinct(col(s.organisation_id)))
    query = _where(sa.select(col(s.record_id), organisations), where).where(
        col(s.kind) != "retraction"
    )
    query = query.group_by(col(s.record_id))
    return {record_id: int(n) for record_id, n in session.connection().execute(query)}


def count_organisations(session: Session, where: FeedbackFilter) -> int:
    """How many different organisations sent matching feedback."""
    s = SubmissionRow
    query = _where(sa.select(func.count(sa.distinct(col(s.organisation_id)))), where).where(
        col(s.kind) != "retraction"
    )
    return int(session.connection().execute(query).scalar_one())


def organisation_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Names of organisations by id."""
    if not ids:
        return {}
    query = select(OrganisationRow.id, OrganisationRow.name).where(
        col(OrganisationRow.id).in_(sorted(ids))
    )
    return {int(i): name for i, name in session.exec(query) if i is not None}


def release_state(session: Session, version: str) -> ReleaseState | None:
    """The state of release `version`, or None when there is no such release."""
    row = session.get(ReleaseRow, version)
    return None if row is None else ReleaseState(row.state)


def record_in_release(session: Session, version: str, record_id: str) -> bool:
    """Whether the release holds the record (one primary-key lookup)."""
    return session.get(ReleaseMemberRow, (version, record_id)) is not None


def revision_exists(session: Session, record_id: str, revision: int) -> bool:
    """Whether the store holds that revision of that record."""
    return session.get(RevisionRow, (record_id, revision)) is not None


@dataclass(frozen=True)
class SubmissionFact:
    """When a submission came, of what kind, from whom, and where it stands (no body)."""

    created: datetime
    kind: str
    status: str
    organisation_id: int


def submission_facts(session: Session, where: FeedbackFilter) -> list[SubmissionFact]:
    """The facts of every matching submission except retractions, oldest first (for charts)."""
    s = SubmissionRow
    columns = (col(s.created), col(s.kind), col(s.status), col(s.organisation_id))
    query = _where(sa.select(*columns), where).where(col(s.kind) != "retraction")
    query = query.order_by(col(s.created), col(s.id))
    return [
        SubmissionFact(created, kind, status, int(org))
        for created, kind, status, org in session.connection().execute(query)
    ]

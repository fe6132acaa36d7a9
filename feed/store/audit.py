"""The audit log: who did what to which thing, when (append-only, enforced by the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from feed.store.common import flush, utcnow
from feed.store.tables import AuditRow

__all__ = ["AuditEntry", "list_audit", "record_audit"]


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any] | None
    token_id: str | None


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
    token_id: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append an audit entry (in the caller's transaction); returns its id."""
    row = AuditRow(
        at=at or utcnow(),
        actor=actor,
        action=action,
        target=target,
        detail=detail,
        token_id=token_id,
    )
    session.add(row)
    flush(session)
    assert row.id is not None  # assigned by the flush
    return row.id


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit entries, newest first, optionally filtered."""
    query = select(AuditRow)
    if actor is not None:
        query = query.where(AuditRow.actor == actor)
    if action is not None:
        query = query.where(AuditRow.action == action)
    if target is not None:
        query = query.where(AuditRow.target == target)
    if since is not None:
        query = query.where(col(AuditRow.at) >= since)
    query = query.order_by(col(AuditRow.id).desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditEntry(
            id=row.id or 0,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            detail=row.detail,
            token_id=row.token_id,
        )
        for row in session.exec(query)
    ]

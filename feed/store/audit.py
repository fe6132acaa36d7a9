"""The audit log: who did what to which thing, when (append-only, enforced by the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from feed.store.common import audit_table, flush, utcnow
from feed.store.db import translate_errors
from feed.store.tables import AuditRow

__all__ = ["AuditEntry", "list_audit", "record_audit", "stamp_token"]

_STAMP = "kpfeed.audit_token_id"


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
    """Append an audit entry (in the caller's transaction); returns its id.

    Changes pending in the session are flushed first, so entries follow the changes they
    describe; the entry itself is one prebuilt INSERT (writes are audited, so it is hot).
    Without a `token_id`, the entry names the token the session was stamped with, if any.
    """
    flush(session)
    if token_id is None:
        token_id = session.info.get(_STAMP)
    values = {
        "at": at or utcnow(),
        "actor": actor,
        "action": action,
        "target": target,
        "detail": detail,
        "token_id": token_id,
    }
    with translate_errors():
        entry_id: int = session.connection().execute(_APPEND, values).scalar_one()
    return entry_id


_b = sa.bindparam
_APPEND = (
    audit_table.insert()
    .values(
        at=_b("at"),
        actor=_b("actor"),
        action=_b("action"),
        target=_b("target"),
        detail=_b("detail"),
        token_id=_b("token_id"),
    )
    .returning(audit_table.c.id)
)


def stamp_token(session: Session, token_id: str) -> None:
    """Make the audit entries `session` writes from now on name `token_id` unless they name
    a token themselves (the API knows the token of a request; the store's workflows do not)."""
    session.info[_STAMP] = token_id


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

"""Feedback cycles: created as planned, opened and closed by editors; at most one open."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from feed.errors import InputError, StateError
from feed.feedback.views import iso
from feed.store.audit import record_audit
from feed.store.common import flush, utcnow
from feed.store.feedback import CycleRow, CycleState, add_cycle, get_cycle, list_cycles

__all__ = ["CYCLE_NAME", "close_cycle", "create_cycle", "cycle_view", "open_cycle"]

CYCLE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_NAME = re.compile(CYCLE_NAME)


def cycle_view(row: CycleRow) -> dict[str, object]:
    """A cycle as plain JSON-ready data."""
    return {
        "name": row.name,
        "window_start": iso(row.window_start),
        "window_end": iso(row.window_end),
        "release_target": row.release_target,
        "state": row.state,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "opened_at": iso(row.opened_at),
        "closed_at": iso(row.closed_at),
    }


def create_cycle(
    session: Session,
    name: str,
    *,
    window_start: datetime,
    window_end: datetime,
    release_target: str,
    actor: str,
    token_id: str | None = None,
    now: datetime | None = None,
) -> CycleRow:
    """A new planned cycle, e.g. `2022` with a January-March window and an autumn release."""
    if not _NAME.match(name):
        raise InputError(
            f"cycle name {name!r}: 1 to 64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (e.g. 2022)"
        )
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise InputError("the window start and end must carry a time zone")
    if window_end <= window_start:
        raise InputError(f"the window of cycle {name} ends before it starts")
    now = now or utcnow()
    row = add_cycle(
        session,
        CycleRow(
            name=name,
            window_start=window_start,
            window_end=window_end,
            release_target=release_target,
            state=CycleState.PLANNED.value,
            created_by=actor,
            created_at=now,
        ),
    )
    record_audit(
        session,
        actor=actor,
        action="cycle.create",
        target=f"cycle:{name}",
        detail={
            "window_start": iso(window_start),
            "window_end": iso(window_end),
            "release_target": release_target,
        },
        token_id=token_id,
        at=now,
    )
    return row


def open_cycle(
    session: Session,
    name: str,
    *,
    actor: str,
    token_id: str | None = None,
    now: datetime | None = None,
) -> CycleRow:
    """Open a cycle: from its window start, submissions join it. Only one cycle is open."""
    now = now or utcnow()
    row = get_cycle(session, name)
    if row.state == CycleState.OPEN:
        raise StateError(f"cycle {name} is open already")
    if row.window_end <= now:
        raise StateError(f"the window of cycle {name} ended {iso(row.window_end)}")
    for other in list_cycles(session):
        if other.state == CycleState.OPEN:
            raise StateError(f"cycle {other.name} is open; close it before opening {name}")
    previous = row.state
    row.state = CycleState.OPEN.value
    row.opened_at = now
    row.closed_at = None
    session.add(row)
    flush(session)  # the partial unique index refuses a second open cycle (ConflictError)
    record_audit(
        session,
        actor=actor,
        action="cycle.open",
        target=f"cycle:{name}",
        detail={"from": previous},
        token_id=token_id,
        at=now,
    )
    return row


def close_cycle(
    session: Session,
    name: str,
    *,
    actor: str,
    token_id: str | None = None,
    now: datetime | None = None,
) -> CycleRow:
    """Close an open cycle: no more submissions join it (it may be reopened in its window)."""
    now = now or utcnow()
    row = get_cycle(session, name)
    if row.state != CycleState.OPEN:
        raise StateError(f"cycle {name} is {row.state}; only an open cycle can be closed")
    row.state = CycleState.CLOSED.value
    row.closed_at = now
    session.add(row)
    flush(session)
    record_audit(
        session,
        actor=actor,
        action="cycle.close",
        target=f"cycle:{name}",
        token_id=token_id,
        at=now,
    )
    return row

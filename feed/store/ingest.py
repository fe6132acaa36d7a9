"""The statements a feedback submission runs: built once per dialect, run with bound values.

Taking a submission in is the API's busiest write, so it skips the ORM: each statement here is
SQLAlchemy Core, built once and kept, so a request pays for binding values and running SQL,
not for building and compiling statements or for the session's unit of work. On SQLite, where
a statement costs a few microseconds and SQLAlchemy's execution path some tens, the SQL
SQLAlchemy compiled (with its own type conversions of the values) goes to the driver directly,
on the session's connection, inside the session's transaction. Like every store function these
take the caller's session and never commit.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from feed.errors import ConflictError
from feed.store.common import audit_table
from feed.store.db import translate_errors
from feed.store.feedback import CycleRow, CycleState, IdempotencyRow, RateRow, SubmissionRow

__all__ = [
    "NewSubmission",
    "Stored",
    "StoredKey",
    "claim_key",
    "count_request",
    "delete_submission",
    "insert_submission",
    "open_cycle_name",
    "store_submission",
]

_KEYS: sa.Table = IdempotencyRow.__table__  # type: ignore[attr-defined]
_RATES: sa.Table = RateRow.__table__  # type: ignore[attr-defined]
_SUBMISSIONS: sa.Table = SubmissionRow.__table__  # type: ignore[attr-defined]
_CYCLES: sa.Table = CycleRow.__table__  # type: ignore[attr-defined]

_b = sa.bindparam


@dataclass(frozen=True)
class _Statements:
    claim: Any
    claim_answered: Any
    earlier: Any
    count: Any
    drop_older: Any
    insert_submission: Any
    delete_submission: Any
    open_cycle: Any
    audit: Any
    #: PostgreSQL: submission, key, rate counter and audit entry in one statement (with a key,
    #: without one); None on SQLite, which has no INSERT in WITH.
    store_keyed: Any = None
    store_unkeyed: Any = None


@cache
def _statements(dialect: str) -> _Statements:
    # ON CONFLICT is dialect syntax: SQLite's and PostgreSQL's inserts both offer it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    keys, rates, cycles = _KEYS.c, _RATES.c, _CYCLES.c
    one_key = sa.and_(keys.organisation_id == _b("b_org"), keys.key == _b("b_key"))
    count = (
        insert(_RATES)
        .values(organisation_id=_b("b_org"), minute=_b("b_minute"), count=1)
        .on_conflict_do_update(
            index_elements=["organisation_id", "minute"], set_={"count": rates.count + 1}
        )
        .returning(rates.count)
    )
    key_row: dict[str, Any] = {
        "organisation_id": _b("b_org"),
        "key": _b("b_key"),
        "request_sha256": _b("b_sha"),
        "created": _b("b_at"),
    }
    answer: dict[str, Any] = {"submission_id": _b("b_submission"), "response": _b("b_response")}

    def claim(values: dict[str, Any]) -> Any:
        return (
            insert(_KEYS)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["organisation_id", "key"])
            .returning(keys.key)
        )

    return _Statements(
        claim=claim(key_row),
        claim_answered=claim(key_row | answer),
        earlier=sa.select(keys.request_sha256, keys.submission_id, keys.response).where(one_key),
        count=count,
        drop_older=_RATES.delete().where(
            rates.organisation_id == _b("b_org"), rates.minute < _b("b_minute")
        ),
        insert_submission=_SUBMISSIONS.insert(),
        delete_submission=_SUBMISSIONS.delete().where(_SUBMISSIONS.c.id == _b("b_id")),
        open_cycle=sa.select(cycles.name).where(
            cycles.state == CycleState.OPEN.value,
            cycles.window_start <= _b("b_now"),
            cycles.window_end > _b("b_now"),
        ),
        audit=audit_table.insert().values({name: _b(f"a_{name}") for name in _AUDIT_COLUMNS}),
        store_keyed=_store_in_one(keyed=True) if dialect == "postgresql" else None,
        store_unkeyed=_store_in_one(keyed=False) if dialect == "postgresql" else None,
    )


def _typed(name: str, column: sa.Column[Any]) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=column.type)


_AUDIT_COLUMNS = ("at", "actor", "action", "target", "detail", "token_id")
_KEY_COLUMNS = ("organisation_id", "key", "request_sha256", "submission_id", "response", "created")


def _store_in_one(*, keyed: bool) -> sa.Select[Any]:
    """PostgreSQL's one statement for a submission (data-modifying CTEs, one round trip).

    The submission row goes in; with a key, the key row naming it follows (ON CONFLICT DO
    NOTHING), and the rate counter and audit entry are written only if the key was claimed.
    The foreign key from the key row is checked at the end of the statement, when the
    submission row is there. Answers: the key claimed (NULL if used before), the new count.
    """
    insert = postgresql.insert
    submissions, keys, rates, audit = _SUBMISSIONS.c, _KEYS.c, _RATES.c, audit_table.c
    new = (
        _SUBMISSIONS.insert()
        .values({c.name: _typed(f"s_{c.name}", c) for c in _SUBMISSIONS.columns})
        .returning(submissions.id)
        .cte("new_submission")
    )
    answers: list[Any] = []
    if keyed:
        key_row = sa.select(
            _typed("b_org", keys.organisation_id),
            _typed("b_key", keys.key),
            _typed("b_sha", keys.request_sha256),
            new.c.id,
            _typed("b_response", keys.response),
            _typed("b_at", keys.created),
        )
        claimed = (
            insert(_KEYS)
            .from_select(
                [
                    "organisation_id",
                    "key",
                    "request_sha256",
                    "submission_id",
                    "response",
                    "created",
                ],
                key_row,
            )
            .on_conflict_do_nothing(index_elements=["organisation_id", "key"])
            .returning(keys.key)
            .cte("claimed")
        )
        gate = sa.exists(sa.select(claimed.c.key))
        answers.append(sa.select(claimed.c.key).scalar_subquery().label("claimed"))
    else:
        gate = sa.exists(sa.select(new.c.id))
    counted = (
        insert(_RATES)
        .from_select(
            ["organisation_id", "minute", "count"],
            sa.select(
                _typed("b_org", rates.organisation_id),
                _typed("b_minute", rates.minute),
                sa.literal(1, sa.Integer),
            ).where(gate),
        )
        .on_conflict_do_update(
            index_elements=["organisation_id", "minute"], set_={"count": rates.count + 1}
        )
        .returning(rates.count)
        .cte("counted")
    )
    audited = (
        audit_table.insert()
        .from_select(
            list(_AUDIT_COLUMNS),
            sa.select(*(_typed(f"a_{name}", audit[name]) for name in _AUDIT_COLUMNS)).where(gate),
        )
        .returning(audit.id)
        .cte("audited")
    )
    # SQLAlchemy renders a CTE only where it is used, so every one is named in the answer.
    answers.append(sa.select(counted.c.count).scalar_subquery().label("count"))
    answers.append(sa.select(audited.c.id).scalar_subquery().label("audit_id"))
    return sa.select(*answers)


def _run(session: Session, statement: Any, values: dict[str, Any]) -> Sequence[Sequence[Any]]:
    """The rows `statement` answers with `values`: plain values, as the driver gives them on
    SQLite (so not for statements reading JSON or datetimes: see `_read`)."""
    connection = session.connection()
    with translate_errors():
        if connection.dialect.name == "sqlite":
            return _run_on_driver(connection, statement, values)
        result = connection.execute(statement, values)
        return result.all() if result.returns_rows else []


def _read(session: Session, statement: Any, values: dict[str, Any]) -> sa.CursorResult[Any]:
    """`statement` through SQLAlchemy, which converts what it reads (JSON, datetimes)."""
    connection = session.connection()
    with translate_errors():
        return connection.execute(statement, values)


@dataclass(frozen=True)
class _Compiled:
    """A statement as SQLAlchemy compiled it for one SQLite engine: its SQL, the names of its
    parameters in order, each one's conversion (datetimes to text, JSON to text) and the values
    it fixes itself (literals such as `count + 1`)."""

    sql: str
    names: tuple[str, ...]
    convert: tuple[Callable[[Any], Any] | None, ...]
    fixed: dict[str, Any]


_COMPILED: weakref.WeakKeyDictionary[Dialect, dict[int, _Compiled]] = weakref.WeakKeyDictionary()
_COMPILED_LOCK = threading.Lock()


def _compiled(dialect: Dialect, statement: Any) -> _Compiled:
    # The statements are built once per process (`_statements`), so their ids are stable keys.
    known = _COMPILED.get(dialect)
    found = known.get(id(statement)) if known is not None else None
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    binds = compiled.binds
    found = _Compiled(
        sql=compiled.string,
        names=names,
        convert=tuple(binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names),
        fixed={n: binds[n].effective_value for n in names},
    )
    with _COMPILED_LOCK:
        _COMPILED.setdefault(dialect, {})[id(statement)] = found
    return found


def _run_on_driver(
    connection: sa.Connection, statement: Any, values: dict[str, Any]
) -> Sequence[Sequence[Any]]:
    compiled = _compiled(connection.dialect, statement)
    fixed = compiled.fixed
    parameters = [
        value if convert is None else convert(value)
        for value, convert in zip(
            (values[n] if n in values else fixed[n] for n in compiled.names),
            compiled.convert,
            strict=True,
        )
    ]
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(compiled.sql, parameters)
        return cursor.fetchall()
    except sqlite3.Error as error:
        # As SQLAlchemy would raise it, so translate_errors names it the same way.
        raise DBAPIError.instance(compiled.sql, parameters, error, sqlite3.Error) from error
    finally:
        cursor.close()


def _of(session: Session) -> _Statements:
    return _statements(session.get_bind().dialect.name)


@dataclass(frozen=True)
class StoredKey:
    """An Idempotency-Key used before: the request's digest and the answer it got."""

    request_sha256: str
    submission_id: str | None
    response: dict[str, Any] | None


def claim_key(
    session: Session,
    organisation_id: int,
    key: str,
    request_sha256: str,
    now: datetime,
    *,
    answer: tuple[str, dict[str, Any]] | None = None,
) -> StoredKey | None:
    """Claim `key` for this request; None when claimed, else the earlier use of the key.

    `answer` is the submission stored for this request (already in the transaction) and the
    answer it gets, kept with the key; a request refused before storing anything claims the
    key without one, and its transaction is rolled back anyway.

    One INSERT ... ON CONFLICT DO NOTHING: a concurrent request with the same key, in any
    worker, waits for this transaction and then sees the committed row (or, if this one rolls
    back, claims the key itself).
    """
    statements = _of(session)
    values = {"b_org": organisation_id, "b_key": key, "b_sha": request_sha256, "b_at": now}
    statement = statements.claim
    if answer is not None:
        values |= {"b_submission": answer[0], "b_response": answer[1]}
        statement = statements.claim_answered
    if _run(session, statement, values):
        return None
    found = _read(session, statements.earlier, {"b_org": organisation_id, "b_key": key}).first()
    if found is None:  # pragma: no cover - the conflicting row was committed before we looked
        raise ConflictError("an Idempotency-Key changed while it was being used; try again")
    return StoredKey(found.request_sha256, found.submission_id, found.response)


def count_request(session: Session, organisation_id: int, minute: int) -> int:
    """Add one to the organisation's counter for `minute` (minutes since the epoch) and return
    the new count.

    An upsert, so concurrent workers add up instead of overwriting each other. The first
    request of a minute also drops the organisation's older counters, keeping the table small.
    """
    statements = _of(session)
    values = {"b_org": organisation_id, "b_minute": minute}
    count: int = _run(session, statements.count, values)[0][0]
    if count == 1:
        _run(session, statements.drop_older, values)
    return count


def open_cycle_name(session: Session, now: datetime) -> str | None:
    """The name of the open cycle whose window holds `now`, if any."""
    rows = _run(session, _of(session).open_cycle, {"b_now": now})
    name: str | None = rows[0][0] if rows else None
    return name


@dataclass(frozen=True)
class NewSubmission:
    """A submission about to be stored: the columns of its `SubmissionRow`, triage untouched.

    A plain dataclass rather than the ORM row: building an instrumented row and flushing it
    costs several times the INSERT itself.
    """

    id: str
    organisation_id: int
    token_id: str
    cycle: str
    kind: str
    release: str
    record_id: str | None
    sighting_count: int | None
    body: dict[str, Any]
    status: str
    created: datetime
    updated: datetime
    status_reason: str | None = None
    addressed_in: str | None = None
    change_record_id: str | None = None
    change_revision: int | None = None
    retracted_by: str | None = None


def insert_submission(session: Session, row: NewSubmission) -> None:
    """Store a new submission."""
    _run(session, _of(session).insert_submission, vars(row))


def delete_submission(session: Session, submission_id: str) -> None:
    """Take back a submission inserted earlier in this transaction (its key was used before)."""
    _run(session, _of(session).delete_submission, {"b_id": submission_id})


@dataclass(frozen=True)
class Stored:
    """What `store_submission` did: counted (`count`, the organisation's new count this
    minute) or, when its key was used before, nothing at all (`earlier`, that use)."""

    count: int | None = None
    earlier: StoredKey | None = None


def store_submission(
    session: Session,
    row: NewSubmission,
    *,
    key: str | None,
    request_sha256: str,
    answer: dict[str, Any],
    minute: int,
    audit: dict[str, Any],
) -> Stored:
    """Store a submission, its key with its answer, one more request in the organisation's
    rate counter for `minute`, and its audit entry (`record_audit`'s fields) — or, if `key`
    was used before, none of them, and say so.

    Four statements on SQLite; one on PostgreSQL, where each statement is a round trip. The
    caller still decides what the count allows, and rolls back when it allows nothing.
    """
    statements = _of(session)
    org = row.organisation_id
    if statements.store_keyed is None:
        insert_submission(session, row)
        if key is not None:
            earlier = claim_key(
                session, org, key, request_sha256, row.created, answer=(row.id, answer)
            )
            if earlier is not None:
                delete_submission(session, row.id)
                return Stored(earlier=earlier)
        counted = count_request(session, org, minute)
        _run(session, statements.audit, {f"a_{name}": audit[name] for name in _AUDIT_COLUMNS})
        return Stored(count=counted)
    values = {f"s_{name}": value for name, value in vars(row).items()}
    values |= {f"a_{name}": audit[name] for name in _AUDIT_COLUMNS}
    values |= {"b_org": org, "b_minute": minute}
    statement = statements.store_unkeyed
    if key is not None:
        statement = statements.store_keyed
        values |= {"b_key": key, "b_sha": request_sha256, "b_response": answer}
        values["b_at"] = row.created
    result = _read(session, statement, values).one()
    if key is not None and result.claimed is None:
        found = _read(session, statements.earlier, {"b_org": org, "b_key": key}).first()
        if found is None:  # pragma: no cover - the conflicting row was committed before
            raise ConflictError("an Idempotency-Key changed while it was being used; try again")
        delete_submission(session, row.id)
        return Stored(earlier=StoredKey(found.request_sha256, found.submission_id, found.response))
    count: int = result._mapping["count"]
    if count == 1:
        _run(session, statements.drop_older, {"b_org": org, "b_minute": minute})
    return Stored(count=count)

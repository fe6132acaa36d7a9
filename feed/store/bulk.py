"""Fast bulk writes for imports: COPY on PostgreSQL, raw executemany on SQLite.

SQLAlchemy's per-row bind processing costs more than the database work for 100k-row imports,
so these helpers hand the driver ready values: JSON as text, datetimes in the form the
backend (and SQLAlchemy's reader) expects. They run on the session's own connection, inside
the caller's transaction, and driver errors come out as SQLAlchemy errors for
`translate_errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlmodel import Session

__all__ = ["bulk_insert", "bulk_update", "encode_json"]

#: The text form SQLAlchemy's SQLite dialect stores (and parses back) for DATETIME columns.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def encode_json(value: Any) -> str:
    """JSON text with sorted keys: the one encoding the store writes (and hashes)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _value(value: Any, dialect: str) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.strftime(_SQLITE_DATETIME) if dialect == "sqlite" else value
    if isinstance(value, dict | list):
        return encode_json(value)
    return value  # str (including pre-encoded JSON), int, None


_READY = frozenset({str, int, float, bool, type(None)})


def _column(values: list[Any], dialect: str) -> list[Any]:
    """One column's values as the driver takes them: most columns need nothing, and a
    timestamp shared by the whole batch is formatted once."""
    if {type(value) for value in values} <= _READY:
        return values
    formatted: dict[datetime, Any] = {}
    out = []
    for value in values:
        if isinstance(value, datetime):
            if value not in formatted:
                formatted[value] = _value(value, dialect)
            out.append(formatted[value])
        else:
            out.append(_value(value, dialect))
    return out


def _rows(
    rows: Sequence[dict[str, Any]], columns: list[str], dialect: str
) -> list[tuple[Any, ...]]:
    columns_ready = [_column([row[name] for row in rows], dialect) for name in columns]
    return list(zip(*columns_ready, strict=True))


def _columns(table: sa.Table, row: dict[str, Any]) -> list[str]:
    # Column names go into SQL text, so only the table's own columns are accepted.
    unknown = set(row) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    return list(row)


def _placeholder(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"


def bulk_insert(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) into `table` in one round trip or COPY."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    columns = _columns(table, rows[0])
    names = ", ".join(columns)
    values = _rows(rows, columns, dialect)
    if dialect == "postgresql":
        _copy(connection, f"COPY {table.name} ({names}) FROM STDIN", values)
        return
    marks = ", ".join(_placeholder(dialect) for _ in columns)
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 (checked names)
    connection.exec_driver_sql(statement, values)


def bulk_update(
    session: Session, table: sa.Table, key: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Update rows of `table` found by `key` (each dict holds the key and the new values)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    columns = [name for name in _columns(table, rows[0]) if name != key]
    mark = _placeholder(dialect)
    assignments = ", ".join(f"{name} = {mark}" for name in columns)
    values = _rows(rows, [*columns, key], dialect)
    statement = f"UPDATE {table.name} SET {assignments} WHERE {key} = {mark}"  # noqa: S608 (checked names)
    connection.exec_driver_sql(statement, values)


def _copy(connection: sa.Connection, statement: str, values: list[tuple[Any, ...]]) -> None:
    import psycopg

    raw = connection.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except psycopg.Error as error:
        # Same shape as every other database error, so translate_errors can name it.
        raise sa.exc.DBAPIError.instance(statement, None, error, psycopg.Error) from error

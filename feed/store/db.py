"""Engines, transactions, migrations and readiness of the store (SQLite or PostgreSQL)."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

from feed.errors import (
    ConfigError,
    ConflictError,
    ImmutableReleaseError,
    StateError,
    StoreUnavailableError,
)

__all__ = [
    "APPEND_ONLY_MARK",
    "IMMUTABLE_RELEASE_MARK",
    "check_ready",
    "display_url",
    "engine_from_settings",
    "head_revision",
    "init_store",
    "make_engine",
    "migrate",
    "schema_revision",
    "transaction",
    "translate_errors",
]

#: Text the database triggers put in their error messages, so we can name the failure.
IMMUTABLE_RELEASE_MARK = "kpfeed-immutable-release"
APPEND_ONLY_MARK = "kpfeed-append-only"

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
#: Execution option naming the statement that begins a SQLite transaction (see `transaction`).
_BEGIN = "kpfeed_sqlite_begin"


def _json_dumps(value: Any) -> str:
    # Sorted keys: the same text the bulk import writes, whichever path stored a body.
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for `url`: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (psycopg 3).

    A plain `postgresql://` URL is taken to mean psycopg 3, the driver kpfeed ships with.
    For a SQLite file, the folder it lives in is created.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise ConfigError(f"database URL {url!r} is not a valid SQLAlchemy URL") from error
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(
            parsed,
            pool_pre_ping=True,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
        )
    if backend != "sqlite":
        raise ConfigError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (which would not wrap DDL and
        # commits behind our back) and begin explicitly below: all-or-nothing needs real BEGINs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache (default 2 MiB): a large import's index pages stay in memory.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get(_BEGIN, "BEGIN"))


def engine_from_settings() -> Engine:
    """The engine for the configured store (`KPFEED_DATABASE_URL`)."""
    from feed.config import get_settings

    return make_engine(get_settings().database_url)


def _not_initialised(message: str) -> bool:
    lowered = message.lower()
    return "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered)


@contextmanager
def translate_errors(engine_url: URL | None = None) -> Iterator[None]:
    """Turn database errors into kpfeed's error tree (triggers, conflicts, unreachable)."""
    try:
        yield
    except DBAPIError as error:
        message = str(error.orig) if error.orig is not None else str(error)
        first_line = message.strip().splitlines()[0] if message.strip() else message
        where = f" at {_display(engine_url)}" if engine_url is not None else ""
        if IMMUTABLE_RELEASE_MARK in message:
            raise ImmutableReleaseError(first_line.split(": ", 1)[-1]) from error
        if APPEND_ONLY_MARK in message:
            raise StateError(first_line.split(": ", 1)[-1]) from error
        if _not_initialised(message):
            raise StoreUnavailableError(
                f"the database{where} is not initialised ({first_line}); run `kpfeed init`"
            ) from error
        if isinstance(error, IntegrityError):
            raise ConflictError(f"the store refused a conflicting change: {first_line}") from error
        if isinstance(error, OperationalError) and _lock_timed_out(error):
            # SQLite: another connection (a backup, a long import, another tool) held the write
            # lock past the busy timeout. Nothing conflicts with this change: the store is busy,
            # and the same request can simply be sent again (503 with Retry-After over HTTP).
            raise StoreUnavailableError(
                f"the store{where} is busy: another connection has held its write lock for "
                f"more than {SQLITE_BUSY_TIMEOUT_MS // 1000} s; try again"
            ) from error
        if isinstance(error, OperationalError) and "database is locked" in message:
            # SQLite (SQLITE_BUSY_SNAPSHOT): this transaction read a snapshot that a change
            # committed meanwhile has made stale.
            raise ConflictError(
                f"another change to the store{where} is in progress or happened meanwhile; "
                "try again"
            ) from error
        if isinstance(error, OperationalError):
            raise StoreUnavailableError(f"the database{where} failed: {first_line}") from error
        raise


def _lock_timed_out(error: DBAPIError) -> bool:
    """SQLite gave up waiting for a lock (SQLITE_BUSY and its extended codes), as opposed to
    refusing a stale snapshot (SQLITE_BUSY_SNAPSHOT, a conflict). False for PostgreSQL."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return False
    return code & 0xFF == sqlite3.SQLITE_BUSY and code != sqlite3.SQLITE_BUSY_SNAPSHOT


@contextmanager
def transaction(engine: Engine, *, writes: bool = False) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back everything if it raises.

    Store functions take the session and never commit; whoever opens the transaction decides
    what belongs together. `writes` says the transaction reads before it writes and must
    not fail for it: on SQLite it then begins IMMEDIATE, taking the write lock (waiting for
    it up to the busy timeout) before its first read. A deferred transaction that read first
    would be refused at its first write whenever another connection had committed since
    that read (SQLite does not wait then). PostgreSQL needs nothing: it reads committed data.

    SQLite has one writer at a time, so the threads of a process queue for its writing
    transactions on a lock of the engine's, woken the moment it is free, rather than in
    SQLite's busy handler, which polls with sleeps of up to 100 ms that leave the lock idle.
    Other processes still wait in the busy handler, as before.
    """
    queue = _writers(engine) if writes else None
    if queue is not None and not queue.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise ConflictError(
            f"another change to the store at {_display(engine.url)} is in progress; try again"
        )
    try:
        with translate_errors(engine.url), Session(engine, expire_on_commit=False) as session:
            _connect(session, engine, {_BEGIN: "BEGIN IMMEDIATE"} if writes else None)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if queue is not None:
            queue.release()


_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def _writers(engine: Engine) -> threading.Lock | None:
    """The lock this process's writing transactions on a SQLite engine queue on (None for
    PostgreSQL, where writers do not exclude each other)."""
    if engine.dialect.name != "sqlite":
        return None
    with _WRITERS_LOCK:
        lock = _WRITERS.get(engine)
        if lock is None:
            lock = _WRITERS[engine] = threading.Lock()
        return lock


def _unreachable(engine: Engine, error: OperationalError) -> StoreUnavailableError:
    detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return StoreUnavailableError(f"cannot reach the database at {_display(engine.url)}: {detail}")


def _connect(session: Session, engine: Engine, options: dict[str, str] | None = None) -> None:
    try:
        session.connection(execution_options=options)
    except OperationalError as error:
        raise _unreachable(engine, error) from error


def _open(engine: Engine) -> sa.Connection:
    try:
        return engine.connect()
    except OperationalError as error:
        raise _unreachable(engine, error) from error


def _alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest migration (idempotent); returns the schema revision."""
    with translate_errors(engine.url):
        connection = _open(engine)
        with connection, connection.begin():
            command.upgrade(_alembic_config(connection), "head")
    return head_revision()


def head_revision() -> str:
    """The newest schema revision shipped with this version of kpfeed."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise ConfigError("no schema migrations are installed")
    return head


def schema_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    with translate_errors(engine.url):
        connection = _open(engine)
        with connection:
            return MigrationContext.configure(connection).get_current_revision()


def init_store(url: str, data_dir: Path | None = None) -> str:
    """Create the workspace folder and the database, and migrate it (idempotent).

    Returns the schema revision the store is at.
    """
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        return migrate(engine)
    finally:
        engine.dispose()


def display_url(target: Engine | str) -> str:
    """A database URL (or an engine's) with any password hidden, for messages."""
    if isinstance(target, Engine):
        return _display(target.url)
    try:
        return _display(make_url(target))
    except ArgumentError:
        return "<invalid database URL>"


def check_ready(engine: Engine) -> None:
    """Raise StoreUnavailableError unless the database is reachable and fully migrated."""
    where = _display(engine.url)
    database = engine.url.database
    # Connecting to a missing SQLite file would create an empty one; say what is wrong instead.
    is_file = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
    if is_file and not Path(str(database)).expanduser().exists():
        raise StoreUnavailableError(f"no store at {where}; run `kpfeed init`")
    current = schema_revision(engine)
    head = head_revision()
    if current is None:
        raise StoreUnavailableError(
            f"the database at {where} is not initialised; run `kpfeed init`"
        )
    if current != head:
        raise StoreUnavailableError(
            f"the database at {where} is at schema {current}, this kpfeed needs {head}; "
            "run `kpfeed init` to migrate it"
        )

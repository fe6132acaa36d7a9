"""SQLite transactions that read before they write: `writes=True` waits instead of failing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from feed.errors import ConflictError
from feed.store import list_audit, make_engine, migrate, record_audit, transaction


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _write_elsewhere(engine: Engine, action: str) -> None:
    with transaction(engine) as session:
        record_audit(session, actor="synthetic-other", action=action, target="t")


def test_a_deferred_transaction_that_read_first_is_refused_after_another_commit(
    sqlite_engine: Engine,
) -> None:
    # The hazard `writes=True` exists for: SQLite refuses at once, without waiting.
    with transaction(sqlite_engine) as session:
        list_audit(session)
        _write_elsewhere(sqlite_engine, "test.other")
        with pytest.raises(ConflictError):
            record_audit(session, actor="synthetic-first", action="test.first", target="t")
    with transaction(sqlite_engine) as session:
        assert [e.action for e in list_audit(session)] == ["test.other"]


def test_a_writing_transaction_holds_the_write_lock_from_its_start(
    sqlite_engine: Engine,
) -> None:
    other = threading.Thread(target=_write_elsewhere, args=(sqlite_engine, "test.other"))
    with transaction(sqlite_engine, writes=True) as session:
        list_audit(session)
        other.start()  # waits for the lock this transaction holds, then writes
        other.join(timeout=0.5)
        assert other.is_alive()
        record_audit(session, actor="synthetic-first", action="test.first", target="t")
    other.join(timeout=10)
    with transaction(sqlite_engine) as session:
        assert [e.action for e in list_audit(session)] == ["test.other", "test.first"]


def test_writing_transactions_of_one_process_take_turns(sqlite_engine: Engine) -> None:
    def second() -> None:
        with transaction(sqlite_engine, writes=True) as session:
            record_audit(session, actor="synthetic-second", action="test.second", target="t")

    other = threading.Thread(target=second)
    with transaction(sqlite_engine, writes=True) as session:
        other.start()  # queues behind this transaction
        other.join(timeout=0.5)
        assert other.is_alive()
        record_audit(session, actor="synthetic-first", action="test.first", target="t")
    other.join(timeout=10)
    with transaction(sqlite_engine) as session:
        assert [e.action for e in list_audit(session)] == ["test.second", "test.first"]

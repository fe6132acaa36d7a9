"""Fixtures for the store tests: a migrated, empty store on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from feed.store import make_engine, migrate


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A freshly migrated store of this test's own (runs once per backend)."""
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()

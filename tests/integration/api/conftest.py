"""Fixtures for the server tests: the anyio backend and a published directory behind a symlink."""

from __future__ import annotations

from pathlib import Path

import pytest

from feed.accounts import Role
from feed.store.db import make_engine, migrate
from tests.integration.api.catalogue import Catalogue, build_catalogue
from tests.integration.api.common import make_accounts, point, write_generation


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def public(tmp_path: Path) -> Path:
    """`tmp_path/public`, a symlink to a first generation."""
    link = tmp_path / "public"
    point(link, write_generation(tmp_path, "g1"))
    return link


@pytest.fixture
def store_url(database_url: str) -> str:
    """A migrated store on SQLite and on PostgreSQL (the test runs once for each)."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return database_url


@pytest.fixture
def tokens(store_url: str) -> dict[Role, str]:
    """One organisation of each kind and one user of each role, by role: their tokens."""
    return make_accounts(store_url)


@pytest.fixture
def catalogue(store_url: str) -> Catalogue:
    """Two published releases and a draft of synthetic records (see `catalogue.py`)."""
    return build_catalogue(store_url)

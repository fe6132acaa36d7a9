"""Fixtures for the feedback tests: a migrated store with accounts, releases and an open cycle."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from feed.accounts import Role
from feed.config import Settings
from feed.store.db import make_engine, migrate
from tests.integration.api.catalogue import build_catalogue
from tests.integration.api.common import make_accounts, settings_for
from tests.integration.feedback.common import open_a_cycle


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True)
class Workspace:
    """A store ready for feedback: its URL, tokens by role, and app settings over it."""

    url: str
    tokens: dict[Role, str]
    settings: Settings


def _migrated(url: str) -> str:
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def closed_store(database_url: str, tmp_path: Path) -> Workspace:
    """Accounts and two published releases (2024.1, 2024.2) but no feedback cycle yet."""
    url = _migrated(database_url)
    tokens = make_accounts(url)
    build_catalogue(url)
    return Workspace(url, tokens, settings_for(tmp_path, url))


@pytest.fixture
def store(closed_store: Workspace) -> Workspace:
    """As `closed_store`, with the `2024` cycle open (its window began yesterday)."""
    open_a_cycle(closed_store.url)
    return closed_store

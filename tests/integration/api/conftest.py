"""Fixtures for the server tests: the anyio backend and a published directory behind a symlink."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.api.common import point, write_generation


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def public(tmp_path: Path) -> Path:
    """`tmp_path/public`, a symlink to a first generation."""
    link = tmp_path / "public"
    point(link, write_generation(tmp_path, "g1"))
    return link

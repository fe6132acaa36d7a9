"""Shared fixtures: a fresh database per test, on SQLite or on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.integration.faults.scale import ENV, OPTION, SIZES, FaultScale, scale_from

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "packages" / "sample"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        choices=SIZES,
        default=None,
        help=f"size of the fault campaign in tests/integration/faults: reduced (default, as in "
        f"CI) or full (at least 50 publish kills, more server kills, more generated examples); "
        f"also {ENV}=full",
    )


@pytest.fixture(scope="session")
def fault_scale(pytestconfig: pytest.Config) -> FaultScale:
    """The fault campaign's size (`--faults` or KPFEED_FAULTS; reduced by default)."""
    try:
        return scale_from(pytestconfig.getoption(OPTION))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def _pg_admin_url() -> str | None:
    return os.environ.get("KPFEED_TEST_DATABASE_URL")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of an empty SQLite file of this test's own."""
    return f"sqlite:///{tmp_path / 'kpfeed.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a brand-new PostgreSQL database, dropped after the test.

    Needs KPFEED_TEST_DATABASE_URL (which `.ci/run` sets); skipped without it so a developer
    without PostgreSQL can still run the unit tests.
    """
    admin = _pg_admin_url()
    if not admin:
        pytest.skip("KPFEED_TEST_DATABASE_URL is not set")
    name = f"kpfeed_t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kpfeed.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url

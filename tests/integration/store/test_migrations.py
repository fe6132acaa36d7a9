"""Migrations build the schema on an empty database, are idempotent, and match the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from setuptools import find_packages  # type: ignore[import-untyped]

from feed.errors import ConfigError, StoreUnavailableError
from feed.store import (
    check_ready,
    head_revision,
    list_records,
    make_engine,
    migrate,
    schema_revision,
    transaction,
)
from feed.store.tables import full_metadata

REPO = Path(__file__).resolve().parents[3]


def test_migrations_build_an_empty_database_and_are_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert schema_revision(engine) is None
        with pytest.raises(StoreUnavailableError, match="kpfeed init"):
            check_ready(engine)
        assert migrate(engine) == head_revision()
        assert migrate(engine) == head_revision()
        check_ready(engine)
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"records", "record_revisions", "audit_log", "releases", "release_members"} <= tables


def test_migrated_schema_matches_the_table_definitions(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, full_metadata())
    finally:
        engine.dispose()
    assert differences == []


def test_a_store_without_tables_says_to_run_init(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with (
        pytest.raises(StoreUnavailableError, match="run `kpfeed init`"),
        transaction(engine) as session,
    ):
        list_records(session)
    engine.dispose()


def test_an_unreachable_database_is_a_clear_error() -> None:
    # Port 9 (discard) on localhost: nothing listens, the connection is refused at once.
    engine = make_engine("postgresql://kpfeed:secret@127.0.0.1:9/none?connect_timeout=2")
    with pytest.raises(
        StoreUnavailableError, match=r"cannot reach the database at postgresql"
    ) as e:
        migrate(engine)
    assert "secret" not in str(e.value)
    with pytest.raises(StoreUnavailableError, match="cannot reach"), transaction(engine):
        pass


def test_checking_a_missing_sqlite_store_does_not_create_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kpfeed.db'}")
    with pytest.raises(StoreUnavailableError, match="no store at"):
        check_ready(engine)
    assert not (tmp_path / "kpfeed.db").exists()


def test_a_sqlite_file_gets_its_folder_created(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'kpfeed.db'}")
    migrate(engine)
    engine.dispose()
    assert (tmp_path / "deep" / "er" / "kpfeed.db").is_file()


def test_other_databases_and_bad_urls_are_refused() -> None:
    with pytest.raises(ConfigError, match="unsupported database"):
        make_engine("mysql://localhost/x")
    with pytest.raises(ConfigError, match="not a valid"):
        make_engine("not a url")


def test_migrations_ship_inside_the_package() -> None:
    packages = find_packages(str(REPO), include=["feed*"])
    assert "feed.store.migrations" in packages
    assert "feed.store.migrations.versions" in packages
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"**/*.mako"' in pyproject  # the revision template travels as package data

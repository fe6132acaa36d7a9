"""Schemathesis against a live `kpfeed serve`: generated requests from the OpenAPI document
never get a 5xx, on SQLite and on PostgreSQL (bounded: a few examples per operation)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from feed.accounts import Role
from feed.store.db import make_engine, migrate
from feed.synthetic import synthetic_records
from tests.integration.api.catalogue import build_catalogue
from tests.integration.api.common import bearer, make_accounts, point, write_generation
from tests.integration.api.live import LiveServer, start_server
from tests.unit.match.catalogue import package_data


def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'kpfeed.db'}"
        return
    admin = os.environ.get("KPFEED_TEST_DATABASE_URL")
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


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, dict[Role, str]]]:
    """A served store with two published releases, accounts and a published directory."""
    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    for url in _database(request.param, folder):
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        tokens = make_accounts(url)
        build_catalogue(url)
        public = folder / "public"
        generation = write_generation(folder, "g1")
        # A real package, so the hosted matcher has something to compile.
        package = package_data(list(synthetic_records(12)))
        (generation / "package.json").write_bytes(orjson.dumps(package))
        point(public, generation)
        server = start_server(database_url=url, public_dir=public, data_dir=folder / "var")
        try:
            yield server, tokens
        finally:
            server.stop()


@pytest.mark.slow
def test_generated_requests_never_get_a_server_error(
    live: tuple[LiveServer, dict[Role, str]],
) -> None:
    server, tokens = live
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), results
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 10
    tried: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def never_5xx(case: schemathesis.Case[Any]) -> None:
            for headers in ({}, bearer(tokens[Role.COMPANY])):
                case.call_and_validate(
                    base_url=server.url,
                    headers=headers,
                    checks=[schemathesis.checks.not_a_server_error],
                )

        never_5xx()
        tried.append(operation.label)
    assert any("/feed/{path}" in label for label in tried)
    # The generated requests did reach the server (and not some other listener).
    assert server.log.read_text().count('"logger":"kpfeed.access"') > 5 * len(operations)

"""Accounts and tokens: hashed at rest, checked per request, revocable, audited, never logged."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from feed.accounts import OrganisationKind, Role, parse_token
from feed.cli import main
from feed.config import get_settings
from feed.store.accounts import add_organisation, revoke_token
from feed.store.audit import list_audit
from feed.store.db import make_engine, transaction
from tests.integration.api.common import bearer, client_for, settings_for

pytestmark = pytest.mark.anyio


def _dump(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = [
                repr(tuple(row))
                for table in ("organisations", "users", "tokens", "audit_log")
                for row in conn.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            ]
    finally:
        engine.dispose()
    return "\n".join(rows)


async def test_tokens_are_stored_only_as_sha256_of_their_secret(
    store_url: str, tokens: dict[Role, str]
) -> None:
    stored = _dump(store_url)
    for token in tokens.values():
        parsed = parse_token(token)
        assert parsed is not None
        token_id, secret = parsed
        assert secret not in stored
        assert token_id in stored
        assert hashlib.sha256(secret.encode()).hexdigest() in stored


async def test_each_token_proves_its_owner_and_role(
    tmp_path: Path, store_url: str, tokens: dict[Role, str]
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        for role, token in tokens.items():
            response = await client.get("/api/v1/me", headers=bearer(token))
            assert response.status_code == 200
            me = response.json()
            assert me["role"] == role.value
            assert me["token_id"] == token.split("_")[1]
            assert token not in response.text


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer kpf_0000000000000000_" + "A" * 43,
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ],
)
async def test_missing_unknown_or_malformed_tokens_get_401(
    tmp_path: Path, store_url: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    async with client_for(settings_for(tmp_path, store_url)) as client:
        response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_with_a_right_id_and_a_wrong_secret_is_refused(
    tmp_path: Path, store_url: str, tokens: dict[Role, str]
) -> None:
    token = tokens[Role.EDITOR]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    async with client_for(settings_for(tmp_path, store_url)) as client:
        response = await client.get("/api/v1/me", headers=bearer(forged))
    assert response.status_code == 401


async def test_a_revoked_token_stops_working_at_once_and_the_revocation_is_audited(
    tmp_path: Path, store_url: str, tokens: dict[Role, str]
) -> None:
    token = tokens[Role.COMPANY]
    token_id = token.split("_")[1]
    async with client_for(settings_for(tmp_path, store_url)) as client:
        before = await client.get("/api/v1/me", headers=bearer(token))
        engine = make_engine(store_url)
        with transaction(engine) as session:
            revoke_token(session, token_id, actor="synthetic-admin", actor_token="feedfeedfeedfeed")
        engine.dispose()
        after = await client.get("/api/v1/me", headers=bearer(token))
    assert before.status_code == 200
    assert after.status_code == 401
    engine = make_engine(store_url)
    with transaction(engine) as session:
        entries = list_audit(session, action="token.revoke")
    engine.dispose()
    assert [(e.actor, e.target, e.token_id) for e in entries] == [
        ("synthetic-admin", f"token:{token_id}", "feedfeedfeedfeed")
    ]


async def test_an_expired_token_is_refused(tmp_path: Path, store_url: str) -> None:
    engine = make_engine(store_url)
    with transaction(engine) as session:
        _, issued = add_organisation(
            session,
            "Synthetic expiring",
            OrganisationKind.COMPANY,
            actor="test",
            expires=datetime.now(UTC) + timedelta(seconds=1),
        )
    with transaction(engine) as session:
        session.execute(
            text("UPDATE tokens SET expires = :at WHERE id = :id"),
            {"at": datetime.now(UTC) - timedelta(seconds=1), "id": issued.token_id},
        )
    engine.dispose()
    async with client_for(settings_for(tmp_path, store_url)) as client:
        response = await client.get("/api/v1/me", headers=bearer(issued.token))
    assert response.status_code == 401


async def test_account_changes_are_audited_with_who_what_and_when(
    store_url: str, tokens: dict[Role, str]
) -> None:
    engine = make_engine(store_url)
    with transaction(engine) as session:
        entries = list_audit(session)
    engine.dispose()
    actions = sorted((e.action, e.actor) for e in entries)
    assert actions == sorted(
        [("organisation.add", "test-operator")] * 2 + [("user.add", "test")] * 3
    )
    assert all(e.at is not None and e.target for e in entries)
    for entry in entries:
        assert entry.detail is not None
        assert "token_id" in entry.detail
        assert not any(token in json.dumps(entry.detail) for token in tokens.values())


async def test_a_restricted_feed_needs_a_valid_token_and_is_private(
    tmp_path: Path, store_url: str, tokens: dict[Role, str], public: Path
) -> None:
    settings = settings_for(tmp_path, store_url, feed_requires_token=True)
    async with client_for(settings) as client:
        anonymous = await client.get("/feed/feed.json")
        bad = await client.get(
            "/feed/feed.json", headers=bearer("kpf_0000000000000000_" + "A" * 43)
        )
        allowed = {
            role: await client.get("/feed/feed.json", headers=bearer(token))
            for role, token in tokens.items()
        }
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert bad.status_code == 401
    assert {role: r.status_code for role, r in allowed.items()} == dict.fromkeys(tokens, 200)
    assert allowed[Role.COMPANY].headers["cache-control"].startswith("private,")


async def test_an_open_feed_needs_no_token_and_touches_no_database(
    tmp_path: Path, public: Path
) -> None:
    settings = settings_for(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    async with client_for(settings) as client:
        response = await client.get("/feed/feed.json")
    assert response.status_code == 200


async def test_access_log_names_the_principal_and_never_the_token(
    tmp_path: Path,
    store_url: str,
    tokens: dict[Role, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="kpfeed")
    async with client_for(settings_for(tmp_path, store_url)) as client:
        await client.get("/api/v1/me", headers=bearer(tokens[Role.EDITOR]))
        await client.get("/api/v1/me", headers=bearer(tokens[Role.EDITOR] + "x"))
    lines = [r for r in caplog.records if r.name == "kpfeed.access"]
    assert len(lines) == 2
    fields = [r.fields for r in lines]  # type: ignore[attr-defined]
    assert fields[0]["route"] == "/api/v1/me"
    assert fields[0]["status"] == 200
    assert fields[0]["principal"].startswith("user:")
    assert fields[0]["token_id"] == tokens[Role.EDITOR].split("_")[1]
    assert fields[1]["status"] == 401
    secret = tokens[Role.EDITOR].split("_", 2)[2]
    assert secret not in caplog.text
    assert all(secret not in json.dumps(f) for f in fields)


def test_cli_prints_a_working_token_once_and_revokes_it(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPFEED_DATABASE_URL", store_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        added = runner.invoke(
            main, ["orgs", "add", "Synthetic CLI Co", "--kind", "company", "--json"]
        )
        assert added.exit_code == 0, added.output
        doc = json.loads(added.stdout)
        assert doc["kind"] == "company"
        assert parse_token(doc["token"]) is not None
        user = runner.invoke(main, ["users", "add", "synthetic-cli", "--role", "publisher"])
        assert user.exit_code == 0
        listed = runner.invoke(main, ["tokens", "list", "--json"])
        assert doc["token"].split("_", 2)[2] not in listed.output
        assert doc["token_id"] in listed.output
        revoked = runner.invoke(main, ["tokens", "revoke", doc["token_id"], "--as", "op"])
        assert revoked.exit_code == 0
        again = runner.invoke(main, ["tokens", "revoke", doc["token_id"]])
        assert again.exit_code == 1
        duplicate = runner.invoke(main, ["orgs", "add", "Synthetic CLI Co", "--kind", "company"])
        assert duplicate.exit_code == 1
        assert "exists already" in duplicate.output
        orgs = json.loads(runner.invoke(main, ["orgs", "list", "--json"]).stdout)
        assert [o["name"] for o in orgs] == ["Synthetic CLI Co"]
    finally:
        get_settings.cache_clear()

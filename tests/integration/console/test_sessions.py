"""Console sessions and passwords in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from feed.accounts import Role
from feed.errors import InputError, NotFoundError, UnauthenticatedError
from feed.store import list_audit, make_engine, migrate, transaction
from feed.store.accounts import revoke_token
from feed.store.common import utcnow
from feed.store.console import (
    ConsoleSessionRow,
    end_session,
    open_session,
    password_principal,
    resolve_session,
    set_password,
    token_principal,
)
from tests.integration.api.common import make_accounts

PASSWORD = "a synthetic passphrase"
HOUR = timedelta(hours=1)


@pytest.fixture
def store(database_url: str) -> tuple[str, dict[Role, str]]:
    engine = make_engine(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return database_url, make_accounts(database_url)


def test_a_session_opened_with_a_token_resolves_until_it_ends(
    store: tuple[str, dict[Role, str]],
) -> None:
    url, tokens = store
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            opened = open_session(
                session, token_principal(session, tokens[Role.COMPANY]), lifetime=HOUR
            )
        assert opened.cookie is not None
        with transaction(engine) as session:
            row = session.get(ConsoleSessionRow, opened.id)
            assert row is not None
            assert opened.cookie.split(".")[1] not in (row.secret_sha256, row.csrf_token)
            found = resolve_session(session, opened.cookie)
        assert found.principal == opened.principal
        assert found.principal.role == Role.COMPANY
        assert found.csrf_token == opened.csrf_token
        with transaction(engine) as session:
            with pytest.raises(UnauthenticatedError):
                resolve_session(session, opened.cookie[:-2] + "xx")
            assert end_session(session, opened.cookie)
        with transaction(engine) as session:
            with pytest.raises(UnauthenticatedError, match="sign in again"):
                resolve_session(session, opened.cookie)
            actions = [e.action for e in list_audit(session, target=found.principal.ref)]
        assert actions[:2] == ["console.sign_out", "console.sign_in"]  # newest first
    finally:
        engine.dispose()


def test_expired_sessions_are_refused_and_cleared(store: tuple[str, dict[Role, str]]) -> None:
    url, tokens = store
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            principal = token_principal(session, tokens[Role.EDITOR])
            old = open_session(session, principal, lifetime=HOUR, now=utcnow() - 2 * HOUR)
        assert old.cookie is not None
        with transaction(engine) as session:
            with pytest.raises(UnauthenticatedError):
                resolve_session(session, old.cookie)
            open_session(session, principal, lifetime=HOUR)
        with transaction(engine) as session:
            assert session.get(ConsoleSessionRow, old.id) is None
    finally:
        engine.dispose()


def test_revoking_the_token_ends_its_sessions(store: tuple[str, dict[Role, str]]) -> None:
    url, tokens = store
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            principal = token_principal(session, tokens[Role.PUBLISHER])
            opened = open_session(session, principal, lifetime=HOUR)
            revoke_token(session, principal.token_id, actor="test-operator")
        assert opened.cookie is not None
        with transaction(engine) as session, pytest.raises(UnauthenticatedError):
            resolve_session(session, opened.cookie)
    finally:
        engine.dispose()


def test_passwords_sign_in_and_a_new_one_ends_password_sessions_only(
    store: tuple[str, dict[Role, str]],
) -> None:
    url, tokens = store
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            with pytest.raises(UnauthenticatedError, match="name or password is wrong"):
                password_principal(session, "synthetic-editor", PASSWORD)  # no password yet
            set_password(session, "synthetic-editor", PASSWORD, actor="test-operator")
        with transaction(engine) as session:
            with pytest.raises(UnauthenticatedError, match="name or password is wrong"):
                password_principal(session, "synthetic-editor", "not the passphrase")
            principal = password_principal(session, " synthetic-editor ", PASSWORD)
            by_password = open_session(session, principal, lifetime=HOUR)
            by_token = open_session(
                session, token_principal(session, tokens[Role.EDITOR]), lifetime=HOUR
            )
        assert by_password.principal.token_id == f"s:{by_password.id[:14]}"
        assert by_password.cookie is not None
        assert by_token.cookie is not None
        with transaction(engine) as session:
            set_password(session, "synthetic-editor", "a new synthetic passphrase", actor="x")
        with transaction(engine) as session:
            with pytest.raises(UnauthenticatedError):
                resolve_session(session, by_password.cookie)
            assert resolve_session(session, by_token.cookie).principal.role == Role.EDITOR
            hashes = session.exec(select(ConsoleSessionRow.secret_sha256)).all()
        assert len(hashes) == 1
    finally:
        engine.dispose()


def test_unknown_users_and_short_passwords_are_refused(store: tuple[str, dict[Role, str]]) -> None:
    url, _ = store
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            with pytest.raises(NotFoundError):
                set_password(session, "nobody", PASSWORD, actor="test-operator")
            with pytest.raises(InputError, match="at least 12"):
                set_password(session, "synthetic-editor", "short", actor="test-operator")
    finally:
        engine.dispose()

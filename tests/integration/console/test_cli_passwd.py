"""`kpfeed users passwd`: a console password for a user, from standard input or a prompt."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from feed.cli import main
from feed.config import get_settings
from feed.store import make_engine, migrate, transaction
from feed.store.accounts import list_users
from feed.store.console import password_principal
from tests.integration.api.common import make_accounts

PASSWORD = "a synthetic passphrase"


def test_a_password_set_from_stdin_signs_the_user_in(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(sqlite_url)
    migrate(engine)
    make_accounts(sqlite_url)
    monkeypatch.setenv("KPFEED_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        set_ = runner.invoke(
            main, ["users", "passwd", "synthetic-editor", "--password-stdin"], input=PASSWORD + "\n"
        )
        assert set_.exit_code == 0, set_.output
        assert "password of user" in set_.output
        assert PASSWORD not in set_.output
        short = runner.invoke(
            main, ["users", "passwd", "synthetic-editor", "--password-stdin"], input="short\n"
        )
        assert short.exit_code == 1
        assert "at least 12 characters" in short.output
        unknown = runner.invoke(
            main, ["users", "passwd", "nobody", "--password-stdin"], input=PASSWORD
        )
        assert unknown.exit_code == 1
        assert "no user 'nobody'" in unknown.output
        prompted = runner.invoke(
            main, ["users", "passwd", "synthetic-publisher"], input=f"{PASSWORD}\n{PASSWORD}\n"
        )
        assert prompted.exit_code == 0, prompted.output
    finally:
        get_settings.cache_clear()
    try:
        with transaction(engine) as session:
            assert (
                password_principal(session, "synthetic-editor", PASSWORD).name == "synthetic-editor"
            )
            assert password_principal(session, "synthetic-publisher", PASSWORD).role == "publisher"
            stored = [u.password_hash for u in list_users(session) if u.password_hash]
        assert len(stored) == 2
        assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in stored)
    finally:
        engine.dispose()

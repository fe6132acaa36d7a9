"""`kpfeed keys ...` end to end through the click command line, configured by environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feed.cli import main
from feed.config import get_settings
from feed.sign.keys import keyring_is_encrypted, load_keyring, read_public
from feed.sign.minisign import parse_public_key


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Settings for a key folder of this test's own (settings are read once per process)."""
    values = {
        "KPFEED_KEY_DIR": str(tmp_path / "keys"),
        "KPFEED_KEY_PASSPHRASE": "cli passphrase",
        "KPFEED_KEY_SCRYPT_LOG_N": "10",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


def _run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_init_creates_an_encrypted_key_ring_and_says_what_to_pin(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = _run("keys", "init", "--root-keys", "3", "--root-threshold", "2")
    assert result.exit_code == 0, result.output
    assert "root         2 of 3:" in result.output
    assert "kpfeed keys export-public" in result.output
    assert keyring_is_encrypted(tmp_path / "keys")
    assert load_keyring(tmp_path / "keys", "cli passphrase", with_root=True)


def test_init_prompts_for_the_passphrase_when_none_is_set(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KPFEED_KEY_PASSPHRASE")
    get_settings.cache_clear()
    result = _run("keys", "init", input="typed secret\ntyped secret\n")
    assert result.exit_code == 0, result.output
    assert load_keyring(tmp_path / "keys", "typed secret")


def test_insecure_demo_keys_need_no_passphrase_later(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KPFEED_KEY_PASSPHRASE")
    get_settings.cache_clear()
    assert _run("keys", "init", "--insecure-no-passphrase").exit_code == 0
    assert not keyring_is_encrypted(tmp_path / "keys")
    result = _run("keys", "rotate", "--role", "timestamp")  # no prompt: nothing to unlock
    assert result.exit_code == 0, result.output
    assert "root v2 written" in result.output


def test_insecure_flag_with_a_passphrase_set_is_a_usage_error(env: dict[str, str]) -> None:
    result = _run("keys", "init", "--insecure-no-passphrase")
    assert result.exit_code == 2
    assert "conflicts with KPFEED_KEY_PASSPHRASE" in result.output


def test_init_twice_is_refused(env: dict[str, str]) -> None:
    assert _run("keys", "init").exit_code == 0
    result = _run("keys", "init")
    assert result.exit_code == 1
    assert "already holds files; refusing to overwrite a key ring" in result.output


@pytest.mark.parametrize("role", ["root", "targets", "snapshot", "timestamp", "minisign"])
def test_rotate_each_role_from_the_command_line(
    env: dict[str, str], tmp_path: Path, role: str
) -> None:
    assert _run("keys", "init").exit_code == 0
    before = read_public(tmp_path / "keys")
    result = _run("keys", "rotate", "--role", role, "--json")
    assert result.exit_code == 0, result.output
    rotation = json.loads(result.output)
    assert rotation["role"] == role
    assert rotation["old_key_ids"] != rotation["new_key_ids"]
    after = read_public(tmp_path / "keys")
    if role == "minisign":
        assert (len(after.roots), after.minisign.key_id_hex) == (1, rotation["new_key_ids"][0])
    else:
        assert rotation["root_version"] == 2
        assert after.root.signed.roles[role].keyids == rotation["new_key_ids"]
        assert after.minisign == before.minisign


def test_wrong_passphrase_is_reported_with_exit_code_1(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run("keys", "init").exit_code == 0
    monkeypatch.setenv("KPFEED_KEY_PASSPHRASE", "not it")
    get_settings.cache_clear()
    result = _run("keys", "rotate", "--role", "snapshot")
    assert result.exit_code == 1
    assert "error: wrong passphrase for" in result.output


def test_exposed_key_folder_is_refused_by_every_command(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert _run("keys", "init").exit_code == 0
    (tmp_path / "keys").chmod(0o755)
    for args in (
        ["show"],
        ["export-public", "--out", str(tmp_path / "pin")],
        ["rotate", "--role", "root"],
    ):
        result = _run("keys", *args)
        assert result.exit_code == 1, args
        assert "other users could read it" in result.output


def test_export_public_and_show_tell_consumers_what_to_pin(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert _run("keys", "init").exit_code == 0
    assert _run("keys", "renew-root").exit_code == 0
    result = _run("keys", "export-public", "--out", str(tmp_path / "pin"))
    assert result.exit_code == 0, result.output
    assert result.output.split() == [
        str(tmp_path / "pin" / "minisign.pub"),
        str(tmp_path / "pin" / "root.json"),
    ]
    shown = json.loads(_run("keys", "show", "--json").output)
    assert shown["root_version"] == 2
    assert shown["encrypted"] is True
    pinned_root = json.loads((tmp_path / "pin" / "root.json").read_bytes())
    assert pinned_root["signed"]["version"] == 2
    pinned_key = parse_public_key((tmp_path / "pin" / "minisign.pub").read_text())
    assert pinned_key.key_id_hex == shown["minisign_key_id"]

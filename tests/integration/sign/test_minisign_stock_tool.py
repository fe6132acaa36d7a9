"""Our minisign output against the stock `minisign` tool (Debian package), both ways."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feed.errors import UnknownKeyError
from feed.sign.comment import TrustedComment, check_trusted_comment
from feed.sign.keys import Keyring
from feed.sign.minisign import (
    MinisignSecretKey,
    generate_keypair,
    load_secret_key,
    parse_public_key,
    public_key_text,
    sign,
    verify,
)
from tests.integration.sign.common import PASSPHRASE

MINISIGN = shutil.which("minisign")
# A developer without minisign skips these; CI (CI=true, .ci/run installs it) never does.
pytestmark = pytest.mark.skipif(
    MINISIGN is None and not os.environ.get("CI"), reason="stock minisign is not installed"
)

FILES = {
    "package.json": b'{"release": "2026.1", "synthetic": true}\n',
    "feed.json": b'{"version": "https://jsonfeed.org/version/1.1", "items": []}\n',
}


def _comment(name: str) -> str:
    return str(
        TrustedComment(
            catalogue="euif-knowledge-package",
            version="2026.1",
            sequence=1,
            file=name,
            expires=datetime(2099, 1, 1, tzinfo=UTC),
        )
    )


def _publish(folder: Path, key: MinisignSecretKey) -> Path:
    """Files, their `.minisig` and `minisign.pub`, as a published directory holds them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
        (folder / f"{name}.minisig").write_bytes(sign(data, key, trusted_comment=_comment(name)))
    (folder / "minisign.pub").write_text(public_key_text(key))
    return folder


def _stock_verify(
    folder: Path, name: str, *, pub: str = "minisign.pub"
) -> subprocess.CompletedProcess[str]:
    assert MINISIGN is not None
    return subprocess.run(
        [MINISIGN, "-Vm", name, "-p", pub],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("name", sorted(FILES))
def test_stock_minisign_accepts_our_signature_and_prints_the_trusted_comment(
    tmp_path: Path, name: str
) -> None:
    folder = _publish(tmp_path / "public", generate_keypair())
    result = _stock_verify(folder, name)
    assert result.returncode == 0, result.stderr
    assert "Signature and comment signature verified" in result.stdout
    assert f"Trusted comment: {_comment(name)}" in result.stdout


def test_stock_minisign_rejects_a_changed_file(tmp_path: Path) -> None:
    folder = _publish(tmp_path / "public", generate_keypair())
    (folder / "package.json").write_bytes(FILES["package.json"].replace(b"2026.1", b"2099.1"))
    result = _stock_verify(folder, "package.json")
    assert result.returncode != 0
    assert "Signature verification failed" in result.stderr


def test_stock_minisign_rejects_a_swapped_signature(tmp_path: Path) -> None:
    folder = _publish(tmp_path / "public", generate_keypair())
    shutil.copy(folder / "feed.json.minisig", folder / "package.json.minisig")
    result = _stock_verify(folder, "package.json")
    assert result.returncode != 0
    assert "Signature verification failed" in result.stderr


def test_stock_minisign_rejects_a_changed_trusted_comment(tmp_path: Path) -> None:
    folder = _publish(tmp_path / "public", generate_keypair())
    path = folder / "package.json.minisig"
    path.write_bytes(path.read_bytes().replace(b"sequence:1 ", b"sequence:7 "))
    result = _stock_verify(folder, "package.json")
    assert result.returncode != 0
    assert "Comment signature verification failed" in result.stderr


def test_stock_minisign_rejects_a_signature_by_another_key(tmp_path: Path) -> None:
    ours = generate_keypair()
    folder = _publish(tmp_path / "public", generate_keypair())
    (folder / "ours.pub").write_text(public_key_text(ours))
    result = _stock_verify(folder, "package.json", pub="ours.pub")
    assert result.returncode != 0
    assert f"the key id in the public key is {ours.key_id_hex}" in result.stderr


def test_stock_minisign_rejects_a_truncated_signature(tmp_path: Path) -> None:
    folder = _publish(tmp_path / "public", generate_keypair())
    path = folder / "package.json.minisig"
    path.write_bytes(path.read_bytes()[:120])
    assert _stock_verify(folder, "package.json").returncode != 0


def _stock(*args: str, cwd: Path, stdin: str | None = None) -> None:
    assert MINISIGN is not None
    result = subprocess.run(
        [MINISIGN, *args],
        cwd=cwd,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_our_verify_accepts_signatures_made_by_stock_minisign(tmp_path: Path) -> None:
    _stock("-G", "-W", "-p", "stock.pub", "-s", "stock.key", cwd=tmp_path)
    (tmp_path / "package.json").write_bytes(FILES["package.json"])
    _stock(
        "-S", "-s", "stock.key", "-m", "package.json", "-t", _comment("package.json"), cwd=tmp_path
    )
    public = parse_public_key((tmp_path / "stock.pub").read_text())
    signature = (tmp_path / "package.json.minisig").read_bytes()
    comment = verify(FILES["package.json"], signature, public)
    assert (
        check_trusted_comment(comment, file_name="package.json", now=datetime.now(UTC)).version
        == "2026.1"
    )
    with pytest.raises(UnknownKeyError):
        verify(FILES["package.json"], signature, generate_keypair().public)


def test_stock_unencrypted_secret_key_loads_as_ours(tmp_path: Path) -> None:
    _stock("-G", "-W", "-p", "stock.pub", "-s", "stock.key", cwd=tmp_path)
    key = load_secret_key((tmp_path / "stock.key").read_text(), None)
    assert key.public == parse_public_key((tmp_path / "stock.pub").read_text())


def test_stock_minisign_signs_with_the_key_rings_encrypted_minisign_key(
    keyring: Keyring, key_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "feed.json").write_bytes(FILES["feed.json"])
    _stock(
        "-S",
        "-s",
        str(key_dir / "minisign.key"),
        "-m",
        "feed.json",
        "-t",
        _comment("feed.json"),
        cwd=tmp_path,
        stdin=f"{PASSPHRASE}\n",
    )
    signature = (tmp_path / "feed.json.minisig").read_bytes()
    assert verify(FILES["feed.json"], signature, keyring.minisign) == _comment("feed.json")
    (tmp_path / "minisign.pub").write_bytes((key_dir / "minisign.pub").read_bytes())
    assert _stock_verify(tmp_path, "feed.json").returncode == 0


@pytest.mark.slow
def test_stock_encrypted_secret_key_loads_with_its_password(tmp_path: Path) -> None:
    """minisign's own scrypt cost (N=2**20, 1 GiB): a few seconds each way."""
    _stock("-G", "-p", "stock.pub", "-s", "stock.key", cwd=tmp_path, stdin="pw one\npw one\n")
    key = load_secret_key((tmp_path / "stock.key").read_text(), "pw one")
    assert key.public == parse_public_key((tmp_path / "stock.pub").read_text())

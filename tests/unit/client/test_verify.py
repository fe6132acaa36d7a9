"""`verify_directory`: files fetched by hand, checked against their minisign signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from feed.cli import main
from feed.client import verify_directory
from feed.errors import (
    BadSignatureError,
    ExpiredError,
    MixAndMatchError,
    RollbackError,
    TrustError,
)
from feed.sign.keys import Keyring
from tests.unit.client.site import Site, changed, records


def _download(site: Site, folder: Path) -> Path:
    """What a person fetches with curl: the published files without TUF's copies."""
    for name, data in site.files.items():
        if not name.startswith("tuf/"):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return folder


@pytest.fixture
def two_releases(site: Site) -> Site:
    site.release([changed(site.current.records[0], 1), *site.current.records[1:]])
    return site


def test_every_downloaded_file_is_verified(two_releases: Site, tmp_path: Path) -> None:
    folder = _download(two_releases, tmp_path / "dl")
    files = verify_directory(folder, two_releases.keyring.minisign, now=datetime.now(UTC))
    assert [f.path for f in files] == [
        "package.json",
        "releases.json",
        "releases/2026.1/changes.json",
        "releases/2026.1/package.json",
        "releases/2026.2/changes.json",
        "releases/2026.2/package.json",
    ]
    assert {(f.path, f.sequence) for f in files if not f.archived} == {
        ("package.json", 2),
        ("releases.json", 2),
    }


def test_changed_file_is_refused(two_releases: Site, tmp_path: Path) -> None:
    folder = _download(two_releases, tmp_path / "dl")
    path = folder / "package.json"
    path.write_bytes(path.read_bytes().replace(b"Synthetic", b"Synthetic!", 1))
    with pytest.raises(BadSignatureError):
        verify_directory(folder, two_releases.keyring.minisign, now=datetime.now(UTC))


def test_archived_copy_moved_to_the_top_is_mix_and_match(
    two_releases: Site, tmp_path: Path
) -> None:
    folder = _download(two_releases, tmp_path / "dl")
    for name in ("package.json", "package.json.minisig"):
        (folder / name).write_bytes((folder / "releases/2026.1" / name).read_bytes())
    # Same bytes as the old top file, but its signature names its own path.
    with pytest.raises(MixAndMatchError, match=r"not for 'package.json'"):
        verify_directory(folder, two_releases.keyring.minisign, now=datetime.now(UTC))


def test_top_files_left_from_an_older_release_are_a_rollback(site: Site, tmp_path: Path) -> None:
    old_package = site.files["package.json"], site.files["package.json.minisig"]
    site.release([changed(site.current.records[0], 1), *site.current.records[1:]])
    folder = _download(site, tmp_path / "dl")
    (folder / "package.json").write_bytes(old_package[0])
    (folder / "package.json.minisig").write_bytes(old_package[1])
    with pytest.raises(RollbackError, match=r"package.json: release 2026.1 has sequence 1, older"):
        verify_directory(folder, site.keyring.minisign, now=datetime.now(UTC))


def test_release_older_than_one_trusted_before_is_refused(site: Site, tmp_path: Path) -> None:
    folder = _download(site, tmp_path / "dl")
    with pytest.raises(RollbackError, match=r"2 files refused.*sequence 2 already trusted"):
        verify_directory(folder, site.keyring.minisign, now=datetime.now(UTC), min_sequence=2)


def test_expired_current_files_are_refused_but_archives_are_not(
    keyring: Keyring, tmp_path: Path
) -> None:
    site = Site(keyring)
    site.release(records(3), now=datetime.now(UTC) - timedelta(days=40))
    folder = _download(site, tmp_path / "dl")
    with pytest.raises(ExpiredError, match=r"2 files refused: package.json: signature of release"):
        verify_directory(folder, keyring.minisign, now=datetime.now(UTC))
    for name in ("package.json", "releases.json"):
        (folder / name).unlink()
        (folder / f"{name}.minisig").unlink()
    files = verify_directory(folder, keyring.minisign, now=datetime.now(UTC))
    assert all(f.archived for f in files)


def test_file_without_its_signature_is_refused(site: Site, tmp_path: Path) -> None:
    folder = _download(site, tmp_path / "dl")
    (folder / "releases.json.minisig").unlink()
    with pytest.raises(TrustError, match=r"releases.json: not signed \(releases.json.minisig"):
        verify_directory(folder, site.keyring.minisign, now=datetime.now(UTC))


def _pubkey(site: Site, folder: Path) -> str:
    path = folder / "minisign.pub"
    path.write_bytes(site.files["minisign.pub"])
    return str(path)


def test_verify_command_lists_what_it_verified(two_releases: Site, tmp_path: Path) -> None:
    folder = _download(two_releases, tmp_path / "dl")
    result = CliRunner().invoke(
        main, ["verify", str(folder), "--pubkey", _pubkey(two_releases, tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {f["path"]: f["archived"] for f in listed}["releases/2026.1/package.json"] is True
    assert {f["path"]: f["sequence"] for f in listed}["package.json"] == 2


def test_verify_command_refuses_a_changed_file_with_exit_status_1(
    two_releases: Site, tmp_path: Path
) -> None:
    folder = _download(two_releases, tmp_path / "dl")
    changes = folder / "releases/2026.2/changes.json"
    changes.write_bytes(changes.read_bytes() + b" ")
    result = CliRunner().invoke(
        main, ["verify", str(folder), "--pubkey", _pubkey(two_releases, tmp_path)]
    )
    assert result.exit_code == 1
    assert "error: releases/2026.2/changes.json: signature does not match" in result.output

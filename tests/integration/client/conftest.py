"""Fixtures for client tests over real HTTP: one server process (serve.py) on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from feed.sign.keys import Keyring, export_public, init_keys
from tests.unit.client.site import Site, records

SERVE = Path(__file__).with_name("serve.py")
PASSPHRASE = "http client test passphrase"


@pytest.fixture(scope="session")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """One server process for the session; each test serves a subfolder of its root."""
    root = tmp_path_factory.mktemp("served")
    process = subprocess.Popen([sys.executable, str(SERVE), str(root)], stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    process.stdout.close()
    if not line.startswith("PORT "):
        process.kill()
        process.wait()
        raise RuntimeError(f"test server did not start: {line!r}")
    yield root, f"http://127.0.0.1:{int(line.split()[1])}/"
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - only if the server hangs
        process.kill()
        process.wait()


@dataclass
class Served:
    """A published directory this test owns, its URL, and what the server saw."""

    folder: Path
    url: str
    site: Site

    def publish(self) -> None:
        """Write the site's files into the served folder (as a publish step would)."""
        self.site.write(self.folder)

    def rules(self, **rules: Any) -> None:
        (self.folder / ".rules.json").write_text(json.dumps(rules))

    def requests(self) -> list[dict[str, Any]]:
        log = self.folder / ".requests.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def forget_requests(self) -> None:
        (self.folder / ".requests.log").unlink(missing_ok=True)

    def copy_url_path(self, target: str) -> str:
        return f"/{self.folder.name}/{self.site.copy_path(target)}"


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return init_keys(
        tmp_path / "keys", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=10
    )


@pytest.fixture
def served(http_root: tuple[Path, str], tmp_path: Path, keyring: Keyring) -> Served:
    """Release 2026.1 (40 synthetic records) published in this test's served folder."""
    root, base = http_root
    folder = root / tmp_path.name
    folder.mkdir()
    site = Site(keyring)
    site.release(records(40))
    served = Served(folder, f"{base}{folder.name}/", site)
    served.publish()
    return served


@pytest.fixture
def pinned(keyring: Keyring, tmp_path: Path) -> Path:
    """What a consumer pins out of band: `root.json` and `minisign.pub` from export-public."""
    export_public(keyring.key_dir, tmp_path / "pinned")
    return tmp_path / "pinned"

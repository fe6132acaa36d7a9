"""Fixtures for signing tests that drive real parts: a key ring and a static HTTP server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feed.sign.keys import Keyring, init_keys, load_keyring
from tests.integration.sign.common import FAST_KDF, PASSPHRASE, Serve

SERVE = Path(__file__).with_name("serve.py")


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def keyring(key_dir: Path) -> Keyring:
    """A fresh key ring made now (real time: python-tuf's client checks expiry by the clock)."""
    init_keys(key_dir, passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF)
    return load_keyring(key_dir, PASSPHRASE)


def _start(folder: Path, endless: tuple[str, ...] = ()) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, str(SERVE), str(folder)]
    for path in endless:
        command += ["--endless", path]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    process.stdout.close()
    if not line.startswith("PORT "):
        process.kill()
        process.wait()
        raise RuntimeError(f"test server did not start: {line!r}")
    return process, f"http://127.0.0.1:{int(line.split()[1])}/"


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - only if the server hangs
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """One server process for the session over a folder; each test serves a subfolder of it."""
    root = tmp_path_factory.mktemp("served")
    process, base = _start(root)
    yield root, base
    _stop(process)


@pytest.fixture
def public_dir(http_root: tuple[Path, str], tmp_path: Path) -> Path:
    """This test's published directory, reachable through `serve`."""
    folder = http_root[0] / tmp_path.name
    folder.mkdir()
    return folder


@pytest.fixture
def serve(http_root: tuple[Path, str]) -> Iterator[Serve]:
    """`serve(folder)` -> base URL of `folder` over HTTP from another process (127.0.0.1).

    Folders under the session's served root share its server; `endless=(url paths)` starts a
    server of its own that answers those paths with an endless body. Servers stop after.
    """
    own: list[subprocess.Popen[str]] = []

    def start(folder: Path, *, endless: tuple[str, ...] = ()) -> str:
        root, base = http_root
        if not endless and folder.is_relative_to(root):
            return f"{base}{folder.relative_to(root).as_posix()}/"
        process, url = _start(folder, endless)
        own.append(process)
        return url

    yield start
    for process in own:
        _stop(process)

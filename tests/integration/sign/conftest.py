"""Fixtures for signing tests that drive real parts: a key ring and a static HTTP server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feed.sign.keys import Keyring, init_keys, load_keyring

PASSPHRASE = "integration passphrase"
FAST_KDF = 10
SERVE = Path(__file__).with_name("serve.py")

Serve = Callable[..., str]


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def keyring(key_dir: Path) -> Keyring:
    """A fresh key ring made now (real time: python-tuf's client checks expiry by the clock)."""
    init_keys(key_dir, passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF)
    return load_keyring(key_dir, PASSPHRASE)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start `serve.py` on a folder in another process; returns its base URL; stops it after."""
    processes: list[subprocess.Popen[str]] = []

    def start(folder: Path, *, endless: tuple[str, ...] = ()) -> str:
        command = [sys.executable, str(SERVE), str(folder)]
        for path in endless:
            command += ["--endless", path]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("PORT "), f"server did not start: {line!r}"
        return f"http://127.0.0.1:{int(line.split()[1])}/"

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

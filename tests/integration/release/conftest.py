"""Fixtures for the release workflow: a store with approved records, keys, a static server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feed.releasing import PublishOptions
from feed.store import import_records, make_engine, migrate, set_manifest, transaction
from feed.synthetic import synthetic_records
from tests.integration.release.common import LINKS, MANIFEST, NOW, Catalogue, fresh_keys


@pytest.fixture
def catalogue(database_url: str, tmp_path: Path) -> Iterator[Catalogue]:
    engine = make_engine(database_url)
    migrate(engine)
    with transaction(engine) as session:
        set_manifest(session, MANIFEST, actor="editor-alice", at=NOW)
        import_records(session, synthetic_records(12), author="editor-alice", approve=True)
    key_dir = tmp_path / "keys"
    options = PublishOptions(links=LINKS)
    yield Catalogue(engine, fresh_keys(key_dir), key_dir, tmp_path / "public", options)
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def static_server() -> Iterator[Callable[[Path], str]]:
    """Serve a folder over HTTP on 127.0.0.1 from another process; returns its base URL."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(folder: Path) -> str:
        port = _free_port()
        command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        proc = subprocess.Popen(
            [*command, "--directory", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return f"http://127.0.0.1:{port}/"
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("static server did not start")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)

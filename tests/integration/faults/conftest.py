"""Fixtures of the fault campaign: a static server over this test's folder, the feedback store."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The feedback tests' store (accounts, two published releases, an open cycle) for the server
# faults; imported so pytest finds the fixtures here too.
from tests.integration.feedback.conftest import closed_store, store

__all__ = ["closed_store", "static_site", "store"]

REPO = Path(__file__).resolve().parents[3]
SERVE = REPO / "tests" / "integration" / "client" / "serve.py"


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[str]:
    """tests/integration/client/serve.py (ETag, Range) over `tmp_path`: its base URL.

    Publish into a folder under `tmp_path/<name>/` (serve.py keeps a request log in each
    first-level folder, which must not be the publication itself).
    """
    process = subprocess.Popen([sys.executable, str(SERVE), str(tmp_path)], stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    process.stdout.close()
    try:
        assert line.startswith("PORT "), line
        yield f"http://127.0.0.1:{int(line.split()[1])}/"
    finally:
        process.terminate()
        process.wait(timeout=10)

"""What the report says about the run: the machine (cores, memory, load) and the versions."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PEER_PYTHON = REPO / "bench" / ".peer-venv" / "bin" / "python"
LIBRARIES = (
    "pydantic",
    "jsonschema-rs",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "orjson",
    "tuf",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "pyahocorasick",
    "matplotlib",
)


def snapshot(postgres_url: str | None, *, full: bool = True) -> dict[str, Any]:
    """The time and load now; and, if `full`, the machine and the versions."""
    now: dict[str, Any] = {
        "time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": list(os.getloadavg()),
    }
    if not full:
        return now
    now |= {
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "cpu": _cpu_model(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": versions(postgres_url),
    }
    return now


def _memory_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    match = re.search(r"^MemTotal:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) / 2**20 if match else None


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def _run(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def versions(postgres_url: str | None) -> dict[str, str]:
    out = {"python": sys.version.split()[0], "kpfeed": _kpfeed_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["sqlite"] = sqlite3.sqlite_version
    out["postgresql"] = _postgres_version(postgres_url) or "not used"
    wrk = _run(["wrk", "-v"])
    out["wrk"] = wrk.split(" [")[0] if wrk else "not installed (httpx load instead)"
    if PEER_PYTHON.exists():
        peer = _run(
            [
                str(PEER_PYTHON),
                "-c",
                "from importlib.metadata import version as v; import sys; "
                "print(v('medallion'), v('taxii2-client'), sys.version.split()[0])",
            ]
        )
        if peer:
            medallion, client, python = peer.split()
            out |= {"medallion": medallion, "taxii2-client": client, "peer python": python}
    return out


def _kpfeed_version() -> str:
    commit = _run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = _run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    return f"{metadata.version('kpfeed')} ({commit}{', uncommitted changes' if dirty else ''})"


def _postgres_version(url: str | None) -> str | None:
    if not url:
        return None
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.connect() as connection:
                text = str(connection.execute(sa.text("SHOW server_version")).scalar_one())
        finally:
            engine.dispose()
    except Exception as error:  # the report says why instead of failing the run
        return f"unreachable ({type(error).__name__})"
    return text.split()[0]

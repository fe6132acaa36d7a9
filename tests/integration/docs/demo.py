"""The demo workspace the API quickstarts run against: built once, copied and served per page.

`kpfeed demo --dir T --no-serve` builds the template once; each page gets a copy of it as
`./demo` in its own workspace (a reader's `kpfeed demo` run) and its own `kpfeed demo` server
on a free port, so pages never see each other's organisations, cycles or feedback.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["DOCUMENTED_URL", "build_template", "free_port", "served_demo"]

#: The address the guides show (`kpfeed demo` serves there by default).
DOCUMENTED_URL = "http://127.0.0.1:8000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def build_template(folder: Path, env: Mapping[str, str], cwd: Path) -> Path:
    """Build the demo workspace into `folder` (from the checkout's sample package in `cwd`)."""
    subprocess.run(
        ["kpfeed", "demo", "--dir", str(folder), "--no-serve"],
        cwd=cwd,
        env=dict(env),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


@contextmanager
def served_demo(template: Path, workspace: Path, env: Mapping[str, str]) -> Iterator[str]:
    """Copy the template to `workspace/demo`, serve it as `kpfeed demo` does; yield its URL."""
    shutil.copytree(template, workspace / "demo", symlinks=True)
    port = free_port()
    log = workspace / "demo-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["kpfeed", "demo", "--dir", "demo", "--port", str(port)],
            cwd=workspace,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        yield url
    finally:
        _stop(process)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kpfeed demo exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"kpfeed demo did not become ready: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

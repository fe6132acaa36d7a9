"""A real `kpfeed demo` process, started in a folder as a user starts it, for the walk tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.integration.api.live import free_port

__all__ = ["Demo", "demo_environment", "running_demo"]


@dataclass
class Demo:
    url: str
    root: Path
    process: subprocess.Popen[bytes]
    output: Path
    tokens: dict[str, str]

    def headers(self, handle: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[handle]}", **extra}


def demo_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("KPFEED_", "PROMETHEUS_"))}


@contextmanager
def running_demo(folder: Path) -> Iterator[Demo]:
    """`kpfeed demo --dir demo --port PORT` run in `folder` as a user starts it; stopped after."""
    root, output, port = folder / "demo", folder / "demo.out", free_port()
    command = [sys.executable, "-m", "feed", "demo", "--dir", str(root), "--port", str(port)]
    with output.open("wb") as out:
        process = subprocess.Popen(
            command, env=demo_environment(), stdout=out, stderr=subprocess.STDOUT, cwd=folder
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kpfeed demo exited: {output.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kpfeed demo did not start: {output.read_text()[-3000:]}")
            time.sleep(0.2)
        saved = json.loads((root / "tokens.json").read_text())
        tokens = {handle: entry["token"] for handle, entry in saved["tokens"].items()}
        yield Demo(url, root, process, output, tokens)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

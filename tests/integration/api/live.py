"""A real `kpfeed serve` process on 127.0.0.1 and a free port, started and stopped by a test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A running server: its base URL, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> int:
        """SIGTERM, then wait; SIGKILL if it does not stop. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


def start_server(
    *, database_url: str, public_dir: Path, data_dir: Path, workers: int = 1, **env: str
) -> LiveServer:
    """Start `python -m feed serve` and wait until /healthz answers."""
    port = free_port()
    log = data_dir / f"serve-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("KPFEED_", "PROMETHEUS_"))
    }
    environment |= {
        "KPFEED_DATABASE_URL": database_url,
        "KPFEED_PUBLIC_DIR": str(public_dir),
        "KPFEED_DATA_DIR": str(data_dir),
        **env,
    }
    command = [sys.executable, "-m", "feed", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=out, cwd=REPO)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kpfeed serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"kpfeed serve did not start: {log.read_text()[-2000:]}")

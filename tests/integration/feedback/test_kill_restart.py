"""Reliability: clients retrying with their Idempotency-Keys while the server is SIGKILLed.

64 concurrent clients submit feedback against a real `kpfeed serve` (two workers), retrying
every request that got no answer with the same key. Meanwhile the whole server (supervisor and
workers) is killed with SIGKILL and restarted on the same port, twice. Afterwards every
submission that got a 201 is in the store exactly once, under the id it was answered with, and
no submission is there twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from feed.accounts import Role
from feed.store.db import make_engine
from tests.integration.api.live import REPO, free_port
from tests.integration.faults.scale import FaultScale
from tests.integration.feedback.common import RECORD, RELEASE
from tests.integration.feedback.conftest import Workspace

pytestmark = pytest.mark.slow

CLIENTS = 64
PER_CLIENT = 6


@dataclass
class Server:
    """A `kpfeed serve` process group on a fixed port, restartable after a kill."""

    url: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    start_seconds: list[float] = field(default_factory=list)

    def start(self) -> None:
        began = time.monotonic()
        with self.log.open("ab") as out:
            # A session of its own, so the kill reaches the supervisor and every worker.
            # Restarts skip the migrations, done by the first start (and quicker to come back).
            extra = ["--no-migrate"] if self.starts else []
            self.process = subprocess.Popen(
                self.command + extra,
                env=self.env,
                stdout=out,
                stderr=out,
                cwd=REPO,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kpfeed serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    self.start_seconds.append(time.monotonic() - began)
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"kpfeed serve did not start: {self.log.read_text()[-2000:]}")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)
        self.process.wait(timeout=30)


def launch(store: Workspace, tmp_path: Path, workers: int) -> Server:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPFEED_", "PROMETHEUS_"))}
    env |= {
        "KPFEED_DATABASE_URL": store.url,
        "KPFEED_PUBLIC_DIR": str(tmp_path / "public"),
        "KPFEED_DATA_DIR": str(tmp_path / "var"),
        "KPFEED_FEEDBACK_RATE_PER_MINUTE": "1000000",
    }
    command = [sys.executable, "-m", "feed", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    return Server(f"http://127.0.0.1:{port}", command, env, tmp_path / "serve.log")


@dataclass
class Outcome:
    """What the clients saw."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> id answered with 201
    unanswered: int = 0  # tries that got no HTTP answer (killed mid-request, or refused)
    server_errors: int = 0
    replayed: int = 0


def submission(key: str) -> dict[str, Any]:
    # The key rides along in the comment so the store's rows can be matched to keys.
    return {"kind": "true-positive", "release": RELEASE, "record": RECORD, "comment": key}


async def client_run(url: str, token: str, number: int, outcome: Outcome, stop_at: float) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    timeout = httpx.Timeout(10.0, connect=2.0)
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as client:
        for n in range(PER_CLIENT):
            key = f"client-{number:02d}-{n}"
            body = orjson.dumps(submission(key))
            pause = 0.05
            while time.monotonic() < stop_at:
                try:
                    response = await client.post(
                        "/api/v1/feedback",
                        content=body,
                        headers={**headers, "Idempotency-Key": key},
                    )
                except httpx.TransportError:
                    # Back off while the server is down, as a real client would: 64 clients
                    # hammering a closed port would starve the restarting server of CPU.
                    outcome.unanswered += 1
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 0.8)
                    continue
                if response.status_code == 201:
                    outcome.acknowledged[key] = response.json()["id"]
                    outcome.replayed += response.headers.get("idempotent-replayed") == "true"
                    break
                # Anything else is a failure of the guarantee under test, unless it is a
                # server error from a worker dying: count it and retry the same key.
                assert response.status_code >= 500, response.text
                outcome.server_errors += 1
                await asyncio.sleep(0.05)


async def load_with_kills(server: Server, token: str, kills: int) -> Outcome:
    outcome = Outcome()
    stop_at = time.monotonic() + 120
    clients = [
        asyncio.create_task(client_run(server.url, token, i, outcome, stop_at))
        for i in range(CLIENTS)
    ]
    total = CLIENTS * PER_CLIENT
    for kill in range(1, kills + 1):
        # Kill while submissions are flowing: after a share of them were acknowledged.
        while len(outcome.acknowledged) < total * kill // (kills + 2):
            await asyncio.sleep(0.01)
        await asyncio.to_thread(server.signal, signal.SIGKILL)
        await asyncio.to_thread(server.start)
    await asyncio.gather(*clients)
    return outcome


def stored(url: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(id, comment) of every submission, and idempotency key -> submission id."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, body FROM feedback_submissions")).all()
            keys = connection.execute(
                sa.text("SELECT key, submission_id FROM feedback_idempotency")
            ).all()
    finally:
        engine.dispose()
    submissions = []
    for ident, body in rows:
        data = orjson.loads(body) if isinstance(body, str | bytes) else body
        submissions.append((ident, data["comment"]))
    return submissions, {key: ident for key, ident in keys}


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_acknowledged_submissions_survive_kills_exactly_once(
    tmp_path: Path, store: Workspace, fault_scale: FaultScale
) -> None:
    kills = fault_scale.pick(reduced=2, full=5)
    server = launch(store, tmp_path, workers=2)
    server.start()
    began = time.monotonic()
    try:
        outcome = asyncio.run(load_with_kills(server, store.tokens[Role.COMPANY], kills))
        load_seconds = time.monotonic() - began
    finally:
        server.signal(signal.SIGTERM)
    submissions, keys = stored(store.url)

    expected = {f"client-{c:02d}-{n}" for c in range(CLIENTS) for n in range(PER_CLIENT)}
    assert server.starts == kills + 1
    assert outcome.unanswered > 0, "the kills should have cut some requests off"
    # None lost: every submission was acknowledged in the end, and is stored under its id.
    assert set(outcome.acknowledged) == expected
    by_id = dict(submissions)
    for key, ident in outcome.acknowledged.items():
        assert by_id.get(ident) == key
        assert keys[key] == ident
    # None doubled: one row per key, and no row without a key.
    comments = [comment for _, comment in submissions]
    assert len(comments) == len(set(comments)) == len(expected)
    print(
        f"\n{len(expected)} submissions, {outcome.unanswered} tries cut off, "
        f"{outcome.server_errors} server errors, {outcome.replayed} answered from the key, "
        f"starts took {', '.join(f'{s:.1f}' for s in server.start_seconds)} s, "
        f"load {load_seconds:.1f} s"
    )

"""Fault campaign: the database goes away for a few seconds while a live server is under load.

PostgreSQL: a real `kpfeed serve` (two workers, each with its own connection pool) reaches
PostgreSQL through a TCP proxy (`tcp_proxy.py`). While clients read records, submit feedback
and ask `/readyz`, the proxy is cut (new connections refused, open ones reset: a database
restart or failover, as the server sees it) for 3 seconds, then restored; 1 outage by
default, 3 with `--faults=full` or `KPFEED_FAULTS=full`. Every answer is a success or a 503
`application/problem+json` that says the database cannot be reached and when to retry
(`Retry-After`); none is a 500, none hangs; after each outage the same server processes
answer again within seconds; every submission, retried with its Idempotency-Key, is stored
exactly once.

SQLite: the database is a file inside the server's own processes, so there is no connection to
lose. The real fault is another process holding the write lock (a backup, a long import):
here `BEGIN EXCLUSIVE` held for 3 seconds. Writers wait for it (the busy timeout is 15 s)
instead of failing, readers go on, and nothing fails. A lock held past the busy timeout
makes the waiting request a 503 with Retry-After (the store is busy), not a 409: shown with
the timeout shortened, so the test need not wait 15 s; a stale snapshot stays a conflict.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from feed.accounts import Role
from feed.api.problems import PROBLEM_MEDIA_TYPE, STORE_RETRY_AFTER_SECONDS, library_problem
from feed.errors import ConflictError, StoreUnavailableError
from feed.store import db
from feed.store.db import make_engine
from tests.integration.api.live import LiveServer, start_server
from tests.integration.faults.scale import FaultScale
from tests.integration.faults.tcp_proxy import TcpProxy
from tests.integration.feedback.common import RECORD, RELEASE
from tests.integration.feedback.conftest import Workspace

pytestmark = pytest.mark.slow

CLIENTS = 12
OUTAGE_SECONDS = 3.0
#: Normal load before the first outage, between outages and after the last one.
CALM_SECONDS = 4.0
#: How soon after the database is back every answer must be a success again.
RECOVERY_SECONDS = 2.0


@dataclass
class Answer:
    """One request as a client saw it."""

    sent: float  # seconds since the load began
    seconds: float
    what: str  # read, submit, ready
    status: int
    content_type: str
    retry_after: str | None
    body: bytes


@dataclass
class Load:
    """Clients reading, submitting (retrying with their keys) and probing readiness."""

    server: LiveServer
    token: str
    began: float = field(default_factory=time.monotonic)
    answers: list[Answer] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> submission id
    keys: list[str] = field(default_factory=list)

    async def client(self, number: int, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        timeout = httpx.Timeout(10.0)  # a hung request fails the test through its exception
        async with httpx.AsyncClient(base_url=self.server.url, timeout=timeout) as http:
            n = 0
            while not stop.is_set():
                n += 1
                if number % 3 == 0:
                    await self._submit(http, headers, f"outage-{number:02d}-{n}")
                elif number % 3 == 1:
                    await self._send(http, "read", "GET", f"/api/v1/records/{RECORD}")
                else:
                    await self._send(http, "ready", "GET", "/readyz")
                await asyncio.sleep(0.05)

    async def _send(
        self, http: httpx.AsyncClient, what: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response:
        sent = time.monotonic()
        response = await http.request(method, url, **kwargs)
        self.answers.append(
            Answer(
                sent - self.began,
                time.monotonic() - sent,
                what,
                response.status_code,
                response.headers.get("content-type", ""),
                response.headers.get("retry-after"),
                response.content,
            )
        )
        return response

    async def _submit(self, http: httpx.AsyncClient, headers: dict[str, str], key: str) -> None:
        self.keys.append(key)
        body = orjson.dumps(
            {"kind": "true-positive", "release": RELEASE, "record": RECORD, "comment": key}
        )
        while True:  # retried with the same key until acknowledged, as a client should
            response = await self._send(
                http,
                "submit",
                "POST",
                "/api/v1/feedback",
                content=body,
                headers={**headers, "Idempotency-Key": key},
            )
            if response.status_code == 201:
                self.acknowledged[key] = response.json()["id"]
                return
            await asyncio.sleep(0.2)  # shorter than Retry-After: the test wants to see 503s

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.sent < end]


async def _run_load(load: Load, fault: Any, outages: int) -> list[tuple[float, float]]:
    """Load for CALM, then `outages` times (fault for OUTAGE_SECONDS, CALM); the windows."""
    stop = asyncio.Event()
    clients = [asyncio.create_task(load.client(i, stop)) for i in range(CLIENTS)]
    windows = []
    try:
        await asyncio.sleep(CALM_SECONDS)
        for _ in range(outages):
            start = time.monotonic() - load.began
            await asyncio.to_thread(fault.begin)
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(fault.end)
            windows.append((start, time.monotonic() - load.began))
            await asyncio.sleep(CALM_SECONDS)
    finally:
        stop.set()
        await asyncio.gather(*clients)
    return windows


def _stored(url: str) -> Counter[str]:
    """How often each comment (= idempotency key) is stored."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT body FROM feedback_submissions")).all()
    finally:
        engine.dispose()
    return Counter(
        (orjson.loads(body) if isinstance(body, str | bytes) else body)["comment"]
        for (body,) in rows
    )


def _exactly_once(load: Load, url: str) -> None:
    stored = _stored(url)
    assert set(load.acknowledged) == set(load.keys)  # every submission got its 201
    for key in load.keys:
        assert stored[key] == 1, (key, stored[key])


def _launch(store: Workspace, tmp_path: Path, database_url: str, workers: int) -> LiveServer:
    return start_server(
        database_url=database_url,
        public_dir=tmp_path / "public",
        data_dir=tmp_path / "var",
        workers=workers,
        KPFEED_FEEDBACK_RATE_PER_MINUTE="1000000",
    )


@dataclass
class ProxyCut:
    proxy: TcpProxy

    def begin(self) -> None:
        self.proxy.cut()

    def end(self) -> None:
        self.proxy.restore()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_outage_answers_503_then_recovers_without_restart(
    store: Workspace, tmp_path: Path, fault_scale: FaultScale
) -> None:
    outages = fault_scale.pick(reduced=1, full=3)
    url = make_url(store.url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        server = _launch(store, tmp_path, proxied, workers=2)
        try:
            load = Load(server, store.tokens[Role.COMPANY])
            windows = asyncio.run(_run_load(load, ProxyCut(proxy), outages))
            assert server.process.poll() is None, "the server stopped"
        finally:
            server.stop()
    log = server.log.read_text()

    statuses = Counter((a.what, a.status) for a in load.answers)
    assert {status for _, status in statuses} <= {200, 201, 503}, statuses
    refused = [a for a in load.answers if a.status == 503]
    for answer in refused:
        assert answer.content_type == PROBLEM_MEDIA_TYPE
        assert answer.retry_after == str(STORE_RETRY_AFTER_SECONDS)
        problem = orjson.loads(answer.body)
        assert problem["type"] == "urn:kpfeed:problem:store-unavailable"
        assert problem["title"] == "Store unavailable"
        assert "database cannot be reached" in problem["detail"]
        assert problem["retry_after"] == STORE_RETRY_AFTER_SECONDS
        assert answer.seconds < 5, "a refusal should be quick, not wait out a timeout"
    for start, end in windows:
        during = load.between(start + 0.5, end)
        for what in ("read", "submit", "ready"):
            assert any(a.what == what and a.status == 503 for a in during), (what, statuses)
        # Up to half a second before the next cut: a request still in flight then is cut off.
        after = load.between(end + RECOVERY_SECONDS, end + CALM_SECONDS - 0.5)
        assert after, "no load after the outage"
        late = [(round(a.sent - end, 2), a.what, a.status, a.body[:300]) for a in after]
        assert all(a.status in (200, 201) for a in after), [x for x in late if x[2] >= 300]
    before = load.between(0, windows[0][0] - 1)  # answered before the cut
    assert before
    assert all(a.status in (200, 201) for a in before), [
        (round(a.sent, 2), a.what, a.status, a.body[:200]) for a in before if a.status >= 300
    ]
    # The same processes recovered: no worker died and was replaced.
    assert "died" not in log
    assert "Traceback" not in log
    _exactly_once(load, store.url)
    print(
        f"\n{len(load.answers)} requests, {len(refused)} refused with 503 during "
        f"{outages} outage(s) of {OUTAGE_SECONDS:.0f} s; {proxy.connections} connections "
        f"to PostgreSQL; {dict(statuses)}"
    )


@dataclass
class ExclusiveLock:
    """Another process's write lock on the SQLite file, taken and released on demand."""

    path: str
    connection: sqlite3.Connection | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self) -> None:
        self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.connection.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        assert self.connection is not None
        self.connection.execute("ROLLBACK")
        self.connection.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_write_lock_held_elsewhere_makes_writers_wait_not_fail(
    store: Workspace, tmp_path: Path, fault_scale: FaultScale
) -> None:
    outages = fault_scale.pick(reduced=1, full=3)
    server = _launch(store, tmp_path, store.url, workers=1)
    lock = ExclusiveLock(str(make_url(store.url).database))
    try:
        load = Load(server, store.tokens[Role.COMPANY])
        windows = asyncio.run(_run_load(load, lock, outages))
        assert server.process.poll() is None, "the server stopped"
    finally:
        server.stop()
    statuses = Counter((a.what, a.status) for a in load.answers)
    assert {status for _, status in statuses} <= {200, 201}, statuses
    for start, end in windows:
        during = load.between(start + 0.5, end - 0.5)
        # Readers are not blocked by a writer in WAL mode; writers wait for the lock.
        assert any(a.what == "read" for a in during)
        # Submissions in flight while the lock was held (sent before or during it).
        waited = [
            a
            for a in load.answers
            if a.what == "submit" and a.sent < end and a.sent + a.seconds > start
        ]
        assert max(a.seconds for a in waited) > OUTAGE_SECONDS / 2
    _exactly_once(load, store.url)
    print(f"\n{len(load.answers)} requests, none failed, {dict(statuses)}")


# -- SQLite's lock past the busy timeout, without waiting 15 s for it


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> int:
    """Engines made from now on wait 0.3 s for SQLite's locks instead of 15 s."""
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    return 300


def _scratch(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE IF NOT EXISTS scratch (n INTEGER)")
    return other


def _insert(
    engine: sa.Engine, n: int, *, after_reading: Callable[[], object] | None = None
) -> None:
    """Insert `n` in one transaction; `after_reading` runs once it has read (its snapshot)."""
    with db.transaction(engine) as session:
        if after_reading is not None:
            session.execute(sa.text("SELECT count(*) FROM scratch")).all()
            after_reading()
        session.execute(sa.text("INSERT INTO scratch VALUES (:n)"), {"n": n})


def test_a_sqlite_lock_held_past_the_busy_timeout_is_a_503_not_a_conflict(
    tmp_path: Path, short_busy_timeout: int
) -> None:
    path = tmp_path / "kpfeed.db"
    other = _scratch(path)
    engine = make_engine(f"sqlite:///{path}")
    other.execute("BEGIN EXCLUSIVE")  # a backup, a long import: another connection's lock
    try:
        with pytest.raises(StoreUnavailableError, match="busy") as caught:
            _insert(engine, 1)
    finally:
        other.execute("ROLLBACK")
    answer = library_problem(caught.value, "/api/v1/feedback")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == str(STORE_RETRY_AFTER_SECONDS)
    # The lock gone, the same engine writes again: nothing to restart.
    _insert(engine, 2)
    assert other.execute("SELECT n FROM scratch").fetchall() == [(2,)]
    engine.dispose()
    other.close()


def test_a_stale_sqlite_snapshot_is_still_a_conflict(
    tmp_path: Path, short_busy_timeout: int
) -> None:
    path = tmp_path / "kpfeed.db"
    other = _scratch(path)
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(ConflictError, match="happened meanwhile"):
        _insert(engine, 2, after_reading=lambda: other.execute("INSERT INTO scratch VALUES (1)"))
    assert other.execute("SELECT n FROM scratch").fetchall() == [(1,)]
    engine.dispose()
    other.close()

"""Feedback ingest throughput: `kpfeed serve` on SQLite and PostgreSQL against a bare endpoint.

    python -m bench.feedback_bench [--seconds 5] [--rounds 3] [--postgres URL] [--json PATH]

A workspace is set up in a temporary folder for each store: migrated, a few synthetic records
in a published release, a company organisation with its token, and an open feedback cycle.
`kpfeed serve` (one worker) then takes `POST /api/v1/feedback` true-positive submissions, each
with an Idempotency-Key of its own, and stores every one. The baseline, measured in the same run
in alternating rounds, is a bare FastAPI endpoint on uvicorn (one worker) that reads the same
body, parses the JSON and answers 201 without storing anything. Servers run as separate
processes on 127.0.0.1 free ports; the load comes from `wrk` with a Lua script (a bounded httpx
client when wrk is missing). Target (issue 5): kpfeed >= 30% of the bare endpoint's rate.
After the run the store must hold at least as many submissions as were answered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from bench.feed_get_bench import free_port, pinned
from bench.results import Row, Stats, Target, write_rows

REPO = Path(__file__).resolve().parent.parent
RELEASE = "2026.1"
TARGET = Target(">=", 0.3, "issue 5")

BARE_APP = """
import sys, uuid
import orjson, uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()

@app.post("/api/v1/feedback", status_code=201)
async def feedback(request: Request) -> Response:
    data = orjson.loads(await request.body())
    ident = uuid.uuid4().hex
    body = orjson.dumps({"id": ident, "kind": data["kind"], "status": "received"})
    return Response(body, status_code=201, media_type="application/json",
                    headers={"Location": f"/api/v1/feedback/{ident}"})

@app.get("/readyz")
async def ready() -> dict[str, str]:
    return {"status": "ok"}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False,
            log_level="warning", server_header=False)
"""

# Each request gets an Idempotency-Key of its own: the run's prefix and a counter (wrk -t1).
WRK_SCRIPT = """
local prefix = "bench"
local counter = 0
function init(args)
  prefix = args[1]
end
function request()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
  return wrk.format("POST")
end
"""


def setup_workspace(url: str) -> tuple[str, str]:
    """Migrate, publish a small release, add a company and open a cycle: (token, record id)."""
    from feed.accounts import OrganisationKind
    from feed.feedback import create_cycle, open_cycle
    from feed.model import PackageManifest
    from feed.releasing import approve_release, create_release
    from feed.store import import_records, make_engine, migrate, set_manifest, transaction
    from feed.store.accounts import add_organisation
    from feed.store.releases import set_release_published
    from feed.synthetic import synthetic_records

    records = list(synthetic_records(20))
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        migrate(engine)
        with transaction(engine) as session:
            manifest = PackageManifest(name="synthetic", title="Synthetic", publisher="bench")
            set_manifest(session, manifest, actor="bench-a")
            import_records(session, records, author="bench-a", approve=True)
            create_release(session, RELEASE, notes="Benchmark.", created_by="bench-a", now=now)
            approve_release(session, RELEASE, approver="bench-b", now=now)
            set_release_published(session, RELEASE, at=now)
            _, issued = add_organisation(
                session, "Synthetic Company", OrganisationKind.COMPANY, actor="bench"
            )
            create_cycle(
                session,
                "2026",
                window_start=now - timedelta(days=1),
                window_end=now + timedelta(days=30),
                release_target="autumn",
                actor="bench-a",
            )
            open_cycle(session, "2026", actor="bench-a")
    finally:
        engine.dispose()
    return issued.token, records[3].id


def stored_submissions(url: str) -> int:
    import sqlalchemy as sa

    from feed.store import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(sa.text("SELECT count(*) FROM feedback_submissions"))
            return int(count.scalar_one())
    finally:
        engine.dispose()


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database on the server of `admin_url`, dropped afterwards."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"kpfeed_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def server(command: list[str], ready_url: str, env: dict[str, str], log: Path) -> Iterator[None]:
    """A server process pinned to CPU 0, ready when `ready_url` answers 200; stopped after."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*pinned(0), *command], env=env, stdout=out, stderr=out, cwd=REPO
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(ready_url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_wrk_post(
    url: str, seconds: float, connections: int, headers: dict[str, str], body: bytes, prefix: str
) -> tuple[float, int]:
    """(requests/s, requests answered) of wrk POSTing `body`, each with a new key."""
    with tempfile.TemporaryDirectory(prefix="kpfeed-wrk-") as tmp:
        script = Path(tmp) / "post.lua"
        body_lua = body.decode().replace("\\", "\\\\").replace('"', '\\"')
        script.write_text(f'wrk.method = "POST"\nwrk.body = "{body_lua}"\n' + WRK_SCRIPT)
        cmd = [*pinned(1), "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
        cmd += ["-s", str(script)]
        for name, value in headers.items():
            cmd += ["-H", f"{name}: {value}"]
        out = subprocess.run(
            [*cmd, url, "--", prefix], capture_output=True, text=True, check=True
        ).stdout
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    if rate is None or done is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if failed:
        raise RuntimeError(f"{failed.group(1)} failed responses from {url}:\n{out}")
    return float(rate.group(1)), int(done.group(1))


def run_httpx_post(
    url: str, seconds: float, connections: int, headers: dict[str, str], body: bytes, prefix: str
) -> tuple[float, int]:
    """As `run_wrk_post` with a bounded async httpx client (slower: the ratio is what counts)."""

    async def worker(client: httpx.AsyncClient, stop: float, counts: list[int]) -> None:
        while time.monotonic() < stop:
            counts[0] += 1
            key = {"Idempotency-Key": f"{prefix}-{counts[0]}"}
            response = await client.post(url, content=body, headers=headers | key)
            if response.status_code != 201:
                raise RuntimeError(f"{response.status_code} from {url}: {response.text}")
            counts[1] += 1

    async def main() -> tuple[float, int]:
        counts = [0, 0]
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            start = time.monotonic()
            stop = start + seconds
            await asyncio.gather(*(worker(client, stop, counts) for _ in range(connections)))
            return counts[1] / (time.monotonic() - start), counts[1]

    return asyncio.run(main())


Load = Callable[[str, float, dict[str, str], bytes, str], tuple[float, int]]


def make_load(connections: int) -> tuple[str, Load]:
    if shutil.which("wrk"):

        def wrk(
            url: str, seconds: float, headers: dict[str, str], body: bytes, prefix: str
        ) -> tuple[float, int]:
            return run_wrk_post(url, seconds, connections, headers, body, prefix)

        return f"wrk, {connections} connections", wrk

    def bounded(
        url: str, seconds: float, headers: dict[str, str], body: bytes, prefix: str
    ) -> tuple[float, int]:
        return run_httpx_post(url, seconds, connections, headers, body, prefix)

    return f"httpx (bounded client), {connections} connections", bounded


def measure_store(label: str, url: str, work: Path, load: Load, seconds: float, rounds: int) -> Row:
    """Alternating rounds of kpfeed serve over the store at `url` and of the bare endpoint."""
    token, record = setup_workspace(url)
    body = orjson.dumps({"kind": "true-positive", "release": RELEASE, "record": record})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPFEED_")}
    env |= {
        "KPFEED_DATABASE_URL": url,
        "KPFEED_PUBLIC_DIR": str(work / "public"),
        "KPFEED_DATA_DIR": str(work / "var"),
        "KPFEED_FEEDBACK_RATE_PER_MINUTE": "1000000000",
    }
    (work / "public").mkdir(exist_ok=True)
    ours_port, bare_port = free_port(), free_port()
    ours_cmd = [sys.executable, "-m", "feed", "serve", "--port", str(ours_port), "--no-migrate"]
    bare_cmd = [sys.executable, "-c", BARE_APP, str(bare_port)]
    ours_url = f"http://127.0.0.1:{ours_port}/api/v1/feedback"
    bare_url = f"http://127.0.0.1:{bare_port}/api/v1/feedback"
    ours_runs: list[float] = []
    bare_runs: list[float] = []
    answered = 0
    with (
        server(ours_cmd, f"http://127.0.0.1:{ours_port}/readyz", env, work / "serve.log"),
        server(bare_cmd, f"http://127.0.0.1:{bare_port}/readyz", env, work / "bare.log"),
    ):
        run_id = uuid.uuid4().hex[:8]
        # Warm-up: lazy imports, connection pools, SQLite page cache.
        answered += load(ours_url, 1, headers, body, f"{run_id}-warm")[1]
        load(bare_url, 1, headers, body, f"{run_id}-warm")
        for n in range(rounds):
            rate, done = load(ours_url, seconds, headers, body, f"{run_id}-{n}")
            ours_runs.append(rate)
            answered += done
            bare_runs.append(load(bare_url, seconds, headers, body, f"{run_id}-{n}")[0])
    stored = stored_submissions(url)
    if stored < answered:
        raise RuntimeError(f"{label}: {answered} submissions answered but {stored} stored")
    return Row(
        benchmark="feedback",
        name=f"feedback ingest, {label}",
        unit="req/s",
        better="higher",
        figure=Stats.of(ours_runs),
        baseline_name="bare FastAPI endpoint (parses, stores nothing)",
        baseline=Stats.of(bare_runs),
        target=TARGET,
        extra={"stored": stored},
        note=f"{stored} submissions stored, each with its own Idempotency-Key",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per store")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("KPFEED_TEST_DATABASE_URL"),
        help="PostgreSQL server to make a scratch database on (default: "
        "$KPFEED_TEST_DATABASE_URL; SQLite only without it)",
    )
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    tool, load = make_load(args.connections)
    print(f"feedback ingest; load: {tool}, {args.seconds:g} s runs, {args.rounds} rounds")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kpfeed-bench-") as tmp:
        work = Path(tmp) / "sqlite"
        work.mkdir()
        rows.append(
            measure_store(
                "SQLite", f"sqlite:///{work / 'kpfeed.db'}", work, load, args.seconds, args.rounds
            )
        )
        if args.postgres:
            work = Path(tmp) / "postgres"
            work.mkdir()
            with scratch_postgres(args.postgres) as url:
                rows.append(measure_store("PostgreSQL", url, work, load, args.seconds, args.rounds))
    print(f"{'store':<28}{'kpfeed r/s':>12}{'bare r/s':>12}{'ratio':>8}  (median; min-max)")
    for row in rows:
        f, b = row.figure, row.baseline
        print(
            f"{row.name:<28}{f.median:>12.0f}{b.median:>12.0f}{row.ratio:>8.0%}  "
            f"({f.min:.0f}-{f.max:.0f}; {b.min:.0f}-{b.max:.0f})  target >= 30%: "
            f"{TARGET.verdict(row.ratio)}"
        )
    if args.json:
        write_rows(args.json, "feedback", rows, load=tool, seconds=args.seconds)


if __name__ == "__main__":
    main()

"""Feed GET throughput: `kpfeed serve` against uvicorn + Starlette StaticFiles on the same file.

Both servers run as separate processes on 127.0.0.1 with one worker each; the load comes from a
third process: `wrk` when it is installed (Debian package `wrk`), otherwise a bounded httpx
client (much slower itself, so the ratio is then the meaningful figure). Measured for a 200
(full body) and a 304 (If-None-Match with the server's own ETag). Target: kpfeed >= 50% of
the baseline's requests per second. Prints the figures and ratios; asserts nothing.

    .venv/bin/python bench/feed_get_bench.py [--seconds 5] [--records 300] [--connections 32]
        [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from feed.model import dump_record
from feed.synthetic import synthetic_records

REPO = Path(__file__).resolve().parent.parent

BASELINE_APP = """
import sys
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
import uvicorn

app = Starlette(routes=[Mount("/feed", app=StaticFiles(directory=sys.argv[1]))])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), access_log=False,
            log_level="warning", server_header=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_published(root: Path, records: int) -> Path:
    """A published generation with a JSON Feed of synthetic records, behind a symlink."""
    generation = root / "generations" / "g1"
    generation.mkdir(parents=True)
    items = [
        {"id": r.id, "title": r.name, "_kpfeed": dump_record(r)} for r in synthetic_records(records)
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Synthetic", "items": items}
    (generation / "feed.json").write_bytes(orjson.dumps(doc))
    link = root / "public"
    link.symlink_to(generation)
    return link


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


def pinned(cpu: int) -> list[str]:
    """Pin a process to one CPU when `taskset` exists, so server and load do not fight."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu)]
    return []


def run_wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    cmd = [*pinned(1), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed responses from {url}")
    return float(match.group(1))


def run_httpx(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    async def worker(client: httpx.AsyncClient, stop: float, counts: list[int]) -> None:
        while time.monotonic() < stop:
            response = await client.get(url, headers=headers)
            if response.status_code not in (200, 304):
                raise RuntimeError(f"{response.status_code} from {url}")
            counts[0] += 1

    async def main() -> float:
        counts = [0]
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits) as client:
            start = time.monotonic()
            stop = start + seconds
            await asyncio.gather(*(worker(client, stop, counts) for _ in range(connections)))
            return counts[0] / (time.monotonic() - start)

    return asyncio.run(main())


def measure(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    if shutil.which("wrk"):
        run_wrk(url, 1, connections, headers)  # warm-up: caches, JIT-free but lazy imports
        return run_wrk(url, seconds, connections, headers)
    return run_httpx(url, seconds, connections, headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="Length of each run.")
    parser.add_argument("--records", type=int, default=300, help="Synthetic records in the feed.")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent connections.")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds per case.")
    parser.add_argument("--json", type=Path, help="Also write every round's figures here.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kpfeed-bench-") as tmp:
        root = Path(tmp)
        public = write_published(root, args.records)
        size = (public / "feed.json").stat().st_size
        ours_port, base_port = free_port(), free_port()
        env = os.environ | {
            "KPFEED_PUBLIC_DIR": str(public),
            "KPFEED_DATA_DIR": str(root / "var"),
            "KPFEED_DATABASE_URL": f"sqlite:///{root / 'kpfeed.db'}",
        }
        log = (root / "kpfeed.log").open("wb")
        ours = subprocess.Popen(
            [*pinned(0), sys.executable, "-m", "feed", "serve", "--port", str(ours_port)],
            env=env,
            stdout=log,
            stderr=log,
            cwd=REPO,
        )
        base = subprocess.Popen(
            [*pinned(0), sys.executable, "-c", BASELINE_APP, str(public), str(base_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            ours_url = f"http://127.0.0.1:{ours_port}/feed/feed.json"
            base_url = f"http://127.0.0.1:{base_port}/feed/feed.json"
            wait_ready(ours_url, ours)
            wait_ready(base_url, base)
            # wrk sends no Accept-Encoding, so ask for the identity representation's ETag.
            identity = {"Accept-Encoding": "identity"}
            ours_etag = httpx.get(ours_url, headers=identity).headers["etag"]
            base_etag = httpx.get(base_url, headers=identity).headers["etag"]
            tool = "wrk" if shutil.which("wrk") else "httpx (bounded client)"
            print(
                f"feed.json: {size} bytes, {args.records} synthetic records; load: {tool}, "
                f"{args.connections} connections, {args.seconds} s per run"
            )
            print(f"median of {args.rounds} alternating rounds (the machine may be shared)")
            rows = []
            runs: dict[str, dict[str, list[float]]] = {}
            for label, ours_headers, base_headers in (
                ("GET 200", {}, {}),
                ("GET 304", {"If-None-Match": ours_etag}, {"If-None-Match": base_etag}),
            ):
                ours_runs, base_runs = [], []
                for _ in range(args.rounds):
                    ours_runs.append(
                        measure(ours_url, args.seconds, args.connections, ours_headers)
                    )
                    base_runs.append(
                        measure(base_url, args.seconds, args.connections, base_headers)
                    )
                rows.append((label, statistics.median(ours_runs), statistics.median(base_runs)))
                runs[label] = {"kpfeed": ours_runs, "baseline": base_runs}
            print(f"{'case':<10}{'kpfeed serve':>16}{'StaticFiles':>16}{'ratio':>10}")
            for label, ours_rps, base_rps in rows:
                ratio = ours_rps / base_rps
                print(f"{label:<10}{ours_rps:>12.0f} r/s{base_rps:>12.0f} r/s{ratio:>9.0%}")
            print("target: kpfeed serve >= 50% of StaticFiles")
            if args.json:
                doc = {"tool": tool, "bytes": size, "seconds": args.seconds, "runs": runs}
                args.json.write_text(json.dumps(doc))
        finally:
            for proc in (ours, base):
                proc.terminate()
            for proc in (ours, base):
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()


if __name__ == "__main__":
    main()

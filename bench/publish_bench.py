"""Benchmark: create + publish a release of N synthetic records, beside an orjson baseline.

    python -m bench.publish_bench [--sizes 1000,10000,100000] [--repeat N] [--json PATH]

For each size, in this run: a fresh SQLite store is filled (not timed), then a child process
creates, approves and publishes release 2022.1 (timed: wall time and peak RSS), and another
child serializes the same records with orjson and hashes the bytes (the baseline). Children keep the
measurements apart: each peak RSS is that process's own. Target: at most 4x the baseline's time
at 100k, and memory growing linearly with the record count. The baseline is the median of 5
runs in its process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = {"name": "synthetic", "title": "Synthetic benchmark catalogue", "publisher": "bench"}
BASELINE_RUNS = 5  # one run swings by half on a shared machine: the baseline is their median


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_baseline(count: int) -> dict[str, Any]:
    """Serialize the records with orjson and hash the bytes (records built first, untimed),
    BASELINE_RUNS times: the median run is the baseline, min and max are kept."""
    import orjson

    from feed.model import dump_record
    from feed.synthetic import synthetic_records

    records = list(synthetic_records(count))
    walls, cpus = [], []
    for _ in range(BASELINE_RUNS):
        start, cpu = time.perf_counter(), _cpu()
        digest = hashlib.sha256()
        for record in records:
            digest.update(orjson.dumps(dump_record(record), option=orjson.OPT_SORT_KEYS))
        digest.hexdigest()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return {
        "seconds": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "seconds_min_max": [min(walls), max(walls)],
        "cpu_min_max": [min(cpus), max(cpus)],
        "peak_mb": _peak_mb(),
    }


def child_publish(database_url: str, key_dir: str, out_dir: str) -> dict[str, Any]:
    """Create, approve and publish release 2022.1 from the filled store."""
    from feed.config import Settings
    from feed.releasing import PublishOptions, approve_release, create_release, publish_release
    from feed.sign.keys import load_keyring
    from feed.store import make_engine, transaction

    engine = make_engine(database_url)
    keyring = load_keyring(Path(key_dir), None)
    options = PublishOptions.from_settings(Settings())
    now = datetime.now(UTC)
    start, cpu = time.perf_counter(), _cpu()
    with transaction(engine) as session:
        create_release(session, "2022.1", notes="Benchmark.", created_by="bench-a", now=now)
        approve_release(session, "2022.1", approver="bench-b", now=now)
    created_cpu = _cpu()
    report = publish_release(
        engine, "2022.1", Path(out_dir), keyring=keyring, options=options, now=now
    )
    end, end_cpu = time.perf_counter(), _cpu()
    package = Path(out_dir) / "package.json"
    return {
        "seconds": end - start,
        "cpu": end_cpu - cpu,
        "create_cpu": created_cpu - cpu,
        "publish_cpu": end_cpu - created_cpu,
        "peak_mb": _peak_mb(),
        "files": len(report.files),
        "package_mb": package.stat().st_size / 1e6,
    }


def _fill(count: int, workdir: Path) -> tuple[str, Path]:
    """A store holding `count` approved synthetic records, and a key ring (not timed)."""
    from feed.model import PackageManifest
    from feed.sign.keys import init_keys
    from feed.store import import_records, make_engine, migrate, set_manifest, transaction
    from feed.synthetic import synthetic_records

    url = f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    with transaction(engine) as session:
        set_manifest(session, PackageManifest(**CATALOGUE), actor="bench-a")
        import_records(session, synthetic_records(count), author="bench-a", approve=True)
    engine.dispose()
    key_dir = workdir / "keys"
    init_keys(key_dir, passphrase=None, now=datetime.now(UTC))
    return url, key_dir


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.publish_bench", "--child", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return result


def run(sizes: list[int], repeat: int = 1, json_path: Path | None = None) -> None:
    print(
        "create + publish vs baseline (orjson + sha256 of the same records), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    header = (
        f"{'records':>8} {'base s':>7} {'base cpu':>9} {'pub s':>7} {'pub cpu':>8} "
        f"{'create':>7} {'publish':>8} {'ratio':>6} {'base MB':>8} {'pub MB':>7} {'pkg MB':>7}"
    )
    print(header)
    print(f"{'':>8} {'':>7} {'':>9} {'':>7} {'':>8} {'cpu':>7} {'cpu':>8} {'(cpu)':>6}")
    rows = []
    runs: list[dict[str, Any]] = []
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix="kpfeed-bench-") as tmp:
            workdir = Path(tmp)
            url, key_dir = _fill(count, workdir)
            filled = workdir / "filled.db"
            shutil.copyfile(workdir / "bench.db", filled)
            bases, pubs = [], []
            for n in range(repeat):  # each run publishes from the same filled store
                shutil.copyfile(filled, workdir / "bench.db")
                bases.append(_child("baseline", str(count)))
                pubs.append(_child("publish", url, str(key_dir), str(workdir / f"public-{n}")))
            runs.append({"count": count, "baseline": bases, "publish": pubs})
            base = sorted(bases, key=lambda r: r["cpu"])[len(bases) // 2]
            pub = sorted(pubs, key=lambda r: r["cpu"])[len(pubs) // 2]
        ratio = pub["cpu"] / base["cpu"]
        rows.append((count, base, pub, ratio))
        print(
            f"{count:>8} {base['seconds']:>7.2f} {base['cpu']:>9.2f} {pub['seconds']:>7.2f} "
            f"{pub['cpu']:>8.2f} {pub['create_cpu']:>7.2f} {pub['publish_cpu']:>8.2f} "
            f"{ratio:>6.1f} {base['peak_mb']:>8.0f} {pub['peak_mb']:>7.0f} "
            f"{pub['package_mb']:>7.1f}",
            flush=True,
        )
    if json_path:
        json_path.write_text(json.dumps({"sizes": runs}))
    if len(rows) > 1:
        (n0, _, p0, _), (n1, _, p1, _) = rows[0], rows[-1]
        per = (p1["peak_mb"] - p0["peak_mb"]) / (n1 - n0) * 1000
        print(f"peak memory grows {per:.1f} MB per 1000 records between {n0} and {n1}")
    big = rows[-1]
    verdict = "meets" if big[3] <= 4 else "misses"
    print(
        f"at {big[0]} records create + publish takes {big[3]:.1f}x the baseline's CPU time: "
        f"{verdict} the 4x target"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=1, help="runs at each size")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_baseline(int(rest[0])) if kind == "baseline" else child_publish(*rest)
        print(json.dumps(result))
        return
    run([int(s) for s in args.sizes.split(",")], args.repeat, args.json)


if __name__ == "__main__":
    main()

"""Validate + import N synthetic records into SQLite and PostgreSQL, beside a pydantic baseline.

    python -m bench.import_bench --count 100000 [--postgres URL] [--format json|yaml]
        [--repeat N] [--json PATH]

Baseline (measured in the same run): pydantic-only validation (`parse_record`) of the same
records' data, already in memory. Measured: `feed.validate.load_and_validate` over the records
written as a package source (reading, JSON Schema, pydantic, catalogue rules), then
`feed.store.import_records` in one transaction, committed. Target: validate + import within 5x
the baseline. Each phase runs in its own process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 5.0


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phase_baseline(count: int) -> dict[str, Any]:
    from feed.model import parse_record
    from feed.synthetic import synthetic_record_data

    data = [synthetic_record_data(n) for n in range(count)]
    start = time.perf_counter()
    for item in data:
        parse_record(item)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def _phase_store(count: int, source: Path, url: str) -> dict[str, Any]:
    from feed.store import import_records, make_engine, migrate, transaction
    from feed.validate import load_and_validate

    engine = make_engine(url)
    migrate(engine)
    start = time.perf_counter()
    validated = load_and_validate([source])
    validated_at = time.perf_counter()
    with transaction(engine) as session:
        result = import_records(session, validated.records, author="bench")
    done = time.perf_counter()
    engine.dispose()
    if result.added != count:
        raise SystemExit(f"expected {count} records added, got {result}")
    return {
        "seconds": done - start,
        "validate_seconds": validated_at - start,
        "import_seconds": done - validated_at,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _write_source(count: int, directory: Path, fmt: str) -> None:
    """The synthetic records' data as editor files, laid out as `write_package` lays them out.

    Written straight from the same data the baseline validates (no model round trip), and
    without `write_package`'s fsync per file, which takes minutes for 100k files.
    """
    from feed.model import PackageManifest
    from feed.source import RECORD_DIRS, write_package
    from feed.source_parse import dump_json
    from feed.source_yaml import dump_yaml
    from feed.synthetic import synthetic_record_data

    manifest = PackageManifest(
        name="synthetic", title="Synthetic benchmark package", publisher="kpfeed bench"
    )
    write_package(directory, manifest, [])
    folders = {rtype: directory / folder for folder, rtype in RECORD_DIRS.items()}
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    dump = dump_json if fmt == "json" else dump_yaml
    for n in range(count):
        data = synthetic_record_data(n)
        slug = data["id"].split(":", 1)[1]
        (folders[data["type"]] / f"{slug}.{fmt}").write_bytes(dump(data))


def _child(args: list[str]) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.import_bench", *args],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _scratch_database(admin_url: str) -> tuple[str, Any]:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"kpfeed_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


def _report(count: int, fmt: str, results: dict[str, dict[str, Any]]) -> None:
    base = results["baseline"]["seconds"]

    def row(label: str, seconds: float, peak: float | None = None) -> None:
        memory = f"{peak:>8.0f}MB" if peak is not None else ""
        print(
            f"{label:<36} {seconds:>9.2f} {count / seconds:>10.0f} {seconds / base:>10.2f}x "
            f"{memory:>10}"
        )

    print(f"\nimport benchmark: {count} synthetic records, source files as {fmt}")
    print(f"{'phase':<36} {'seconds':>9} {'records/s':>10} {'x baseline':>11} {'peak RSS':>10}")
    row("baseline: pydantic validation only", base, results["baseline"]["peak_rss_mb"])
    for name, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        if name in results:
            r = results[name]
            row(f"validate + import, {label}", r["seconds"], r["peak_rss_mb"])
            row("  validate (feed.validate)", r["validate_seconds"])
            row("  import (feed.store, committed)", r["import_seconds"])
    worst = max(r["seconds"] for k, r in results.items() if k != "baseline") / base
    verdict = "within" if worst <= TARGET_RATIO else "OVER"
    print(f"target: validate + import <= {TARGET_RATIO:.0f}x baseline -> {verdict} ({worst:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server (a scratch database is created on it and dropped afterwards)",
    )
    parser.add_argument("--format", choices=["json", "yaml"], default="json")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each phase")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument("--phase", choices=["baseline", "store"], help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "baseline":
        print(json.dumps(_phase_baseline(args.count)))
        return
    if args.phase == "store":
        print(json.dumps(_phase_store(args.count, args.source, args.url)))
        return

    with tempfile.TemporaryDirectory(prefix="kpfeed-bench-") as tmp:
        source = Path(tmp) / "source"
        print(f"writing {args.count} synthetic records to {source} ...", file=sys.stderr)
        _write_source(args.count, source, args.format)
        common = ["--count", str(args.count), "--source", str(source)]
        runs: dict[str, list[dict[str, Any]]] = {}
        for n in range(args.repeat):
            print(f"baseline ({n + 1}/{args.repeat}) ...", file=sys.stderr)
            baseline = _child(["--phase", "baseline", "--count", str(args.count)])
            runs.setdefault("baseline", []).append(baseline)
            print("SQLite ...", file=sys.stderr)
            sqlite_url = f"sqlite:///{Path(tmp) / f'bench-{n}.db'}"
            sqlite = _child(["--phase", "store", *common, "--url", sqlite_url])
            runs.setdefault("sqlite", []).append(sqlite)
            if args.postgres:
                print("PostgreSQL ...", file=sys.stderr)
                url, drop = _scratch_database(args.postgres)
                try:
                    pg = _child(["--phase", "store", *common, "--url", url])
                    runs.setdefault("postgres", []).append(pg)
                finally:
                    drop()
    # The printed table shows the median run of each phase; --json keeps every run.
    results = {
        name: sorted(rs, key=lambda r: r["seconds"])[len(rs) // 2] for name, rs in runs.items()
    }
    if args.json:
        args.json.write_text(json.dumps({"count": args.count, "format": args.format, "runs": runs}))
    _report(args.count, args.format, results)


if __name__ == "__main__":
    main()

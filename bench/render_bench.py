"""Rendering every published format for 1k/10k/100k synthetic records, beside an orjson baseline.

Run: `python -m bench.render_bench [--sizes 1000,10000,100000]`.

Each step runs in its own forked process, so one step's garbage or allocator arenas cannot
flatter or burden the next: the child resets its peak-RSS mark (`/proc/self/clear_refs`),
runs the step once, and reports wall time, CPU time, output size and how far its resident
memory rose above where it started (the records, shared with the parent, are already counted
in the starting point). The baseline serializes the same records with orjson (one list,
`dump_record` per record) and hashes the bytes with SHA-256, as `records_digest`-style
publishing must at least do; it is shown as written (GC on) and with the collector paused the
way the renderers pause it, and ratios are taken against the faster of the two. "peak MiB" is
the rise of resident memory during the step; "out MiB" the bytes the step produced.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import re
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from feed.model import (
    Change,
    ChangeSet,
    Counts,
    PublishedPackage,
    ReleaseInfo,
    dump_record,
    records_digest,
)
from feed.render import (
    FeedLinks,
    render_atom_feed,
    render_changes,
    render_json_feed,
    render_package,
    render_release_index,
)
from feed.render.common import gc_paused
from feed.synthetic import synthetic_records

CATALOGUE = "euif-knowledge-package"
LINKS = FeedLinks("https://feed.example.org/kp/", "https://api.example.org/api/v1/")
INDEX_RELEASES = 45  # two full archive pages and a partial current document at page size 20
PAGE_SIZE = 20


@dataclass(frozen=True)
class Figures:
    """What one step measured."""

    wall: float
    cpu: float
    out_bytes: int
    peak_rss_growth: int | None


def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        return False
    return True


def _measure_here(step: Callable[[], int]) -> Figures:
    gc.collect()
    can_peak = _reset_peak()
    start_rss = _status_kib("VmRSS")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    size = step()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    peak = _status_kib("VmHWM") if can_peak else None
    growth = (peak - start_rss) * 1024 if peak is not None and start_rss is not None else None
    return Figures(wall=wall, cpu=cpu, out_bytes=size, peak_rss_growth=growth)


def measure(step: Callable[[], int]) -> Figures:
    """Run `step` in a forked child and return its figures (in-process where fork is missing)."""
    if not hasattr(os, "fork"):
        return _measure_here(step)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        code = 0
        try:
            figures = _measure_here(step)
            payload = json.dumps(figures.__dict__).encode()
        except BaseException as error:  # report, never fall through into the parent's code
            payload = json.dumps({"error": repr(error)}).encode()
            code = 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = json.loads(pipe.read() or b'{"error": "child died"}')
    os.waitpid(pid, 0)
    if "error" in data:
        raise RuntimeError(f"benchmark step failed: {data['error']}")
    return Figures(**data)


def _release(n: int, total: int) -> ReleaseInfo:
    created = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=30 * n)
    return ReleaseInfo(
        catalogue=CATALOGUE,
        title="Synthetic Knowledge Package",
        publisher="kpfeed synthetic data",
        version=f"{2022 + n // 4}.{n % 4 + 1}",
        sequence=n + 1,
        created=created,
        published=created + timedelta(hours=1),
        notes=f"Synthetic release {n + 1}.",
        previous_version=None if n == 0 else f"{2022 + (n - 1) // 4}.{(n - 1) % 4 + 1}",
        counts=Counts(added=total, changed=0, retired=0, total=total),
        tlp="CLEAR",
    )


def build_inputs(count: int) -> tuple[PublishedPackage, ChangeSet, list[ReleaseInfo]]:
    """A package and an all-ADD change set of `count` synthetic records, and a release history."""
    records = sorted(synthetic_records(count), key=lambda r: r.id)
    digest = records_digest(records)
    history = [_release(n, count) for n in range(INDEX_RELEASES)]
    release = history[-1]
    package = PublishedPackage(
        format="kpfeed/1", release=release, records_digest=digest, records=records
    )
    changes = ChangeSet(
        format="kpfeed/1",
        catalogue=CATALOGUE,
        version=release.version,
        sequence=release.sequence,
        records_digest=digest,
        changes=[Change(op="ADD", id=r.id, revision=r.revision, record=r) for r in records],
    )
    return package, changes, history


def _baseline(package: PublishedPackage) -> int:
    data = orjson.dumps([dump_record(r) for r in package.records])
    hashlib.sha256(data).digest()
    return len(data)


def _baseline_gc_paused(package: PublishedPackage) -> int:
    with gc_paused():
        return _baseline(package)


def _all(package: PublishedPackage, changes: ChangeSet, history: list[ReleaseInfo]) -> int:
    size = len(render_package(package)) + len(render_changes(changes))
    size += len(render_json_feed(package, LINKS)) + len(render_atom_feed(package, LINKS))
    size += sum(map(len, render_release_index(history, LINKS, page_size=PAGE_SIZE).values()))
    return size


def run(count: int) -> list[tuple[str, Figures]]:
    """Every step at `count` records, baselines first."""
    package, changes, history = build_inputs(count)
    steps: list[tuple[str, Callable[[], int]]] = [
        ("baseline: orjson + sha256", lambda: _baseline(package)),
        ("baseline, GC paused", lambda: _baseline_gc_paused(package)),
        ("package.json", lambda: len(render_package(package))),
        ("changes.json", lambda: len(render_changes(changes))),
        ("feed.json", lambda: len(render_json_feed(package, LINKS))),
        ("feed.atom", lambda: len(render_atom_feed(package, LINKS))),
        (
            f"releases index ({INDEX_RELEASES} releases)",
            lambda: sum(
                map(len, render_release_index(history, LINKS, page_size=PAGE_SIZE).values())
            ),
        ),
        ("all formats", lambda: _all(package, changes, history)),
    ]
    return [(name, measure(step)) for name, step in steps]


def _mib(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:.1f}"


def report(count: int, results: list[tuple[str, Figures]]) -> str:
    """A table of one size's figures; ratios against the faster baseline, by wall and CPU time.

    CPU time is shown beside wall time because on a shared machine wall time also counts
    waiting for a core; the two ratios agree when the machine is quiet.
    """
    base_wall = min(results[0][1].wall, results[1][1].wall)
    base_cpu = min(results[0][1].cpu, results[1][1].cpu)
    lines = [
        f"\n{count:,} records",
        f"{'step':<32} {'wall s':>8} {'x base':>7} {'cpu s':>8} {'x base':>7} "
        f"{'peak MiB':>9} {'out MiB':>8}",
    ]
    for name, f in results:
        lines.append(
            f"{name:<32} {f.wall:>8.2f} {f.wall / base_wall:>7.2f} {f.cpu:>8.2f} "
            f"{f.cpu / base_cpu:>7.2f} {_mib(f.peak_rss_growth):>9} {_mib(f.out_bytes):>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated counts")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    for count in sizes:
        t0 = time.perf_counter()
        results = run(count)
        print(report(count, results), flush=True)
        print(f"(inputs and all steps took {time.perf_counter() - t0:.0f} s)", flush=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\nparent peak RSS {usage.ru_maxrss / 1024:.0f} MiB (inputs held for all steps)")


if __name__ == "__main__":
    main()

"""Consumer pull, full and incremental, and the same catalogue from a TAXII 2.1 peer.

    python -m bench.pull_bench --records 100000 [--changed 0.01] [--repeat 3] [--peer] [--json P]

Without `--peer` it reports kpfeed's pulls against their baselines (and, at 100k records, the
targets of issue 4); with `--peer`, kpfeed's pulls against the TAXII peer's fetches.

kpfeed's side is `bench.sync_bench`'s: release 2026.1 of N synthetic records signed with the
real code (minisign, TUF), served by `python -m http.server` on 127.0.0.1, pulled by
`CatalogueClient` as `kpfeed pull` runs it (TUF refresh, download, every record validated,
digest, atomic write); then release 2026.2 changes 1% of the records and a mirror at 2026.1
pulls the delta. Every pull starts from its own copy of the mirror, so each repetition does
the same work. Baselines, same run: a plain httpx GET of package.json / changes.json.

With `--peer`, the same records go through kpfeed's STIX exporter (`feed.export.to_stix`, as
`kpfeed export stix` does) into the collection of the OASIS reference TAXII 2.1 server,
medallion (memory backend, its own virtual environment), and `bench/peer_client.py` fetches
them with taxii2-client: the full collection, then after the change only the objects added
after the first fetch (`added_after`). Compared: time, bytes and requests; kpfeed's time
includes its verification, the TAXII client verifies nothing (and has nothing to verify with).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import peer_server
from bench.results import Row, Stats, Target, write_rows
from bench.sync_bench import (
    Measured,
    Publisher,
    changes,
    package,
    plain_get,
    pull,
    release_info,
    releases_json,
    serve,
)
from feed.model.release import Counts
from feed.sign import export_public

REPO = Path(__file__).resolve().parent.parent
PEER_PYTHON = peer_server.PEER_PYTHON
T1 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)
BYTES_TARGET = Target("<=", 0.03, "issue 4")
TIME_TARGET = Target("<=", 0.10, "issue 4")
TARGET_SIZE = 100_000  # issue 4 sets its targets for a catalogue of 100k records


def _record_bytes(job: tuple[list[int], bool]) -> list[tuple[str, bytes]]:
    """Canonical JSON of synthetic records `numbers`, with the times a store gives them."""
    import orjson

    from feed.synthetic import synthetic_record

    numbers, changed = job
    out = []
    for n in numbers:
        fields: dict[str, Any] = {"created": T1, "first_released_in": "2026.1"}
        if changed:
            record = synthetic_record(n, variant=1)
            fields |= {"revision": 2, "modified": T2, "last_changed_in": "2026.2"}
        else:
            record = synthetic_record(n)
            fields |= {"modified": T1, "last_changed_in": "2026.1"}
        data = record.model_copy(update=fields).model_dump(mode="json", exclude_none=True)
        out.append((record.id, orjson.dumps(data, option=orjson.OPT_SORT_KEYS)))
    return out


def generate(numbers: list[int], *, changed: bool) -> dict[str, bytes]:
    """Records by id, made on every core (pydantic builds each one: the slow part)."""
    import multiprocessing

    step = max(1, len(numbers) // 200)
    jobs = [(numbers[i : i + step], changed) for i in range(0, len(numbers), step)]
    if len(jobs) < 4:
        return dict(pair for job in jobs for pair in _record_bytes(job))
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        return dict(pair for chunk in pool.imap(_record_bytes, jobs) for pair in chunk)


def repeated(times: int, step: Callable[[int], Measured]) -> list[Measured]:
    return [step(n) for n in range(times)]


def _stats(runs: list[Measured], what: str) -> Stats:
    return Stats.of(float(getattr(m, what)) for m in runs)


def _mb(runs: list[Measured]) -> Stats:
    return Stats.of(m.bytes / 1e6 for m in runs)


class KpfeedSide:
    """Releases 2026.1 and 2026.2 of the same records, published and pulled."""

    def __init__(self, work: Path, count: int, fraction: float) -> None:
        self.work = work
        self.count = count
        self.release1 = generate(list(range(count)), changed=False)
        every = max(1, round(1 / fraction))
        self.changed = list(range(0, count, every))
        self.release2 = dict(self.release1) | generate(self.changed, changed=True)
        self.public = work / "public"
        self.public.mkdir()
        self.publisher = Publisher(self.public, work / "keys")
        export_public(self.publisher.keyring.key_dir, work / "pinned")
        self.root = work / "pinned" / "root.json"
        total = Counts(added=count, changed=0, retired=0, total=count)
        self.info1 = release_info("2026.1", 1, total, None)
        self.body1 = package(self.info1, self.release1)
        counts = Counts(added=0, changed=len(self.changed), retired=0, total=count)
        self.info2 = release_info("2026.2", 2, counts, "2026.1")
        self.body2 = package(self.info2, self.release2)

    def publish_first(self) -> None:
        files = {
            "package.json": self.body1,
            "releases/2026.1/package.json": self.body1,
            "releases.json": releases_json([self.info1]),
        }
        self.publisher.publish(files, "2026.1", 1)

    def publish_second(self) -> None:
        files = {
            "package.json": self.body2,
            "releases/2026.2/package.json": self.body2,
            "releases/2026.2/changes.json": changes(self.info2, self.release1, self.release2),
            "releases.json": releases_json([self.info1, self.info2]),
        }
        self.publisher.publish(files, "2026.2", 2)

    def measure(self, repeat: int) -> dict[str, list[Measured]]:
        """Baseline GETs and pulls, full then incremental, `repeat` times each."""
        mirrors = self.work / "mirrors"
        out: dict[str, list[Measured]] = {}
        self.publish_first()
        with serve(self.public) as url:
            out["get_package"] = repeated(repeat, lambda n: plain_get(f"{url}package.json"))
            out["full"] = repeated(repeat, lambda n: pull(url, mirrors / f"full-{n}", self.root))
            self.publish_second()
            delta_url = f"{url}releases/2026.2/changes.json"
            out["get_changes"] = repeated(repeat, lambda n: plain_get(delta_url))
            for n in range(repeat):  # every incremental pull starts from a mirror at 2026.1
                shutil.copytree(mirrors / "full-0", mirrors / f"delta-{n}", symlinks=True)
            out["incremental"] = repeated(
                repeat, lambda n: pull(url, mirrors / f"delta-{n}", self.root)
            )
        for m in out["full"] + out["incremental"]:
            assert m.result is not None
        methods = {m.result.method for m in out["incremental"] if m.result is not None}
        if methods != {"delta"}:
            raise RuntimeError(f"incremental pulls took {methods}, not the delta")
        if (mirrors / "delta-0" / "package.json").read_bytes() != self.body2:
            raise RuntimeError("the mirror after the delta differs from the published package")
        return out


def kpfeed_rows(count: int, fraction: float, m: dict[str, list[Measured]]) -> list[Row]:
    full, incremental = m["full"], m["incremental"]
    common: dict[str, Any] = {"benchmark": "pull", "size": count}
    changed = f"{fraction:.0%} changed"

    def extra(runs: list[Measured]) -> dict[str, Any]:
        return {"bytes": runs[0].bytes, "requests": runs[0].requests}

    return [
        Row(
            **common,
            name="full pull (empty mirror)",
            unit="s",
            better="lower",
            figure=_stats(full, "seconds"),
            baseline_name="plain GET of package.json",
            baseline=_stats(m["get_package"], "seconds"),
            peak_mb=max((r.peak_rss or 0) for r in full) / 2**20,
            extra=extra(full),
        ),
        Row(
            **common,
            name=f"incremental pull ({changed})",
            unit="s",
            better="lower",
            figure=_stats(incremental, "seconds"),
            baseline_name="plain GET of changes.json",
            baseline=_stats(m["get_changes"], "seconds"),
            peak_mb=max((r.peak_rss or 0) for r in incremental) / 2**20,
            extra=extra(incremental),
        ),
        Row(
            **common,
            name=f"incremental pull bytes ({changed})",
            unit="MB",
            better="lower",
            figure=_mb(incremental),
            baseline_name="full pull bytes",
            baseline=_mb(full),
            target=BYTES_TARGET if count >= TARGET_SIZE else None,
        ),
        Row(
            **common,
            name=f"incremental pull time ({changed})",
            unit="s",
            better="lower",
            figure=_stats(incremental, "seconds"),
            baseline_name="full pull time",
            baseline=_stats(full, "seconds"),
            target=TIME_TARGET if count >= TARGET_SIZE else None,
        ),
    ]


# -- the peer


def peer_fetch(url: str, repeat: int, added_after: str | None = None) -> list[dict[str, Any]]:
    cmd = [str(PEER_PYTHON), str(REPO / "bench" / "peer_client.py"), url, "--repeat", str(repeat)]
    if added_after:
        cmd += ["--added-after", added_after]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"peer client failed:\n{out.stderr[-3000:]}")
    runs: list[dict[str, Any]] = json.loads(out.stdout)["runs"]
    return runs


def measure_peer(side: KpfeedSide, repeat: int) -> dict[str, Any]:
    """The two releases through the STIX exporter into medallion, fetched as TAXII clients do."""
    objects1 = peer_server.stix_objects(side.body1)
    objects2 = peer_server.stix_objects(side.body2)
    fresh = peer_server.new_versions(objects1, objects2)
    folder = side.work / "peer"
    folder.mkdir()
    with peer_server.medallion(folder, [(T1, objects1)]) as url:
        full = peer_fetch(url, repeat)
    with peer_server.medallion(folder, [(T1, objects1), (T2, fresh)]) as url:
        incremental = peer_fetch(url, repeat, added_after=peer_server.taxii_time(T1))
    if {r["objects"] for r in full} != {len(objects1)}:
        raise RuntimeError(f"full TAXII fetch got {full[0]['objects']} of {len(objects1)}")
    if {r["objects"] for r in incremental} != {len(fresh)}:
        raise RuntimeError(f"added_after fetch got {incremental[0]['objects']} of {len(fresh)}")
    return {"full": full, "incremental": incremental, "objects": len(objects1)}


def peer_rows(count: int, m: dict[str, list[Measured]], peer: dict[str, Any]) -> list[Row]:
    rows = []
    for case, label in (("full", "full"), ("incremental", "incremental (added_after)")):
        ours, theirs = m[case], peer[case]
        ours_bytes, ours_requests = ours[0].bytes, ours[0].requests
        their_bytes, their_requests = theirs[0]["bytes"], theirs[0]["requests"]
        note = (
            f"kpfeed {ours_requests} requests, {ours_bytes / 1e6:.2f} MB; TAXII "
            f"{their_requests} requests, {their_bytes / 1e6:.2f} MB "
            f"({theirs[0]['objects']} STIX objects)"
        )
        common: dict[str, Any] = {"benchmark": "peer", "size": count}
        rows.append(
            Row(
                **common,
                note=note,
                name=f"{label} pull, time: kpfeed (verified) vs TAXII",
                unit="s",
                better="lower",
                figure=_stats(ours, "seconds"),
                baseline_name="medallion + taxii2-client",
                baseline=Stats.of(r["seconds"] for r in theirs),
                extra={
                    "requests": ours_requests,
                    "baseline_requests": their_requests,
                    "bytes": ours_bytes,
                    "baseline_bytes": their_bytes,
                    "objects": theirs[0]["objects"],
                },
            )
        )
        rows.append(
            Row(
                **common,
                name=f"{label} pull, bytes: kpfeed vs TAXII",
                unit="MB",
                better="lower",
                figure=Stats.of(r.bytes / 1e6 for r in ours),
                baseline_name="medallion + taxii2-client",
                baseline=Stats.of(r["bytes"] / 1e6 for r in theirs),
            )
        )
    return rows


@contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    if keep:
        keep.mkdir(parents=True)
        yield keep
        return
    path = Path(tempfile.mkdtemp(prefix="kpfeed-pull-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01, help="fraction changed")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer", action="store_true", help="also the TAXII 2.1 peer")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    args = parser.parse_args(argv)
    if args.peer and not PEER_PYTHON.exists():
        raise SystemExit(f"no peer environment at {PEER_PYTHON}: run bench/run once")
    with workdir(args.keep) as work:
        t0 = time.perf_counter()
        side = KpfeedSide(work, args.records, args.changed)
        print(f"{args.records:,} records generated in {time.perf_counter() - t0:.1f} s")
        measured = side.measure(args.repeat)
        if args.peer:
            rows = peer_rows(args.records, measured, measure_peer(side, args.repeat))
        else:
            rows = kpfeed_rows(args.records, args.changed, measured)
    for row in rows:
        f, b = row.figure, row.baseline
        target = row.target
        verdict = f"  target {target.text()}: {target.verdict(row.ratio)}" if target else ""
        print(
            f"{row.name:<48} {f.median:>9.3f} {row.unit:<3} [{f.min:.3f}-{f.max:.3f}]  "
            f"{row.baseline_name}: {b.median:.3f} [{b.min:.3f}-{b.max:.3f}]  "
            f"ratio {row.ratio:.3g}{verdict}"
        )
        if row.note:
            print(f"    {row.note}")
    if args.json:
        write_rows(args.json, "pull", rows, records=args.records, changed=args.changed)


if __name__ == "__main__":
    main()

"""Syncing a 100k-record catalogue: a full first pull, then a pull after 1% of records changed.

Run: `python -m bench.sync_bench [--records 100000] [--changed 0.01] [--keep DIR]`.

The publisher's side is built with the real signing code (minisign signatures, TUF metadata
with content-addressed target copies) in a temporary folder, served by a separate
`python -m http.server` process on 127.0.0.1 (stopped at the end, whatever happens). The
consumer is `CatalogueClient` with its HTTP fetcher, exactly as `kpfeed pull` runs it:

1. full: an empty mirror pulls release 2026.1 (TUF refresh, package download, every record
   validated, records digest, atomic write);
2. incremental: release 2026.2 changes 1% of the records (new revisions); the mirror applies
   `releases/2026.2/changes.json` and rebuilds the package, which must hash to the published one.

Beside each, measured in the same run, the baseline is a plain httpx GET of the file that pull
needs most (package.json, changes.json): the cost of the network alone, without verification.
Targets (issue 4): the incremental pull moves at most 3% of the bytes of the full one and takes
at most 10% of its time. Peak RSS is the rise of resident memory during each pull.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from feed.client import CatalogueClient, HttpxFetcher, PullResult, RetryPolicy
from feed.model.release import Counts, PublishedPackage, ReleaseInfo
from feed.sign import TufRepository, export_public, init_keys, sign_files
from feed.synthetic import synthetic_record

CATALOGUE = "synthetic-bench"
SERVER_START_SECONDS = 20
PULL_TIMEOUT_SECONDS = 120.0  # per read; each pull is also bounded by the server's lifetime


# -- the publisher's side


def _record_bytes(job: tuple[list[int], bool]) -> list[tuple[str, bytes]]:
    """Canonical JSON of synthetic records `numbers` (their changed revision if asked)."""
    numbers, changed = job
    out = []
    for n in numbers:
        if changed:
            record = synthetic_record(n, variant=1).model_copy(
                update={"revision": 2, "first_released_in": "2026.1", "last_changed_in": "2026.2"}
            )
        else:
            record = synthetic_record(n).model_copy(
                update={"first_released_in": "2026.1", "last_changed_in": "2026.1"}
            )
        data = record.model_dump(mode="json", exclude_none=True)
        out.append((record.id, orjson.dumps(data, option=orjson.OPT_SORT_KEYS)))
    return out


def generate(numbers: list[int], *, changed: bool) -> dict[str, bytes]:
    """Records by id, made on every core (pydantic builds each one: the slow part)."""
    step = max(1, len(numbers) // 200)
    jobs = [(numbers[i : i + step], changed) for i in range(0, len(numbers), step)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        return dict(pair for chunk in pool.imap(_record_bytes, jobs) for pair in chunk)


def digest(records: Mapping[str, bytes]) -> str:
    h = hashlib.sha256()
    for record_id in sorted(records):
        h.update(records[record_id])
        h.update(b"\n")
    return h.hexdigest()


def with_array(head: dict[str, object], key: str, elements: list[bytes]) -> bytes:
    return orjson.dumps(head)[:-1] + f',"{key}":['.encode() + b",".join(elements) + b"]}\n"


def release_info(version: str, sequence: int, counts: Counts, previous: str | None) -> ReleaseInfo:
    return ReleaseInfo(
        catalogue=CATALOGUE,
        title="Synthetic benchmark catalogue",
        publisher="kpfeed benchmark",
        version=version,
        sequence=sequence,
        created=datetime.now(UTC).replace(microsecond=0),
        published=datetime.now(UTC).replace(microsecond=0),
        notes=f"Synthetic release {version} for the sync benchmark.",
        previous_version=previous,
        counts=counts,
        tlp="CLEAR",
    )


def package(info: ReleaseInfo, records: Mapping[str, bytes]) -> bytes:
    head = PublishedPackage(
        format="kpfeed/1", release=info, records_digest=digest(records), records=[]
    ).model_dump(mode="json", exclude_none=True, exclude={"records"})
    return with_array(head, "records", [records[i] for i in sorted(records)])


def changes(info: ReleaseInfo, before: Mapping[str, bytes], after: Mapping[str, bytes]) -> bytes:
    head = {
        "format": "kpfeed/1",
        "catalogue": CATALOGUE,
        "version": info.version,
        "sequence": info.sequence,
        "previous_version": info.previous_version,
        "previous_sequence": info.sequence - 1,
        "base_digest": digest(before),
        "records_digest": digest(after),
    }
    entries = []
    for record_id in sorted(after):
        if before.get(record_id) != after[record_id]:
            entry = {"op": "MOD", "id": record_id, "revision": 2, "fields": ["summary"]}
            entries.append(orjson.dumps(entry)[:-1] + b',"record":' + after[record_id] + b"}")
    return with_array(head, "changes", entries)


def releases_json(infos: list[ReleaseInfo]) -> bytes:
    items = []
    for info in reversed(infos):
        extension: dict[str, object] = {"version": info.version, "sequence": info.sequence}
        if info.previous_version:
            extension["previous_version"] = info.previous_version
        items.append({"id": f"urn:bench:{info.version}", "_kpfeed": extension})
    return orjson.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}) + b"\n"


class Publisher:
    """Signs releases into a folder the HTTP server serves (identical bytes hard-linked)."""

    def __init__(self, folder: Path, key_dir: Path) -> None:
        self.folder = folder
        self.keyring = init_keys(key_dir, passphrase=None, now=datetime.now(UTC))
        self.repository = TufRepository(self.keyring, {})
        self._written: dict[str, Path] = {}

    def publish(self, files: dict[str, bytes], version: str, sequence: int) -> None:
        now = datetime.now(UTC)
        signatures = sign_files(
            files,
            self.keyring.minisign_key,
            catalogue=CATALOGUE,
            version=version,
            sequence=sequence,
            expires=now + timedelta(days=30),
        )
        custom = {p: {"kpfeed": {"version": version, "sequence": sequence}} for p in files}
        tuf = self.repository.publish(files, custom, now=now)
        for name, data in {**files, **signatures, **tuf}.items():
            self._write(name, data)

    def _write(self, name: str, data: bytes) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(data).hexdigest()
        path.unlink(missing_ok=True)
        if len(data) > 1 << 20 and key in self._written:
            os.link(self._written[key], path)
        else:
            path.write_bytes(data)
            self._written[key] = path


# -- the consumer's side


@dataclass(frozen=True)
class Measured:
    seconds: float
    bytes: int
    requests: int
    peak_rss: int | None
    result: PullResult | None = None


def _rss_kib(field: str) -> int | None:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match.group(1)) if match else None


def measure(step: Callable[[], tuple[int, int, PullResult | None]]) -> Measured:
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS mark back to the current RSS
        start_rss = _rss_kib("VmRSS")
    except OSError:
        start_rss = None
    start = time.perf_counter()
    size, requests, result = step()
    seconds = time.perf_counter() - start
    peak = _rss_kib("VmHWM") if start_rss is not None else None
    growth = (peak - start_rss) * 1024 if peak is not None and start_rss is not None else None
    return Measured(seconds, size, requests, growth, result)


def pull(url: str, mirror: Path, root: Path) -> Measured:
    def step() -> tuple[int, int, PullResult]:
        fetcher = HttpxFetcher(timeout=PULL_TIMEOUT_SECONDS, retry=RetryPolicy(retries=1))
        with CatalogueClient(url, mirror, root, fetcher=fetcher) as client:
            result = client.pull()
        return result.bytes_received, result.requests, result

    return measure(step)


def plain_get(url: str) -> Measured:
    def step() -> tuple[int, int, None]:
        with httpx.Client(timeout=PULL_TIMEOUT_SECONDS) as client:
            response = client.get(url)
            response.raise_for_status()
        return len(response.content), 1, None

    return measure(step)


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """`python -m http.server` over `folder` on 127.0.0.1 in its own process; its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + SERVER_START_SECONDS
        line = ""
        while "port" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
        match = re.search(r"port (\d+)", line)
        if match is None:
            raise RuntimeError(f"http.server did not start: {line!r}")
        yield f"http://127.0.0.1:{match.group(1)}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the run


def _mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.1f}"


def _row(name: str, m: Measured) -> str:
    return f"{name:<34}{m.seconds:>9.2f}{_mib(m.bytes):>12}{m.requests:>6}{_mib(m.peak_rss):>10}"


def run(count: int, fraction: float, work: Path) -> None:
    public, mirror, pinned = work / "public", work / "mirror", work / "pinned"
    public.mkdir()
    t0 = time.perf_counter()
    release1 = generate(list(range(count)), changed=False)
    every = max(1, round(1 / fraction))
    changed_numbers = list(range(0, count, every))
    release2 = dict(release1) | generate(changed_numbers, changed=True)
    print(
        f"generated {count:,} records and {len(changed_numbers):,} changed revisions "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    publisher = Publisher(public, work / "keys")
    export_public(publisher.keyring.key_dir, pinned)
    info1 = release_info("2026.1", 1, Counts(added=count, changed=0, retired=0, total=count), None)
    body1 = package(info1, release1)
    publisher.publish(
        {
            "package.json": body1,
            "releases/2026.1/package.json": body1,
            "releases.json": releases_json([info1]),
        },
        "2026.1",
        1,
    )
    print(
        f"published release 2026.1 ({len(body1) / 2**20:,.1f} MiB package) "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    with serve(public) as url:
        root = pinned / "root.json"
        base_full = plain_get(f"{url}package.json")
        full = pull(url, mirror, root)

        counts = Counts(added=0, changed=len(changed_numbers), retired=0, total=count)
        info2 = release_info("2026.2", 2, counts, "2026.1")
        body2 = package(info2, release2)
        delta = changes(info2, release1, release2)
        publisher.publish(
            {
                "package.json": body2,
                "releases/2026.2/package.json": body2,
                "releases/2026.2/changes.json": delta,
                "releases.json": releases_json([info1, info2]),
            },
            "2026.2",
            2,
        )
        base_delta = plain_get(f"{url}releases/2026.2/changes.json")
        incremental = pull(url, mirror, root)
        unchanged = pull(url, mirror, root)

    assert full.result is not None
    assert incremental.result is not None
    assert (full.result.method, incremental.result.method) == ("full", "delta"), (
        incremental.result.delta_refused
    )
    assert (mirror / "package.json").read_bytes() == body2

    print()
    print(f"{'step':<34}{'seconds':>9}{'MiB':>12}{'reqs':>6}{'peak MiB':>10}")
    print(_row("baseline: GET package.json", base_full))
    print(_row("full pull (empty mirror)", full))
    print(_row("baseline: GET changes.json", base_delta))
    print(_row(f"incremental pull ({fraction:.0%} changed)", incremental))
    print(_row("unchanged pull (no ETag: http.server)", unchanged))
    print()
    byte_ratio = incremental.bytes / full.bytes
    time_ratio = incremental.seconds / full.seconds
    print(
        f"incremental / full bytes: {byte_ratio:7.2%}   (target <= 3%)  "
        f"{'ok' if byte_ratio <= 0.03 else 'MISSED'}"
    )
    print(
        f"incremental / full time:  {time_ratio:7.2%}   (target <= 10%) "
        f"{'ok' if time_ratio <= 0.10 else 'MISSED'}"
    )
    print(
        f"full pull / plain GET time: {full.seconds / base_full.seconds:.1f}x "
        f"(verification: TUF, every record validated, digest, atomic write)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01, help="fraction changed")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True)
        run(args.records, args.changed, args.keep)
        return
    work = Path(tempfile.mkdtemp(prefix="kpfeed-sync-bench-"))
    try:
        run(args.records, args.changed, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Fault campaign: `publish` SIGKILLed at random moments, and consumers pulling after each kill.

A catalogue on SQLite gets a new release per round (one record added, one changed); a
publishing process is SIGKILLed at a random moment of its publication (spread over the
length of a complete one, so kills land in rendering, signing, staging, the store commit and
the switch). After each kill:

- store and directory agree: never the directory ahead of the store; a release the store
  calls published but the directory does not show yet is finished by publishing again;
- a consumer with a mirror, and a new consumer, pull the directory over HTTP with the
  verifying client (python-tuf, pinned root): each gets the previous or the new release,
  complete (its records are that release's) and verified, never an error;
- after the publication is finished, both pull the new release (the old mirror by delta).

Kills: 14 by default (CI), 55 with `--faults=full` or `KPFEED_FAULTS=full`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from feed.client import Catalogue, CatalogueClient, PullResult
from feed.client.http import HttpxFetcher
from feed.releasing import PublishOptions, approve_release, create_release, publish_release
from feed.releasing import published_release as shown_release
from feed.store import get_release, import_records, make_engine, migrate, set_manifest, transaction
from feed.synthetic import synthetic_record, synthetic_records
from tests.integration.faults.scale import FaultScale
from tests.integration.release.common import LINKS, MANIFEST, NOW, fresh_keys
from tests.integration.release.common import Catalogue as Store

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SERVE = REPO / "tests" / "integration" / "client" / "serve.py"
#: Enough records that a publication takes a few hundred milliseconds to aim kills into.
RECORDS = 150


@dataclass
class Publisher:
    """`publisher.py`: publishes a version in a forked child whose PID it tells."""

    process: subprocess.Popen[str]

    @classmethod
    def start(cls, database_url: str, key_dir: Path, out: Path) -> Publisher:
        command = [sys.executable, str(HERE / "publisher.py"), database_url, str(key_dir)]
        process = subprocess.Popen(
            [*command, str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        publisher = cls(process)
        assert publisher._line() == "ready"
        return publisher

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line, "publisher.py exited"
        return line

    def begin(self, version: str) -> int:
        """Start publishing `version`; the PID of the process doing it."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"publish {version}\n")
        self.process.stdin.flush()
        word, pid = self._line().split()
        assert word == "started"
        return int(pid)

    def finish(self) -> tuple[bool, int]:
        """(whether the child said it published, its exit code) once it has ended."""
        assert self.process.stdin is not None
        self.process.stdin.write("reap\n")
        self.process.stdin.flush()
        published = False
        while True:
            line = self._line()
            if line.startswith("published"):
                published = True
            elif line.startswith("failed"):
                raise AssertionError(f"the publication failed by itself: {line}")
            elif line.startswith("exited"):
                return published, int(line.split()[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def static_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """tests/integration/client/serve.py (ETag, Range) over `site/`: (folder, its URL)."""
    site = tmp_path / "site"
    site.mkdir()
    process = subprocess.Popen([sys.executable, str(SERVE), str(tmp_path)], stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    process.stdout.close()
    try:
        assert line.startswith("PORT "), line
        yield site, f"http://127.0.0.1:{int(line.split()[1])}/site/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Consumers:
    """A consumer that keeps its mirror, and new consumers that start from nothing."""

    url: str
    root: bytes
    base: Path
    fresh_pulls: int = 0
    methods: Counter[str] = field(default_factory=Counter)

    def _pull(self, mirror: Path) -> tuple[PullResult, Catalogue]:
        fetcher = HttpxFetcher(timeout=10.0)
        with CatalogueClient(self.url, mirror, self.root, fetcher=fetcher) as client:
            result = client.pull()
            return result, client.catalogue()

    def kept(self) -> tuple[PullResult, Catalogue]:
        result, catalogue = self._pull(self.base / "kept")
        self.methods[result.method] += 1
        return result, catalogue

    def fresh(self) -> tuple[PullResult, Catalogue]:
        self.fresh_pulls += 1
        return self._pull(self.base / f"fresh-{self.fresh_pulls}")


def _prepare(store: Store, k: int) -> str:
    """Release 2022.k: one record added and one changed since 2022.(k-1)."""
    version = f"2022.{k}"
    if k > 1:
        added = synthetic_record(1000 + k).model_copy(update={"relations": []})
        changed = synthetic_record(k % RECORDS)
        changed = changed.model_copy(update={"name": f"{changed.name} (revised in {version})"})
        store.add([added, changed])
    with transaction(store.engine) as session:
        create_release(session, version, notes=f"Round {k}.", created_by="alice", now=NOW)
        approve_release(session, version, approver="bob", now=NOW)
    return version


def _ids(k: int) -> set[str]:
    """The record ids release 2022.k holds."""
    return {r.id for r in synthetic_records(RECORDS)} | {
        synthetic_record(1000 + j).id for j in range(2, k + 1)
    }


def _shown(store: Store) -> str | None:
    shown = shown_release(store.out)
    return shown.version if shown else None


def _check_pulled(result: PullResult, catalogue: Catalogue, allowed: dict[str, set[str]]) -> str:
    assert result.to_version in allowed, (result.to_version, sorted(allowed))
    assert catalogue.version == result.to_version
    assert set(catalogue) == allowed[result.to_version]
    for record_id in list(catalogue)[:3]:  # typed on demand: a few make the point
        assert catalogue[record_id].id == record_id
    return result.to_version


def test_sigkill_during_publish_leaves_consumers_the_previous_or_new_release(
    sqlite_url: str,
    tmp_path: Path,
    static_site: tuple[Path, str],
    fault_scale: FaultScale,
) -> None:
    kills = fault_scale.pick(reduced=14, full=55)
    site, url = static_site
    engine = make_engine(sqlite_url)
    migrate(engine)
    with transaction(engine) as session:
        set_manifest(session, MANIFEST, actor="alice", at=NOW)
        import_records(session, synthetic_records(RECORDS), author="alice", approve=True)
    keys = tmp_path / "keys"
    store = Store(engine, fresh_keys(keys), keys, site / "public", PublishOptions(links=LINKS))
    publisher = Publisher.start(sqlite_url, keys, store.out)
    rng = random.Random()
    outcomes: Counter[str] = Counter()
    try:
        # The first publication runs to its end: its length spreads the kills that follow.
        _prepare(store, 1)
        began = time.monotonic()
        publisher.begin("2022.1")
        assert publisher.finish() == (True, 0)
        duration = time.monotonic() - began
        root = (store.out / "tuf" / "metadata" / "1.root.json").read_bytes()
        consumers = Consumers(f"{url}public/", root, tmp_path / "consumers")
        assert consumers.kept()[0].to_version == "2022.1"

        previous = "2022.1"
        for k in range(2, kills + 2):
            version = _prepare(store, k)
            pid = publisher.begin(version)
            time.sleep(rng.uniform(0, duration * 1.1))
            os.kill(pid, signal.SIGKILL)
            said_published, code = publisher.finish()
            outcomes["killed" if code == -signal.SIGKILL else "finished first"] += 1

            with transaction(engine) as session:
                in_store = get_release(session, version).published_at is not None
            shown = _shown(store)
            if said_published:
                assert shown == version
            if not in_store:
                assert shown == previous
                outcomes["before the store commit"] += 1
            elif shown != version:
                assert shown == previous
                outcomes["store committed, switch pending"] += 1
            else:
                outcomes["switched"] += 1

            allowed = {previous: _ids(k - 1), version: _ids(k)}
            seen = _check_pulled(*consumers.kept(), allowed)
            assert seen == shown
            assert _check_pulled(*consumers.fresh(), allowed) == shown

            if shown != version:
                report = publish_release(
                    engine,
                    version,
                    store.out,
                    keyring=store.keyring,
                    options=store.options,
                    now=NOW,
                )
                assert report.finished_interrupted == in_store
            result, catalogue = consumers.kept()
            assert _check_pulled(result, catalogue, {version: _ids(k)}) == version
            previous = version
    finally:
        publisher.stop()
        engine.dispose()
    print(
        f"\n{kills} publications killed at random: {dict(outcomes)}; kept mirror pulls: "
        f"{dict(consumers.methods)}; publication {duration:.2f} s"
    )
    assert outcomes["killed"] >= kills * 2 // 3
    # The kills landed in more than one phase: before the store commit and after the switch.
    assert outcomes["before the store commit"] > 0
    assert outcomes["switched"] > 0
    assert consumers.methods["delta"] > 0

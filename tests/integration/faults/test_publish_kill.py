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
- the publication is then finished, and the consumer with the mirror pulls the new release
  (by delta).

Meanwhile a third consumer pulls in a loop, into three mirrors in turn, so pulls overlap
publications, kills and switches: none fails, and no mirror ever goes back a release.

Kills: 12 by default (CI), 60 with `--faults=full` or `KPFEED_FAULTS=full`.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from feed.store import get_release, transaction
from tests.integration.faults.common import (
    BackgroundConsumer,
    Consumers,
    check_pulled,
    make_store,
    prepare,
    release_ids,
    shown,
)
from tests.integration.faults.scale import FaultScale

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


@dataclass
class Publisher:
    """`publisher.py`: publishes a version in a forked child whose PID it tells."""

    process: subprocess.Popen[str]
    #: How long each publication that ran to its end took, in the child.
    durations: list[float] = field(default_factory=list)

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

    def finish(self) -> tuple[str | None, int]:
        """(how the child said it published, or None; its exit code) once it has ended."""
        assert self.process.stdin is not None
        self.process.stdin.write("reap\n")
        self.process.stdin.flush()
        published = None
        while True:
            line = self._line()
            if line.startswith("published"):
                _, _, published, seconds = line.split()
                self.durations.append(float(seconds))
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


def test_sigkill_during_publish_leaves_consumers_the_previous_or_new_release(
    sqlite_url: str,
    tmp_path: Path,
    static_site: str,
    fault_scale: FaultScale,
) -> None:
    kills = fault_scale.pick(reduced=12, full=60)
    store = make_store(sqlite_url, tmp_path / "keys", tmp_path / "site" / "public")
    engine = store.engine
    publisher = Publisher.start(sqlite_url, store.key_dir, store.out)
    rng = random.Random()
    outcomes: Counter[str] = Counter()
    background: BackgroundConsumer | None = None
    try:
        # The first publication runs to its end: its length spreads the kills that follow.
        prepare(store, 1)
        publisher.begin("2022.1")
        assert publisher.finish() == ("whole", 0)
        root = (store.out / "tuf" / "metadata" / "1.root.json").read_bytes()
        consumers = Consumers(f"{static_site}site/public/", root, tmp_path / "consumers")
        assert consumers.kept()[0].to_version == "2022.1"

        background = BackgroundConsumer(consumers.url, root, tmp_path / "background")
        background.start()
        previous = "2022.1"
        # Stratified moments: every part of a publication gets its share of kills, and the
        # last strata fall after its end (a publication that completes is a case too).
        strata = list(range(kills))
        rng.shuffle(strata)
        for k, stratum in enumerate(strata, start=2):
            version = prepare(store, k)
            pid = publisher.begin(version)
            # The median of the last five whole publications: one slow run (a busy machine)
            # does not push the next kills past the end, and growth with the history counts.
            duration = statistics.median(publisher.durations[-5:])
            time.sleep(duration * 1.15 * (stratum + rng.random()) / kills)
            os.kill(pid, signal.SIGKILL)
            said_published, code = publisher.finish()
            outcomes["killed" if code == -signal.SIGKILL else "finished first"] += 1

            with transaction(engine) as session:
                in_store = get_release(session, version).published_at is not None
            showing = shown(store)
            if said_published is not None:
                assert showing == version
            if not in_store:
                assert showing == previous
                outcomes["before the store commit"] += 1
            elif showing != version:
                assert showing == previous
                outcomes["store committed, switch pending"] += 1
            else:
                outcomes["switched"] += 1

            allowed = {previous: release_ids(k - 1), version: release_ids(k)}
            seen = check_pulled(*consumers.kept(), allowed)
            assert seen == showing
            assert check_pulled(*consumers.fresh(), allowed) == showing

            if showing != version:
                # Finished by the same kind of process, whose time paces the next kill.
                publisher.begin(version)
                how = "finished" if in_store else "whole"
                assert publisher.finish() == (how, 0)
            result, catalogue = consumers.kept()
            assert check_pulled(result, catalogue, {version: release_ids(k)}) == version
            previous = version
    finally:
        if background is not None:
            background.halt()
        publisher.stop()
        engine.dispose()
    print(
        f"\n{kills} publications killed at random: {dict(outcomes)}; kept mirror pulls: "
        f"{dict(consumers.methods)}; a publication takes "
        f"{statistics.median(publisher.durations):.2f} s (median); "
        f"{len(background.pulls)} pulls meanwhile by a consumer in the background"
    )
    assert background.errors == []
    assert len(background.pulls) >= kills
    for mirror in {m for m, _ in background.pulls}:  # each mirror only ever moves forward
        versions = [int(v.split(".")[1]) for m, v in background.pulls if m == mirror]
        assert versions == sorted(versions)
    assert outcomes["killed"] >= kills // 3
    assert outcomes["before the store commit"] > 0
    assert consumers.methods["delta"] > 0

"""A publication killed at any moment leaves store and directory agreeing, or finishable."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feed.publish import published_paths
from feed.releasing import (
    approve_release,
    create_release,
    publish_release,
    published_release,
)
from feed.sign import parse_trusted_comment, verify
from feed.store import get_release, set_release_published, transaction
from feed.synthetic import synthetic_record
from tests.integration.release.common import LINKS, MANIFEST, NOW, Catalogue, fresh_keys

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
RUNS = max(4, int(os.environ.get("KPFEED_CRASH_RUNS", "20")) // 5)


def _prepare(cat: Catalogue, k: int) -> str:
    version = f"2022.{k}"
    if k > 1:
        cat.add([synthetic_record(100 + k).model_copy(update={"relations": []})])
    with transaction(cat.engine) as session:
        create_release(session, version, notes="n", created_by="alice", now=NOW)
        approve_release(session, version, approver="bob", now=NOW)
    return version


def _publish(cat: Catalogue, version: str) -> bool:
    report = publish_release(
        cat.engine, version, cat.out, keyring=cat.keyring, options=cat.options, now=NOW
    )
    return report.finished_interrupted


def _check_complete(cat: Catalogue, version: str) -> None:
    """Every current and archived file verifies and names a release no newer than `version`."""
    paths = published_paths(cat.out)
    for path in paths:
        if path.endswith(".minisig") and not path.startswith("tuf/"):
            target = path.removesuffix(".minisig")
            comment = verify(
                paths[target].read_bytes(), paths[path].read_bytes(), cat.keyring.minisign
            )
            assert parse_trusted_comment(comment).file == target
    shown = published_release(cat.out)
    assert shown is not None
    assert shown.version == version


def test_recovery_finishes_a_release_marked_published_but_not_written(
    catalogue: Catalogue,
) -> None:
    _publish(catalogue, _prepare(catalogue, 1))
    version = _prepare(catalogue, 2)
    # The state a crash between the store commit and the directory switch leaves behind.
    with transaction(catalogue.engine) as session:
        set_release_published(session, version, at=NOW)
    assert published_release(catalogue.out).version == "2022.1"  # type: ignore[union-attr]
    assert _publish(catalogue, version) is True
    _check_complete(catalogue, version)


@pytest.mark.slow
def test_sigkill_during_publication_never_splits_store_and_directory(
    sqlite_url: str, tmp_path: Path
) -> None:
    from feed.releasing import PublishOptions
    from feed.store import import_records, make_engine, migrate, set_manifest
    from feed.synthetic import synthetic_records

    engine = make_engine(sqlite_url)
    migrate(engine)
    with transaction(engine) as session:
        set_manifest(session, MANIFEST, actor="alice", at=NOW)
        import_records(session, synthetic_records(300), author="alice", approve=True)
    options = PublishOptions(links=LINKS)
    cat = Catalogue(
        engine, fresh_keys(tmp_path / "keys"), tmp_path / "keys", tmp_path / "out", options
    )
    rng = random.Random()
    outcomes = {"before store commit": 0, "store committed, switch pending": 0, "done": 0}
    previous: str | None = None
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    duration = 0.0
    for k in range(1, RUNS + 1):
        version = _prepare(cat, k)
        proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "publish_child.py"),
                *(sqlite_url, str(cat.key_dir), str(cat.out), version),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "started"
        started = time.monotonic()
        if k == 1:
            # The first run completes: its length spreads the later kills over every phase.
            assert proc.stdout.readline().strip() == "published"
            duration = time.monotonic() - started
        else:
            time.sleep(rng.uniform(0, duration * 1.1))
        proc.kill()
        proc.wait()
        proc.stdout.close()
        with transaction(engine) as session:
            stored_published = get_release(session, version).published_at is not None
        shown = published_release(cat.out)
        shown_version = shown.version if shown else None
        if not stored_published:
            # Never the directory ahead of the store.
            assert shown_version == previous
            outcomes["before store commit"] += 1
        elif shown_version != version:
            assert shown_version == previous
            outcomes["store committed, switch pending"] += 1
        else:
            outcomes["done"] += 1
        if shown_version != version:
            _publish(cat, version)
        _check_complete(cat, version)
        previous = version
    engine.dispose()
    print(outcomes)
    assert outcomes["done"] > 0
    assert outcomes["before store commit"] > 0

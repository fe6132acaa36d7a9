"""Fault campaign: the disk fills up, or the publish directory turns read-only, during
`kpfeed publish`.

The command exits 1 with a clear message naming the cause and saying that the directory still
holds the previous publication; the store does not call the release published; consumers
pulling the directory (verifying client, pinned root) still get the previous release; once
space is freed, or the directory is writable again, the release publishes.

Disk full: the directory lives on a small tmpfs, filled so that only a random part of what a
publication writes is free, so ENOSPC strikes at different files (2 rounds by default, 10 with
`--faults=full` or `KPFEED_FAULTS=full`). Read-only: a bind mount of the directory's parent,
remounted `ro` (EROFS). Both need mount rights (root with CAP_SYS_ADMIN, as in CI). Without
them the tests fall back to real faults a process can bring on itself, and warn that they did:
a file size limit (RLIMIT_FSIZE, EFBIG) for the full disk, and dropped capabilities with mode
0555 (EACCES) for the read-only directory.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from feed.publish import generations_dir, published_paths
from feed.store import get_release, transaction
from tests.integration.faults.common import (
    Consumers,
    Store,
    check_pulled,
    make_store,
    prepare,
    publish,
    release_ids,
    shown,
)
from tests.integration.faults.mounts import (
    MountRefused,
    fill,
    free_bytes,
    read_only_bind,
    remount,
    small_tmpfs,
)
from tests.integration.faults.scale import FaultScale
from tests.integration.release.common import LINKS

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
#: The tmpfs: room for a few publications of the test catalogue, and a filler.
DISK_BYTES = 64 * 1024 * 1024


def kpfeed_publish(
    store: Store,
    database_url: str,
    version: str,
    *,
    prefix: tuple[str, ...] = (),
    preexec_fn: Callable[[], None] | None = None,
) -> tuple[int, str]:
    """`kpfeed publish VERSION --out DIR` (after `prefix`): (exit code, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPFEED_")}
    env |= {
        "KPFEED_DATABASE_URL": database_url,
        "KPFEED_KEY_DIR": str(store.key_dir),
        "KPFEED_DATA_DIR": str(store.key_dir.parent / "var"),
        "KPFEED_BASE_URL": LINKS.base_url,
        "KPFEED_API_BASE_URL": LINKS.api_base_url,
        "PYTHONPATH": str(REPO),
    }
    command = [*prefix, sys.executable, "-m", "feed", "publish", version, "--out", str(store.out)]
    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=preexec_fn,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr


def _refused_and_intact(
    store: Store,
    consumers: Consumers,
    version: str,
    k: int,
    outcome: tuple[int, str],
    cause: str,
) -> None:
    code, stderr = outcome
    assert code == 1, stderr
    assert cause in stderr, stderr
    assert "still holds the previous publication unchanged" in stderr, stderr
    assert "Traceback" not in stderr
    with transaction(store.engine) as session:
        assert get_release(session, version).published_at is None
    previous = f"2022.{k - 1}"
    assert shown(store) == previous
    allowed = {previous: release_ids(k - 1)}
    assert check_pulled(*consumers.kept(), allowed) == previous
    assert check_pulled(*consumers.fresh(), allowed) == previous


def _published(store: Store, consumers: Consumers, version: str, k: int) -> None:
    assert shown(store) == version
    assert check_pulled(*consumers.kept(), {version: release_ids(k)}) == version
    leftovers = [p.name for p in generations_dir(store.out).iterdir() if p.name.startswith(".tmp")]
    assert leftovers == []


@contextmanager
def _fallback(reason: MountRefused) -> Iterator[None]:
    message = f"mounting is not permitted here ({reason}); using the fallback fault instead"
    warnings.warn(message, stacklevel=1)
    print(message)
    yield


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_fails_publish_clearly_and_keeps_the_previous_release(
    sqlite_url: str, tmp_path: Path, static_site: str, fault_scale: FaultScale
) -> None:
    rounds = fault_scale.pick(reduced=2, full=10)
    rng = random.Random()
    with ExitStack() as stack:
        try:
            disk = stack.enter_context(small_tmpfs(tmp_path / "site", DISK_BYTES))
        except MountRefused as refused:
            stack.enter_context(_fallback(refused))
            disk = tmp_path / "site"
            disk.mkdir(exist_ok=True)
        store = make_store(sqlite_url, tmp_path / "keys", disk / "public")
        publish(store, prepare(store, 1))
        root = (store.out / "tuf" / "metadata" / "1.root.json").read_bytes()
        consumers = Consumers(f"{static_site}site/public/", root, tmp_path / "consumers")
        assert consumers.kept()[0].to_version == "2022.1"
        before = free_bytes(disk)
        publish(store, prepare(store, 2))
        # What a publication after the first writes (the first writes more).
        needed = before - free_bytes(disk)
        for k in range(3, rounds + 3):
            version = prepare(store, k)
            if disk.is_mount():
                filler = fill(disk, leave=int(needed * rng.uniform(0, 0.9)))
                outcome = kpfeed_publish(store, sqlite_url, version)
                filler.unlink()
                _refused_and_intact(store, consumers, version, k, outcome, "the disk is full")
            else:
                # The limit binds every file the command writes: keep the store's well under
                # it (WAL emptied, shm 32 KiB) and put it below the largest published file.
                with store.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                largest = max(f.stat().st_size for f in published_paths(store.out).values())
                limit = int(rng.uniform(128 * 1024, largest * 0.9))
                apply = _limit_file_size(limit)
                outcome = kpfeed_publish(store, sqlite_url, version, preexec_fn=apply)
                cause = "the file size limit is exceeded"
                _refused_and_intact(store, consumers, version, k, outcome, cause)
            assert publish(store, version) is False  # nothing of it was kept: a whole one
            _published(store, consumers, version, k)
        store.engine.dispose()


def test_a_read_only_directory_fails_publish_clearly_and_keeps_the_previous_release(
    sqlite_url: str, tmp_path: Path, static_site: str
) -> None:
    site = tmp_path / "site"
    with ExitStack() as stack:
        try:
            stack.enter_context(read_only_bind(site))
            mounted = True
        except MountRefused as refused:
            stack.enter_context(_fallback(refused))
            site.mkdir(exist_ok=True)
            mounted = False
        store = make_store(sqlite_url, tmp_path / "keys", site / "public")
        prepare(store, 1)
        publish(store, "2022.1")
        root = (store.out / "tuf" / "metadata" / "1.root.json").read_bytes()
        consumers = Consumers(f"{static_site}site/public/", root, tmp_path / "consumers")
        version = prepare(store, 2)
        if mounted:
            remount(site, read_only=True)
            try:
                outcome = kpfeed_publish(store, sqlite_url, version)
            finally:
                remount(site, read_only=False)
            cause = "the file system is read-only"
        else:
            # Root ignores mode bits; without these capabilities it must honour them.
            folders = (site, generations_dir(store.out))
            for folder in folders:
                folder.chmod(0o555)
            drop = "--bounding-set=-dac_override,-dac_read_search,-fowner"
            try:
                outcome = kpfeed_publish(store, sqlite_url, version, prefix=("setpriv", drop, "--"))
            finally:
                for folder in folders:
                    folder.chmod(0o755)
            cause = "permission denied"
        _refused_and_intact(store, consumers, version, 2, outcome, cause)
        code, stderr = kpfeed_publish(store, sqlite_url, version)
        assert code == 0, stderr
        _published(store, consumers, version, 2)
        store.engine.dispose()

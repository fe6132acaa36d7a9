"""What the publish fault tests share: a synthetic catalogue on SQLite and verifying consumers."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from feed.client import Catalogue, CatalogueClient, PullResult
from feed.client.http import HttpxFetcher
from feed.releasing import PublishOptions, approve_release, create_release, publish_release
from feed.releasing import published_release as shown_release
from feed.store import import_records, make_engine, migrate, set_manifest, transaction
from feed.synthetic import synthetic_record, synthetic_records
from tests.integration.release.common import LINKS, MANIFEST, NOW, fresh_keys
from tests.integration.release.common import Catalogue as Store

__all__ = [
    "RECORDS",
    "BackgroundConsumer",
    "Consumers",
    "Store",
    "check_pulled",
    "make_store",
    "prepare",
    "publish",
    "release_ids",
    "shown",
]

#: Enough records that a publication takes a few hundred milliseconds to aim kills into.
RECORDS = 150


def make_store(database_url: str, key_dir: Path, out: Path) -> Store:
    """A migrated store holding RECORDS approved synthetic records, keys, and `out`."""
    engine = make_engine(database_url)
    migrate(engine)
    with transaction(engine) as session:
        set_manifest(session, MANIFEST, actor="alice", at=NOW)
        import_records(session, synthetic_records(RECORDS), author="alice", approve=True)
    return Store(engine, fresh_keys(key_dir), key_dir, out, PublishOptions(links=LINKS))


def prepare(store: Store, k: int) -> str:
    """Approved release 2022.k: one record added and one changed since 2022.(k-1)."""
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


def publish(store: Store, version: str) -> bool:
    """Publish in this process; whether it finished an interrupted publication."""
    report = publish_release(
        store.engine, version, store.out, keyring=store.keyring, options=store.options, now=NOW
    )
    return report.finished_interrupted


def release_ids(k: int) -> set[str]:
    """The record ids release 2022.k holds."""
    added = {synthetic_record(1000 + j).id for j in range(2, k + 1)}
    return {r.id for r in synthetic_records(RECORDS)} | added


def shown(store: Store) -> str | None:
    """The release the published directory shows."""
    release = shown_release(store.out)
    return release.version if release else None


@dataclass
class Consumers:
    """A consumer that keeps its mirror, and new consumers that start from nothing, pulling
    `url` over HTTP with the verifying client and the pinned root."""

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


def check_pulled(result: PullResult, catalogue: Catalogue, allowed: dict[str, set[str]]) -> str:
    """The version pulled, after checking it is allowed and holds exactly its records."""
    assert result.to_version in allowed, (result.to_version, sorted(allowed))
    assert catalogue.version == result.to_version
    assert set(catalogue) == allowed[result.to_version]
    for record_id in list(catalogue)[:3]:  # typed on demand: a few make the point
        assert catalogue[record_id].id == record_id
    return result.to_version


class BackgroundConsumer(threading.Thread):
    """Pulls `url` in a loop, into three mirrors in turn, until halted; keeps every
    (mirror, version) pulled and every error."""

    def __init__(self, url: str, root: bytes, base: Path) -> None:
        super().__init__(daemon=True)
        self.url, self.root, self.base = url, root, base
        self.pulls: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self._stop_pulling = threading.Event()

    def run(self) -> None:
        n = 0
        while not self._stop_pulling.wait(0.2):
            mirror = n % 3
            n += 1
            fetcher = HttpxFetcher(timeout=10.0)
            try:
                with CatalogueClient(
                    self.url, self.base / str(mirror), self.root, fetcher=fetcher
                ) as client:
                    self.pulls.append((mirror, client.pull().to_version))
            except Exception as error:  # any failure at all is what this consumer reports
                self.errors.append(f"{type(error).__name__}: {error}")

    def halt(self) -> None:
        self._stop_pulling.set()
        self.join(timeout=60)

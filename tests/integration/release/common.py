"""Constants and types the release integration tests share with their fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from feed.model import AnyRecord, PackageManifest
from feed.releasing import PublishOptions
from feed.render import FeedLinks
from feed.sign.keys import Keyring, init_keys
from feed.store import import_records, transaction

#: Real time: python-tuf's client checks expiries against the clock.
NOW = datetime.now(UTC).replace(microsecond=0)
LINKS = FeedLinks("http://127.0.0.1:8000/feed/", "http://127.0.0.1:8000/api/v1/")
MANIFEST = PackageManifest(
    name="synthetic",
    catalogue="kpfeed-synthetic-test",
    title="Synthetic test catalogue",
    publisher="kpfeed tests",
)


@dataclass
class Catalogue:
    """A store filled with approved synthetic records, keys and a publication folder."""

    engine: Engine
    keyring: Keyring
    key_dir: Path
    out: Path
    options: PublishOptions

    def add(self, records: list[AnyRecord], *, author: str = "editor-alice") -> None:
        with transaction(self.engine) as session:
            import_records(session, records, author=author, approve=True)


def fresh_keys(key_dir: Path) -> Keyring:
    """Unencrypted keys (fast; the passphrase path is the key ring's own tests' business)."""
    return init_keys(key_dir, passphrase=None, now=NOW)

"""Fixtures for client tests: a key ring, a published site in memory, a client over it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feed.client import CatalogueClient, MemoryFetcher, RetryPolicy
from feed.sign.keys import Keyring, init_keys
from tests.unit.client.site import Site, records

PASSPHRASE = "client test passphrase"
#: Cheapest scrypt cost the key ring accepts: keeps tests fast, same code path.
FAST_KDF = 10
BASE_URL = "https://feed.test/"

#: `make_client(mirror=None, root=None)` -> a client over the site's files in memory.
MakeClient = Callable[..., CatalogueClient]


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    """A fresh key ring made now (python-tuf's client checks expiry by the real clock)."""
    return init_keys(
        tmp_path / "keys", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF
    )


@pytest.fixture
def site(keyring: Keyring) -> Site:
    """A site with release 2026.1: 30 synthetic records."""
    site = Site(keyring)
    site.release(records(30))
    return site


@pytest.fixture
def fetcher(site: Site) -> MemoryFetcher:
    """Serves the site's files as they are at each request; never sleeps between retries."""
    return MemoryFetcher(site.files, BASE_URL, retry=RetryPolicy(retries=2), sleep=lambda _: None)


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    return tmp_path / "mirror"


@pytest.fixture
def make_client(site: Site, fetcher: MemoryFetcher, mirror: Path) -> MakeClient:
    def make(folder: Path | None = None, root: bytes | None = None) -> CatalogueClient:
        return CatalogueClient(
            BASE_URL, folder or mirror, root or site.trusted_root, fetcher=fetcher
        )

    return make

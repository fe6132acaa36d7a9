"""The consumer client: verified pulls into a local mirror, and the typed catalogue it holds.

    with CatalogueClient(url, "mirror/", trusted_root="root.json") as client:
        result = client.pull()           # PullResult: from/to release, delta or full, bytes
        catalogue = client.catalogue()   # Catalogue: by id, by alias, changed since a release

- `feed.client.fetch`: the fetch interface (`Fetcher`), its rules, `MemoryFetcher` for tests;
- `feed.client.http`: `HttpxFetcher` (token, proxies, timeouts);
- `feed.client.state`, `feed.client.delta`, `feed.client.assemble`: the trusted mirror state,
  deltas and the package rebuilt from them, pure; `feed.client.index`: where each record sits;
- `feed.client.mirror`: the mirror folder, written atomically;
- `feed.client.updater`: `CatalogueClient`, the I/O around python-tuf's `Updater` (with
  `feed.client.primed`), returning `feed.client.result.PullResult`;
- `feed.client.catalogue`: `Catalogue`;
- `feed.client.verify`: minisign checks of files fetched by hand (`kpfeed verify`).
"""

from feed.client.catalogue import Catalogue
from feed.client.delta import ChangeCounts, apply_changes
from feed.client.fetch import Fetcher, FetchStats, MemoryFetcher, Reply, Request, RetryPolicy
from feed.client.http import HttpxFetcher
from feed.client.result import PullResult
from feed.client.updater import CatalogueClient
from feed.client.verify import VerifiedFile, verify_directory

__all__ = [
    "Catalogue",
    "CatalogueClient",
    "ChangeCounts",
    "FetchStats",
    "Fetcher",
    "HttpxFetcher",
    "MemoryFetcher",
    "PullResult",
    "Reply",
    "Request",
    "RetryPolicy",
    "VerifiedFile",
    "apply_changes",
    "verify_directory",
]

"""`PrimedFetcher`: python-tuf's fetcher for one pull, with bytes already in hand.

The updater fetches `timestamp.json` itself (conditionally), then lets python-tuf's `Updater`
run; this fetcher hands it those bytes instead of fetching them twice, and in offline mode
(after a `304`) fetches nothing at all.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from typing import IO

from tuf.api import exceptions as tuf_errors
from tuf.ngclient.fetcher import FetcherInterface

from feed.client.fetch import Fetcher

__all__ = ["OfflineMiss", "PrimedFetcher"]


class OfflineMiss(tuf_errors.DownloadHTTPError):
    """The offline updater needed a file it does not have: go online after all."""


class PrimedFetcher(FetcherInterface):
    """Hands python-tuf the bytes already fetched and fetches the rest through `fetcher`.

    Offline (after a `304` for timestamp.json) it fetches nothing: the probe for a newer root
    is answered "none" (404), since a new root reaches clients with a new timestamp (ADR 0006),
    and anything else raises `OfflineMiss`.
    """

    def __init__(self, fetcher: Fetcher, primed: Mapping[str, bytes], *, offline: bool) -> None:
        self._fetcher, self._primed, self._offline = fetcher, primed, offline

    def _fetch(self, url: str) -> Iterator[bytes]:  # pragma: no cover - download_file is used
        return self._fetcher.fetch(url)

    @contextlib.contextmanager
    def download_file(self, url: str, max_length: int) -> Iterator[IO[bytes]]:
        data = self._primed.get(url)
        if data is not None:
            if len(data) > max_length:
                raise tuf_errors.DownloadLengthMismatchError(
                    f"{url}: {len(data):,} bytes, more than the {max_length:,} allowed"
                )
            yield io.BytesIO(data)
        elif self._offline and url.endswith(".root.json"):
            raise tuf_errors.DownloadHTTPError(f"{url}: not asked for (timestamp unchanged)", 404)
        elif self._offline:
            raise OfflineMiss(f"{url}: not in the local metadata", 404)
        else:
            with self._fetcher.download_file(url, max_length) as temp:
                yield temp

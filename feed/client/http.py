"""`HttpxFetcher`: the client's fetcher over HTTP(S) with httpx (token, proxies, timeouts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx

from feed import __version__
from feed.client.fetch import (
    DEFAULT_MAX_BYTES,
    Fetcher,
    Reply,
    Request,
    RetryPolicy,
    TransportFailure,
)

__all__ = ["HttpxFetcher"]


class HttpxFetcher(Fetcher):
    """GETs with httpx; caps, retries and counts come from `Fetcher`.

    - `token`: sent as `Authorization: Bearer …` to deployments that restrict the feed
      (httpx drops it when a redirect leaves the origin);
    - proxies and CA bundles from the standard environment variables (`HTTPS_PROXY`,
      `NO_PROXY`, `SSL_CERT_FILE`, …), through httpx's `trust_env`;
    - `timeout`: seconds to connect, and between two reads of the body.

    `transport` replaces the network (e.g. `httpx.MockTransport`) in tests.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if sleep is None:
            super().__init__(max_bytes=max_bytes, retry=retry)
        else:
            super().__init__(max_bytes=max_bytes, retry=retry, sleep=sleep)
        headers = {"User-Agent": f"kpfeed/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=5,
            trust_env=True,
            transport=transport,
        )

    def send(self, request: Request) -> Reply:
        try:
            response = self._client.send(
                self._client.build_request("GET", request.url, headers=dict(request.headers)),
                stream=True,
            )
        except httpx.TimeoutException as error:
            raise TransportFailure(f"timed out ({type(error).__name__})") from None
        except httpx.TransportError as error:
            raise TransportFailure(f"{type(error).__name__}: {error}") from None
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Reply(response.status_code, headers, _body(response), response.close)

    def close(self) -> None:
        self._client.close()


def _body(response: httpx.Response) -> Iterator[bytes]:
    try:
        # Decoded bytes (after gzip etc.): the caps then also bound a compression bomb.
        yield from response.iter_bytes()
    except httpx.TimeoutException as error:
        raise TransportFailure(f"timed out while reading ({type(error).__name__})") from None
    except (httpx.TransportError, httpx.StreamError) as error:
        raise TransportFailure(f"{type(error).__name__}: {error}") from None

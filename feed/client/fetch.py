"""How the client fetches bytes: one small interface, the rules every fetch obeys, and a fake.

`Fetcher` is python-tuf's `FetcherInterface` (so `ngclient.Updater` downloads through it and
does all TUF verification) with one abstract method, `send(Request) -> Reply`, in the spirit
of httpx's `BaseTransport`. The rules live here once, for every implementation:

- every response is capped: ngclient passes the signed length (or its own cap for metadata),
  and `max_bytes` bounds everything else; a `Content-Length` above the cap is refused before
  a byte is read;
- connection failures and 5xx answers are retried with exponential backoff, a bounded number
  of times (a download that drops half-way starts again from the first byte);
- `get` makes conditional requests (`If-None-Match`), `get_prefix` reads only the first bytes;
- `stats` counts requests and body bytes, which `kpfeed pull` reports.

`MemoryFetcher` serves a dict of files from memory for tests; `HttpxFetcher` (in
`feed.client.http`) talks HTTP.
"""

from __future__ import annotations

import abc
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import IO, TypeVar

from tuf.api import exceptions as tuf_errors
from tuf.ngclient.fetcher import FetcherInterface

from feed.errors import FetchError, ForbiddenError, KpfeedError, TooLargeError, UnauthenticatedError

__all__ = [
    "FetchStats",
    "Fetched",
    "Fetcher",
    "MemoryFetcher",
    "Reply",
    "Request",
    "RetryPolicy",
    "TransportFailure",
    "download_failure",
]

#: Above any real catalogue (100k records make ~300 MB); a setting can lower or raise it.
DEFAULT_MAX_BYTES = 1024**3
_CHUNK = 64 * 1024
_T = TypeVar("_T")


@dataclass(frozen=True)
class Request:
    """One GET: the absolute URL and extra headers (names in lower case)."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    """An answer: status, headers (names in lower case), the body as chunks, how to let go."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Iterable[bytes] = ()
    close: Callable[[], None] = lambda: None


class TransportFailure(Exception):
    """The connection failed or dropped; raised by `send` or while iterating a body. Retried."""


@dataclass(frozen=True)
class FetchStats:
    """What the fetcher did so far: requests sent, body bytes received, 304 answers."""

    requests: int = 0
    bytes_received: int = 0
    not_modified: int = 0

    def __sub__(self, other: FetchStats) -> FetchStats:
        return FetchStats(
            self.requests - other.requests,
            self.bytes_received - other.bytes_received,
            self.not_modified - other.not_modified,
        )


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry: `retries` more attempts, delays doubling."""

    retries: int = 3
    first_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        return float(min(self.max_delay, self.first_delay * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Fetched:
    """The result of `Fetcher.get`: the body (empty on 304) and the validator the server sent."""

    url: str
    status: int
    body: bytes
    etag: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Retry(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Fetcher(FetcherInterface):
    """python-tuf's fetch interface plus caps, retries, conditional and partial reads, counts."""

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_bytes = max_bytes
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._stats = FetchStats()
        #: (url, status, content type) of the last answer, to explain what a refusal was.
        self.last_answer: tuple[str, int, str | None] | None = None

    @abc.abstractmethod
    def send(self, request: Request) -> Reply:
        """Send one GET and return the answer with its body unread.

        Raise `TransportFailure` when no answer comes (connection refused, reset, timeout), and
        from the body iterator when the connection drops mid-way. Any status is a `Reply`.
        """

    def close(self) -> None:
        """Release connections (nothing to release here)."""

    @property
    def stats(self) -> FetchStats:
        return self._stats

    # -- python-tuf's interface

    def _fetch(self, url: str) -> Iterator[bytes]:
        # ngclient only calls download_file/download_bytes, overridden below; this plain,
        # capped stream is what FetcherInterface demands of every implementation.
        try:
            reply = self._answer(url, {}, ok=(200,))
            yield from self._read(url, reply, self.max_bytes)
        except _Retry as failure:
            raise tuf_errors.DownloadError(f"{url}: {failure.reason}") from None

    @contextmanager
    def download_file(self, url: str, max_length: int) -> Iterator[IO[bytes]]:
        """Download `url` into a temporary file, at most `max_length` bytes, with retries.

        Raises python-tuf's errors, as ngclient expects: DownloadHTTPError (status kept),
        DownloadLengthMismatchError (too long), DownloadError (connection failed for good).
        """
        cap = min(max_length, self.max_bytes)
        with tempfile.TemporaryFile() as temp:
            self._with_retries(url, lambda: self._download_once(url, cap, temp))
            temp.seek(0)
            yield temp

    def download_bytes(self, url: str, max_length: int) -> bytes:
        with self.download_file(url, max_length) as temp:
            return temp.read()

    # -- kpfeed's additions

    def get(self, url: str, *, max_length: int, etag: str | None = None) -> Fetched:
        """GET `url` (conditionally when `etag` is given); kpfeed errors on failure.

        A 304 answer comes back with an empty body and `not_modified` set.
        """
        headers = {"if-none-match": etag} if etag else {}

        def once() -> Fetched:
            reply = self._answer(url, headers, ok=(200, 304) if etag else (200,))
            if reply.status == 304:
                reply.close()
                self._stats = replace(self._stats, not_modified=self._stats.not_modified + 1)
                return Fetched(url, 304, b"", etag)
            body = b"".join(self._read(url, reply, min(max_length, self.max_bytes)))
            return Fetched(url, 200, body, reply.headers.get("etag"))

        try:
            return self._with_retries(url, once)
        except tuf_errors.DownloadError as error:
            raise download_failure(error, url) from None

    def get_prefix(self, url: str, *, size: int) -> bytes:
        """The first `size` bytes of `url` (fewer if it is shorter); asks for a byte range.

        Servers that ignore `Range` send the whole body: reading stops after `size` bytes.
        """
        headers = {"range": f"bytes=0-{size - 1}"}

        def once() -> bytes:
            reply = self._answer(url, headers, ok=(200, 206))
            out = bytearray()
            try:
                for chunk in self._read(url, reply, None):
                    out += chunk
                    if len(out) >= size:
                        break
            finally:
                reply.close()
            return bytes(out[:size])

        try:
            return self._with_retries(url, once)
        except tuf_errors.DownloadError as error:
            raise download_failure(error, url) from None

    # -- the rules

    def _with_retries(self, url: str, attempt: Callable[[], _T]) -> _T:
        tries = self.retry.retries + 1
        for number in range(1, tries + 1):
            try:
                return attempt()
            except _Retry as failure:
                if number == tries:
                    raise tuf_errors.DownloadError(
                        f"{url}: {failure.reason} (gave up after {tries} attempt"
                        f"{'s' if tries > 1 else ''})"
                    ) from None
                self._sleep(self.retry.delay(number))
        raise AssertionError("unreachable")  # pragma: no cover

    def _open(self, url: str, headers: Mapping[str, str]) -> Reply:
        self._stats = replace(self._stats, requests=self._stats.requests + 1)
        try:
            reply = self.send(Request(url, dict(headers)))
        except TransportFailure as failure:
            raise _Retry(str(failure)) from None
        self.last_answer = (url, reply.status, reply.headers.get("content-type"))
        return reply

    def _answer(self, url: str, headers: Mapping[str, str], *, ok: tuple[int, ...]) -> Reply:
        reply = self._open(url, headers)
        if reply.status in ok:
            return reply
        reply.close()
        if reply.status >= 500:
            raise _Retry(_status_text(url, reply.status))
        raise tuf_errors.DownloadHTTPError(_status_text(url, reply.status), reply.status)

    def _download_once(self, url: str, cap: int, temp: IO[bytes]) -> None:
        temp.seek(0)
        temp.truncate()
        reply = self._answer(url, {}, ok=(200,))
        for chunk in self._read(url, reply, cap):
            temp.write(chunk)

    def _read(self, url: str, reply: Reply, cap: int | None) -> Iterator[bytes]:
        """The body's chunks, counted; stops past `cap` and turns drops into `_Retry`."""
        received = 0
        try:
            announced = reply.headers.get("content-length")
            if cap is not None and announced and announced.isdigit() and int(announced) > cap:
                raise tuf_errors.DownloadLengthMismatchError(
                    f"{url}: the server announced {int(announced):,} bytes, more than the "
                    f"{cap:,} bytes allowed"
                )
            for chunk in reply.body:
                received += len(chunk)
                self._stats = replace(
                    self._stats, bytes_received=self._stats.bytes_received + len(chunk)
                )
                if cap is not None and received > cap:
                    raise tuf_errors.DownloadLengthMismatchError(
                        f"{url}: received more than the {cap:,} bytes allowed; stopped reading"
                    )
                yield chunk
        except TransportFailure as failure:
            raise _Retry(f"connection dropped after {received:,} bytes: {failure}") from None
        finally:
            reply.close()


def _status_text(url: str, status: int) -> str:
    return f"{url}: HTTP status {status}"


def download_failure(error: tuf_errors.DownloadError, url: str) -> KpfeedError:
    """A python-tuf download error as the kpfeed error of the same meaning (message kept)."""
    message = str(error) or f"{url}: download failed"
    if isinstance(error, tuf_errors.DownloadLengthMismatchError):
        return TooLargeError(message)
    if isinstance(error, tuf_errors.DownloadHTTPError):
        if error.status_code == 401:
            return UnauthenticatedError(
                f"{message}: the feed needs a token (`--token` or KPFEED_FEED_TOKEN)"
            )
        if error.status_code == 403:
            return ForbiddenError(f"{message}: the token is not allowed to read this feed")
    cause = error.__cause__
    if cause is not None and str(cause) and str(cause) not in message:
        message = f"{message}: {cause}"
    return FetchError(message)


class MemoryFetcher(Fetcher):
    """Serves `files` (path under `base_url` -> bytes, or a function making a `Reply`) from memory.

    Like a static web server: `ETag` from the content, `304` to a matching `If-None-Match`,
    `206` to `Range: bytes=0-N`, `404` for anything else. Every request is kept in `requests`.
    """

    def __init__(
        self,
        files: Mapping[str, bytes | Callable[[Request], Reply]],
        base_url: str = "https://feed.test/",
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(max_bytes=max_bytes, retry=retry, sleep=sleep)
        self.files, self.base_url = files, base_url
        self.requests: list[Request] = []

    def send(self, request: Request) -> Reply:
        self.requests.append(request)
        path = request.url.removeprefix(self.base_url)
        item = self.files.get(path) if request.url.startswith(self.base_url) else None
        if callable(item):
            return item(request)
        if item is None:
            return Reply(404, body=[b"not found"])
        etag = f'"{hashlib.sha256(item).hexdigest()[:32]}"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, {"etag": etag})
        status, wanted = 200, request.headers.get("range", "")
        if wanted.startswith("bytes=0-"):
            status, item = 206, item[: int(wanted.removeprefix("bytes=0-")) + 1]
        chunks = [item[i : i + _CHUNK] for i in range(0, len(item), _CHUNK)]
        return Reply(status, {"etag": etag, "content-length": str(len(item))}, chunks)

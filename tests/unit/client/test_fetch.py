"""The rules every fetch obeys (caps, retries, conditional and partial reads) and HttpxFetcher."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
from tuf.api import exceptions as tuf_errors

from feed.client import HttpxFetcher, MemoryFetcher, Reply, Request, RetryPolicy
from feed.errors import FetchError, ForbiddenError, TooLargeError, UnauthenticatedError

URL = "https://feed.test/file.json"
DATA = b'{"synthetic": true}' * 100


def _memory(
    files: dict[str, object], *, retries: int = 3, max_bytes: int = 1 << 30
) -> tuple[MemoryFetcher, list[float]]:
    slept: list[float] = []
    fetcher = MemoryFetcher(
        files,  # type: ignore[arg-type]
        retry=RetryPolicy(retries=retries),
        sleep=slept.append,
        max_bytes=max_bytes,
    )
    return fetcher, slept


def _flaky(statuses: list[int]) -> object:
    """Answers with each status in turn, then with DATA."""
    answers = iter(statuses)

    def reply(_: Request) -> Reply:
        status = next(answers, 200)
        return Reply(status, body=[DATA] if status == 200 else [b"busy"])

    return reply


# -- retries


def test_server_errors_are_retried_with_doubling_delays() -> None:
    fetcher, slept = _memory({"file.json": _flaky([503, 502, 500])})
    assert fetcher.download_bytes(URL, len(DATA)) == DATA
    assert slept == [0.5, 1.0, 2.0]
    assert fetcher.stats.requests == 4


def test_server_errors_beyond_the_retries_fail_with_the_last_status() -> None:
    fetcher, slept = _memory({"file.json": _flaky([503] * 10)}, retries=2)
    with pytest.raises(FetchError, match=r"HTTP status 503 \(gave up after 3 attempts\)"):
        fetcher.get(URL, max_length=1000)
    assert len(slept) == 2


def test_client_errors_are_not_retried() -> None:
    fetcher, slept = _memory({})
    with pytest.raises(tuf_errors.DownloadHTTPError) as caught:
        fetcher.download_bytes(URL, 1000)
    assert caught.value.status_code == 404
    assert (slept, fetcher.stats.requests) == ([], 1)


def test_refused_token_says_what_to_do() -> None:
    fetcher, _ = _memory({"file.json": lambda _: Reply(401)})
    with pytest.raises(UnauthenticatedError, match=r"needs a token"):
        fetcher.get(URL, max_length=1000)
    fetcher, _ = _memory({"file.json": lambda _: Reply(403)})
    with pytest.raises(ForbiddenError, match=r"not allowed"):
        fetcher.get(URL, max_length=1000)


# -- caps


def test_announced_length_above_the_cap_is_refused_before_reading() -> None:
    endless = itertools.repeat(b"x" * 1024)
    fetcher, _ = _memory({"file.json": lambda _: Reply(200, {"content-length": "10000"}, endless)})
    with pytest.raises(tuf_errors.DownloadLengthMismatchError, match=r"announced 10,000 bytes"):
        fetcher.download_bytes(URL, 5000)
    assert fetcher.stats.bytes_received == 0


def test_unannounced_body_is_cut_at_the_cap() -> None:
    endless = itertools.repeat(b"x" * 1024)
    fetcher, _ = _memory({"file.json": lambda _: Reply(200, body=endless)})
    with pytest.raises(TooLargeError, match=r"more than the 5,000 bytes allowed"):
        fetcher.get(URL, max_length=5000)
    assert fetcher.stats.bytes_received == 5 * 1024


def test_fetcher_cap_bounds_what_python_tuf_allows() -> None:
    fetcher, _ = _memory({"file.json": DATA}, max_bytes=100)
    with pytest.raises(tuf_errors.DownloadLengthMismatchError, match=r"more than the 100 bytes"):
        fetcher.download_bytes(URL, 10**9)


# -- conditional and partial reads


def test_matching_etag_is_answered_not_modified_without_a_body() -> None:
    fetcher, _ = _memory({"file.json": DATA})
    first = fetcher.get(URL, max_length=10**6)
    assert (first.status, first.body) == (200, DATA)
    assert first.etag is not None
    again = fetcher.get(URL, max_length=10**6, etag=first.etag)
    assert again.not_modified
    assert again.body == b""
    assert fetcher.stats.not_modified == 1
    assert fetcher.stats.bytes_received == len(DATA)


def test_prefix_is_read_with_a_range_request() -> None:
    fetcher, _ = _memory({"file.json": DATA})
    assert fetcher.get_prefix(URL, size=10) == DATA[:10]
    assert fetcher.requests[-1].headers["range"] == "bytes=0-9"
    assert fetcher.stats.bytes_received == 10


def test_prefix_from_a_server_ignoring_ranges_stops_reading_early() -> None:
    endless = itertools.repeat(b"y" * 1024)
    fetcher, _ = _memory({"file.json": lambda _: Reply(200, body=endless)})
    assert fetcher.get_prefix(URL, size=3000) == b"y" * 3000
    assert fetcher.stats.bytes_received == 3 * 1024


# -- HttpxFetcher over httpx's own MockTransport


def _httpx(handler: httpx.MockTransport, **options: object) -> tuple[HttpxFetcher, list[float]]:
    slept: list[float] = []
    fetcher = HttpxFetcher(
        transport=handler,
        retry=RetryPolicy(retries=2),
        sleep=slept.append,
        **options,  # type: ignore[arg-type]
    )
    return fetcher, slept


def test_httpx_fetcher_sends_the_bearer_token_and_its_name() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=DATA)

    fetcher, _ = _httpx(httpx.MockTransport(handler), token="synthetic-token")
    assert fetcher.download_bytes(URL, 10**6) == DATA
    assert seen[0].headers["authorization"] == "Bearer synthetic-token"
    assert seen[0].headers["user-agent"].startswith("kpfeed/")


def test_httpx_fetcher_sends_no_authorization_without_a_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=DATA)

    fetcher, _ = _httpx(httpx.MockTransport(handler))
    fetcher.download_bytes(URL, 10**6)
    assert "authorization" not in seen[0].headers


def test_httpx_fetcher_retries_connection_errors_and_timeouts() -> None:
    failures = iter([httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])

    def handler(request: httpx.Request) -> httpx.Response:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return httpx.Response(200, content=DATA)

    fetcher, slept = _httpx(httpx.MockTransport(handler))
    assert fetcher.download_bytes(URL, 10**6) == DATA
    assert slept == [0.5, 1.0]


class _Dropping(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield DATA[:50]
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def test_httpx_fetcher_reports_a_connection_dropped_mid_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_Dropping())

    fetcher, slept = _httpx(httpx.MockTransport(handler))
    with pytest.raises(FetchError, match=r"connection dropped after 50 bytes.*peer closed"):
        fetcher.get(URL, max_length=10**6)
    assert len(slept) == 2

"""`/feed/` serves the published directory with validators, cache policy, gzip and refusals."""

from __future__ import annotations

import gzip
from email.utils import formatdate
from pathlib import Path

import pytest

from tests.integration.api.common import (
    client_for,
    point,
    settings_for,
    sha256_hex,
    write_generation,
)

pytestmark = pytest.mark.anyio

IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


async def test_etag_is_the_sha256_of_the_served_bytes(tmp_path: Path, public: Path) -> None:
    async with client_for(settings_for(tmp_path)) as client:
        response = await client.get("/feed/feed.json", headers=IDENTITY)
    assert response.status_code == 200
    body = (public / "feed.json").read_bytes()
    assert response.content == body
    assert response.headers["etag"] == f'"{sha256_hex(body)}"'
    assert response.headers["content-type"] == "application/feed+json"
    assert response.headers["last-modified"]
    assert "content-encoding" not in response.headers


async def test_if_none_match_with_the_current_etag_gives_304_without_body(
    tmp_path: Path, public: Path
) -> None:
    async with client_for(settings_for(tmp_path)) as client:
        first = await client.get("/feed/feed.json", headers=IDENTITY)
        etag = first.headers["etag"]
        again = await client.get(
            "/feed/feed.json", headers=IDENTITY | {"If-None-Match": f'"other", {etag}'}
        )
        stale = await client.get("/feed/feed.json", headers=IDENTITY | {"If-None-Match": '"x"'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert stale.status_code == 200


async def test_if_modified_since_is_honoured_when_no_etag_is_sent(
    tmp_path: Path, public: Path
) -> None:
    later = formatdate((public / "feed.json").stat().st_mtime + 10, usegmt=True)
    earlier = formatdate((public / "feed.json").stat().st_mtime - 3600, usegmt=True)
    async with client_for(settings_for(tmp_path)) as client:
        unchanged = await client.get("/feed/feed.json", headers={"If-Modified-Since": later})
        changed = await client.get("/feed/feed.json", headers={"If-Modified-Since": earlier})
    assert unchanged.status_code == 304
    assert changed.status_code == 200


async def test_head_gives_the_headers_of_get_and_no_body(tmp_path: Path, public: Path) -> None:
    async with client_for(settings_for(tmp_path)) as client:
        get = await client.get("/feed/feed.json", headers=IDENTITY)
        head = await client.head("/feed/feed.json", headers=IDENTITY)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["etag"] == get.headers["etag"]


async def test_gzip_is_served_to_clients_that_ask_with_its_own_etag(
    tmp_path: Path, public: Path
) -> None:
    body = (public / "feed.json").read_bytes()
    async with client_for(settings_for(tmp_path)) as client:
        response = await client.get("/feed/feed.json", headers=GZIP)
        refused = await client.get("/feed/feed.json", headers={"Accept-Encoding": "gzip;q=0"})
        revalidated = await client.get(
            "/feed/feed.json", headers=GZIP | {"If-None-Match": response.headers["etag"]}
        )
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.content == body  # httpx decodes it
    assert response.headers["etag"] == f'"{sha256_hex(body)}-gzip"'
    assert int(response.headers["content-length"]) < len(body)
    assert "content-encoding" not in refused.headers
    assert revalidated.status_code == 304


async def test_gzip_bytes_on_the_wire_decompress_to_the_file(tmp_path: Path, public: Path) -> None:
    async with (
        client_for(settings_for(tmp_path)) as client,
        client.stream("GET", "/feed/feed.atom", headers=GZIP) as response,
    ):
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert gzip.decompress(raw) == (public / "feed.atom").read_bytes()
    assert response.headers["content-type"] == "application/atom+xml"


async def test_frozen_release_files_are_immutable_and_current_files_are_short_lived(
    tmp_path: Path, public: Path
) -> None:
    settings = settings_for(tmp_path, feed_max_age=42)
    async with client_for(settings) as client:
        frozen = await client.get("/feed/releases/2024.1/feed.json")
        current = await client.get("/feed/feed.json")
        signature = await client.get("/feed/feed.json.minisig")
    assert frozen.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert current.headers["cache-control"] == "public, max-age=42"
    assert signature.headers["cache-control"] == "public, max-age=42"
    assert signature.headers["content-type"] == "text/plain; charset=utf-8"


async def test_a_new_generation_is_served_as_soon_as_the_symlink_flips(
    tmp_path: Path, public: Path
) -> None:
    async with client_for(settings_for(tmp_path)) as client:
        before = await client.get("/feed/package.json")
        point(public, write_generation(tmp_path, "g2", marker="two"))
        after = await client.get("/feed/package.json")
        revalidated = await client.get(
            "/feed/package.json", headers={"If-None-Match": before.headers["etag"]}
        )
    assert before.json()["m"] == "one"
    assert after.json()["m"] == "two"
    assert after.headers["etag"] != before.headers["etag"]
    assert revalidated.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/feed/%2e%2e/%2e%2e/etc/passwd",
        "/feed/..%2f..%2fetc%2fpasswd",
        "/feed/releases/%2e%2e/%2e%2e/%2e%2e/unused.db",
        "/feed/.feed.json.tmp",
        "/feed/releases",
        "/feed/",
        "/feed/nothing.json",
        "/feed/releases//2024.1/feed.json",
    ],
)
async def test_paths_outside_or_hidden_or_missing_get_a_404_problem(
    tmp_path: Path, public: Path, path: str
) -> None:
    (tmp_path / "unused.db").write_text("secret")
    async with client_for(settings_for(tmp_path)) as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert "secret" not in response.text


async def test_a_symlink_inside_the_tree_that_leads_out_is_refused(
    tmp_path: Path, public: Path
) -> None:
    (tmp_path / "outside.json").write_text('{"secret": true}')
    (public / "escape.json").symlink_to(tmp_path / "outside.json")
    async with client_for(settings_for(tmp_path)) as client:
        response = await client.get("/feed/escape.json")
    assert response.status_code == 404


async def test_large_files_are_streamed_and_compressed_once_on_disk(
    tmp_path: Path, public: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("feed.api.published.MAX_IN_MEMORY", 1024)
    body = (public / "feed.json").read_bytes()
    assert len(body) > 1024
    async with client_for(settings_for(tmp_path)) as client:
        plain = await client.get("/feed/feed.json", headers=IDENTITY)
        packed = await client.get("/feed/feed.json", headers=GZIP)
        revalidated = await client.get(
            "/feed/feed.json", headers=IDENTITY | {"If-None-Match": plain.headers["etag"]}
        )
    assert plain.content == body
    assert plain.headers["etag"] == f'"{sha256_hex(body)}"'
    assert packed.content == body
    assert packed.headers["content-encoding"] == "gzip"
    assert revalidated.status_code == 304
    cached = list((tmp_path / "var" / "cache" / "feed-gzip").glob("*.gz"))
    assert [p.name for p in cached] == [f"{sha256_hex(body)}.gz"]


async def test_feed_requests_are_counted_under_their_route_template(
    tmp_path: Path, public: Path
) -> None:
    async with client_for(settings_for(tmp_path)) as client:
        await client.get("/feed/feed.json")
        await client.get("/feed/nothing.json")
        metrics = (await client.get("/metrics")).text
    assert 'route="/feed/{path}",status="200"' in metrics
    assert 'route="/feed/{path}",status="404"' in metrics
    assert "feed.json" not in metrics


async def test_methods_other_than_get_and_head_are_refused_with_405(
    tmp_path: Path, public: Path
) -> None:
    async with client_for(settings_for(tmp_path)) as client:
        post = await client.post("/feed/feed.json", content=b"x")
        delete = await client.delete("/feed/feed.json")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"
    assert post.headers["content-type"] == "application/problem+json"
    assert delete.status_code == 405
    assert (public / "feed.json").exists()

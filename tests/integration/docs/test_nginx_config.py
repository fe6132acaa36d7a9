"""docs/deploy/nginx.conf passes `nginx -t` and serves a published directory as documented."""

from __future__ import annotations

import gzip
import json
import os
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.docs.nginx import (
    Site,
    build_site,
    echo_upstream,
    nginx_binary,
    running_nginx,
)

TARGET = "0" * 63 + "1"
YEAR = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"


def _padded(document: dict[str, object]) -> bytes:
    # Bigger than gzip_min_length, obviously synthetic.
    return json.dumps({**document, "padding": "synthetic " * 200}).encode()


def write_generation(folder: Path, version: str) -> None:
    """A published directory shaped like `kpfeed publish` output, with synthetic bytes."""
    files = {
        "feed.json": _padded({"version": "https://jsonfeed.org/version/1.1", "release": version}),
        "feed.atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        + b"<title>synthetic</title>" * 60
        + b"</feed>",
        "package.json": _padded({"release": version}),
        "package.json.minisig": b"untrusted comment: synthetic\n",
        "minisign.pub": b"untrusted comment: synthetic\n",
        "releases.json": _padded({"releases": [version]}),
        f"releases/{version}/package.json": _padded({"release": version}),
        f"releases/{version}/package.json.minisig": b"untrusted comment: synthetic\n",
        f"releases/{version}/feed.json": _padded({"release": version}),
        "tuf/metadata/1.root.json": b'{"signed": {"_type": "root"}}',
        "tuf/metadata/timestamp.json": b'{"signed": {"_type": "timestamp"}}',
        f"tuf/targets/{TARGET}.package.json": b"{}",
        ".package.json.tmp": b"half-written",
    }
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.fixture
def nginx() -> str:
    return nginx_binary()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    generations = tmp_path / "generations"
    write_generation(generations / "1", "2026.1")
    public = tmp_path / "public"
    public.symlink_to(generations / "1")  # publish flips this symlink to a new generation
    (tmp_path / "nginx").mkdir()
    with echo_upstream() as upstream_port:
        yield build_site(tmp_path / "nginx", public, upstream_port)


def test_nginx_accepts_the_deployment_config(nginx: str, site: Site) -> None:
    result = subprocess.run(
        site.command(nginx, "-t"), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_serves_the_published_directory_and_proxies_the_api(nginx: str, site: Site) -> None:
    context = ssl.create_default_context(cafile=str(site.cert))
    base = f"https://127.0.0.1:{site.https_port}"
    with running_nginx(nginx, site), httpx.Client(verify=context, timeout=10) as client:
        feed = client.get(f"{base}/feed/feed.json", headers={"Accept-Encoding": "identity"})
        assert feed.status_code == 200
        assert feed.headers["content-type"] == "application/feed+json"
        assert feed.headers["cache-control"] == SHORT
        assert feed.headers["x-content-type-options"] == "nosniff"
        assert json.loads(feed.content)["release"] == "2026.1"

        unchanged = client.get(
            f"{base}/feed/feed.json", headers={"If-None-Match": feed.headers["etag"]}
        )
        assert unchanged.status_code == 304

        atom = client.get(f"{base}/feed/feed.atom", headers={"Accept-Encoding": "gzip"})
        assert atom.headers["content-type"] == "application/atom+xml"
        assert atom.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in atom.headers["vary"].lower()
        assert atom.content.startswith(b"<?xml")  # httpx decoded the gzip body

        frozen = client.get(f"{base}/feed/releases/2026.1/package.json")
        assert frozen.headers["content-type"] == "application/json"
        assert frozen.headers["cache-control"] == YEAR
        assert (
            client.get(f"{base}/feed/releases/2026.1/feed.json").headers["content-type"]
            == "application/feed+json"
        )

        signature = client.get(f"{base}/feed/releases/2026.1/package.json.minisig")
        assert signature.headers["content-type"] == "text/plain; charset=utf-8"
        assert signature.headers["cache-control"] == SHORT

        assert client.get(f"{base}/feed/tuf/metadata/1.root.json").headers["cache-control"] == YEAR
        assert (
            client.get(f"{base}/feed/tuf/metadata/timestamp.json").headers["cache-control"] == SHORT
        )
        assert (
            client.get(f"{base}/feed/tuf/targets/{TARGET}.package.json").headers["cache-control"]
            == YEAR
        )

        assert client.get(f"{base}/feed/.package.json.tmp").status_code == 404
        assert client.get(f"{base}/feed/nothing-here.json").status_code == 404
        assert client.get(f"{base}/feed/").status_code in (403, 404)  # no directory listing

        api = client.get(f"{base}/api/v1/releases?limit=1")
        assert api.status_code == 200
        seen = api.json()
        assert seen["path"] == "/api/v1/releases?limit=1"
        assert seen["x_forwarded_proto"] == "https"
        assert seen["x_forwarded_for"] == "127.0.0.1"
        assert seen["x_request_id"]

        plain = client.get(f"http://127.0.0.1:{site.http_port}/feed/feed.json")
        assert plain.status_code == 301
        assert plain.headers["location"].startswith("https://")


def test_nginx_serves_a_new_generation_as_soon_as_publish_flips_the_symlink(
    nginx: str, site: Site
) -> None:
    context = ssl.create_default_context(cafile=str(site.cert))
    url = f"https://127.0.0.1:{site.https_port}/feed/package.json"
    with running_nginx(nginx, site), httpx.Client(verify=context, timeout=10) as client:
        first = client.get(url)
        assert json.loads(first.content)["release"] == "2026.1"
        second_generation = site.public.resolve().parent / "2"
        write_generation(second_generation, "2026.2")
        # nginx's ETag is mtime (to the second) and size; publications are seconds apart, and
        # within one second two equal-sized versions would share one (see deployment.md).
        later = (site.public / "package.json").stat().st_mtime + 2
        for path in second_generation.rglob("*"):
            os.utime(path, (later, later))
        flip = site.public.with_name("public.new")
        flip.symlink_to(second_generation)
        os.replace(flip, site.public)
        second = client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert second.status_code == 200
        assert json.loads(second.content)["release"] == "2026.2"
        assert client.get(f"{url.rsplit('/', 1)[0]}/releases/2026.2/package.json").status_code == (
            200
        )


def test_gzip_bodies_decode_to_the_published_bytes(nginx: str, site: Site) -> None:
    context = ssl.create_default_context(cafile=str(site.cert))
    url = f"https://127.0.0.1:{site.https_port}/feed/package.json"
    with running_nginx(nginx, site), httpx.Client(verify=context, timeout=10) as client:
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as response:
            raw = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == (site.public / "package.json").read_bytes()

"""Against a real `kpfeed serve` process on 127.0.0.1: headers on the wire, logs, workers, stop."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from feed.accounts import Role
from tests.integration.api.catalogue import Catalogue
from tests.integration.api.common import bearer
from tests.integration.api.live import start_server


def test_served_feed_and_api_over_real_http(
    tmp_path: Path, store_url: str, tokens: dict[Role, str], catalogue: Catalogue, public: Path
) -> None:
    server = start_server(database_url=store_url, public_dir=public, data_dir=tmp_path / "var")
    try:
        with httpx.Client(base_url=server.url) as client:
            ready = client.get("/readyz")
            plain = client.get("/feed/feed.json", headers={"Accept-Encoding": "identity"})
            not_modified = client.get(
                "/feed/feed.json",
                headers={"Accept-Encoding": "identity", "If-None-Match": plain.headers["etag"]},
            )
            head = client.head("/feed/feed.json", headers={"Accept-Encoding": "identity"})
            with client.stream("GET", "/feed/feed.json", headers={"Accept-Encoding": "gzip"}) as r:
                raw = b"".join(r.iter_raw())
                packed_headers = r.headers
            frozen = client.get("/feed/releases/2024.1/feed.json")
            records = client.get("/api/v1/records", headers=bearer(tokens[Role.COMPANY]))
            me = client.get("/api/v1/me", headers=bearer(tokens[Role.COMPANY]))
    finally:
        code = server.stop()
    assert ready.status_code == 200
    assert plain.content == (public / "feed.json").read_bytes()
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(plain.content))
    assert head.content == b""
    assert packed_headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == plain.content
    assert frozen.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert records.json()["release"] == "2024.2"
    assert me.json()["role"] == "company"
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says why.
    assert code in (0, -15)
    assert "Application shutdown complete." in server.log.read_text()

    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    access = [line for line in lines if line.get("logger") == "kpfeed.access"]
    assert len(access) >= 8
    assert {a["route"] for a in access} >= {"/feed/{path}", "/api/v1/records", "/readyz"}
    assert all({"method", "status", "duration_ms", "principal"} <= a.keys() for a in access)
    assert any(a["principal"] and a["principal"].startswith("organisation:") for a in access)
    text = server.log.read_text()
    for token in tokens.values():
        assert token.split("_", 2)[2] not in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_workers_on_sqlite_serve_and_pool_their_metrics(
    tmp_path: Path, store_url: str, catalogue: Catalogue, public: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    server = start_server(
        database_url=store_url,
        public_dir=public,
        data_dir=tmp_path / "var",
        workers=2,
        TMPDIR=str(scratch),
    )
    try:
        with httpx.Client(base_url=server.url) as client:
            statuses = [
                client.get("/api/v1/records", params={"limit": 3}).status_code for _ in range(30)
            ]
            # new connections, so both workers get a share
            for _ in range(10):
                assert httpx.get(f"{server.url}/healthz").status_code == 200
            metrics = client.get("/metrics").text
        # the workers' shared counters live in a folder of the server's own...
        assert [p.name.startswith("kpfeed-metrics-") for p in scratch.iterdir()] == [True]
    finally:
        server.stop()
    # ...which goes when it stops
    assert list(scratch.iterdir()) == []
    assert statuses == [200] * 30
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith("kpfeed_http_requests_total{")
        and 'route="/api/v1/records"' in line
        and 'status="200"' in line
    ]
    assert len(counted) == 1
    assert float(counted[0].rsplit(" ", 1)[1]) == 30.0

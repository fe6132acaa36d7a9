"""`kpfeed pull` against a real HTTP server process on 127.0.0.1, attacks included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feed.cli import main
from feed.client import CatalogueClient, HttpxFetcher, RetryPolicy
from feed.errors import FetchError, TooLargeError, TrustError, UnauthenticatedError
from tests.integration.client.conftest import Served
from tests.unit.client.site import changed, records


def _pull(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["pull", *args])
    return result.exit_code, result.output


def _client(served: Served, mirror: Path, pinned: Path) -> CatalogueClient:
    fetcher = HttpxFetcher(retry=RetryPolicy(retries=1, first_delay=0.01), timeout=10)
    return CatalogueClient(served.url, mirror, pinned / "root.json", fetcher=fetcher)


def _next_release(served: Served, *, changes: int = 2, added: int = 1) -> None:
    site = served.site
    current = [changed(r, 1) if i < changes else r for i, r in enumerate(site.current.records)]
    site.release([*current, *records(added, start=len(current))])
    served.publish()


def test_pull_command_mirrors_the_release_then_applies_the_next_delta(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    code, output = _pull(
        served.url, "--into", str(mirror), "--trusted-root", str(pinned / "root.json")
    )
    assert code == 0, output
    assert "an empty mirror -> 2026.1 (sequence 1) with the full package.json" in output
    assert "40 added, 0 changed, 0 retired; 40 records" in output
    assert (mirror / "package.json").read_bytes() == served.site.files["package.json"]

    _next_release(served)
    served.forget_requests()
    code, output = _pull(served.url, "--into", str(mirror), "--json")
    assert code == 0, output
    result = json.loads(output)
    assert (result["method"], result["deltas"]) == ("delta", ["2026.2"])
    assert (result["added"], result["changed"], result["retired"]) == (1, 2, 0)
    assert (mirror / "package.json").read_bytes() == served.site.files["package.json"]
    package = [r for r in served.requests() if r["path"] == served.copy_url_path("package.json")]
    assert [r["range"] for r in package] == ["bytes=0-8191"]
    assert result["bytes_received"] < len(served.site.files["package.json"]) / 4


def test_unchanged_catalogue_is_one_request_answered_304(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    client = _client(served, tmp_path / "mirror", pinned)
    client.pull()
    served.forget_requests()
    result = client.pull()
    assert result.method == "unchanged"
    seen = served.requests()
    assert [(r["path"], r["status"]) for r in seen] == [
        (f"/{served.folder.name}/tuf/metadata/timestamp.json", 304)
    ]
    assert seen[0]["if_none_match"]


def test_feed_behind_a_token_needs_it_and_gets_it_on_every_request(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    served.rules(token="synthetic-feed-token")
    mirror = tmp_path / "mirror"
    code, output = _pull(
        served.url, "--into", str(mirror), "--trusted-root", str(pinned / "root.json")
    )
    assert code == 1
    assert "HTTP status 401: the feed needs a token" in output
    assert not (mirror / "package.json").exists()

    served.forget_requests()
    code, output = _pull(
        served.url,
        "--into",
        str(mirror),
        "--trusted-root",
        str(pinned / "root.json"),
        "--token",
        "synthetic-feed-token",
    )
    assert code == 0, output
    assert {r["authorization"] for r in served.requests()} == {"Bearer synthetic-feed-token"}


def test_proxy_from_the_environment_is_used(
    served: Served, pinned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = served.url.rsplit("/", 2)[0]  # http://127.0.0.1:PORT
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    unreachable = f"http://feed.invalid/{served.folder.name}/"
    fetcher = HttpxFetcher(retry=RetryPolicy(retries=0), timeout=10)
    client = CatalogueClient(
        unreachable, tmp_path / "mirror", pinned / "root.json", fetcher=fetcher
    )
    assert client.pull().to_version == "2026.1"
    assert served.requests()
    assert all(r["proxied"] for r in served.requests())


def test_two_gigabyte_package_is_refused_without_reading_it(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    served.rules(paths={served.copy_url_path("package.json"): "huge"})
    client = _client(served, tmp_path / "mirror", pinned)
    with pytest.raises(TooLargeError, match=r"announced 2,147,483,648 bytes"):
        client.pull()
    assert client.fetcher.stats.bytes_received < 64 * 1024
    assert not (tmp_path / "mirror" / "package.json").exists()


def test_two_gigabytes_without_a_length_are_cut_at_the_signed_length(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    served.rules(paths={served.copy_url_path("package.json"): "huge-unannounced"})
    client = _client(served, tmp_path / "mirror", pinned)
    length = len(served.site.files["package.json"])
    with pytest.raises(TooLargeError, match=f"more than the {length:,} bytes allowed"):
        client.pull()
    assert client.fetcher.stats.bytes_received < length + 1024 * 1024


def test_connection_dropped_mid_download_is_refused_and_the_mirror_stays(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    _client(served, mirror, pinned).pull()
    before = (mirror / "package.json").read_bytes()
    _next_release(served)
    changes = served.copy_url_path("releases/2026.2/changes.json")
    served.rules(paths={changes: "drop"})
    with pytest.raises(FetchError, match=r"connection dropped after .*gave up after 2 attempts"):
        _client(served, mirror, pinned).pull()
    assert (mirror / "package.json").read_bytes() == before
    assert len([r for r in served.requests() if r["path"] == changes]) == 2


def test_html_login_page_instead_of_metadata_is_refused(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    prefix = f"/{served.folder.name}/tuf/metadata/"
    served.rules(paths={f"{prefix}timestamp.json": "html", f"{prefix}2.root.json": "html"})
    with pytest.raises(TrustError, match=r"not TUF metadata.*the server sent text/html"):
        _client(served, tmp_path / "mirror", pinned).pull()


def test_tampered_package_on_the_server_is_refused(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    copy = served.folder / served.site.copy_path("package.json")
    copy.write_bytes(copy.read_bytes().replace(b"Synthetic", b"Synthet1c", 1))
    code, output = _pull(
        served.url, "--into", str(tmp_path / "m"), "--trusted-root", str(pinned / "root.json")
    )
    assert code == 1
    assert "package.json of release 2026.1 refused (not the bytes that were signed)" in output


def test_real_kpfeed_executable_pulls_and_prints_json(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "feed",
            "pull",
            served.url,
            "--into",
            str(tmp_path / "m"),
            "--trusted-root",
            str(pinned / "root.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["to_version"] == "2026.1"


def test_unauthenticated_error_class_reaches_api_users(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    served.rules(token="t")
    with pytest.raises(UnauthenticatedError):
        _client(served, tmp_path / "m", pinned).pull()

"""The README's walk with curl runs as written against a real `kpfeed demo`; a taken port is
refused before anything is built."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from feed.cli import main
from tests.conftest import REPO
from tests.integration.docs.runbook import clean_environment, run_page
from tests.integration.walk.demo import running_demo

pytestmark = pytest.mark.slow


def test_the_readme_walk_and_tour_run_as_written(tmp_path: Path) -> None:
    # The README's tour runs from a checkout: it validates and imports packages/sample.
    (tmp_path / "packages").symlink_to(REPO / "packages")
    with running_demo(tmp_path) as started:
        run_page(
            REPO / "README.md",
            tmp_path,
            clean_environment(tmp_path),
            substitutions={"http://127.0.0.1:8000": started.url},
        )
        with httpx.Client(base_url=started.url) as client:
            mine = client.get("/api/v1/feedback", headers=started.headers("company")).json()
            releases = client.get("/api/v1/releases").json()["items"]
    kinds = {item["kind"]: item for item in mine["items"]}
    assert len(kinds) == 9
    assert kinds["label-dispute"]["status"] == "accepted"
    assert kinds["label-dispute"]["addressed_in"] == "2022.3"
    assert kinds["false-positive"]["status"] == "declined"
    assert kinds["inconclusive"]["retracted_by"] == kinds["retraction"]["id"]
    assert releases[0]["version"] == "2022.3"
    assert (
        json.loads((tmp_path / "mirror" / "package.json").read_bytes())["release"]["version"]
        == "2022.3"
    )
    log = [
        json.loads(line)
        for line in started.output.read_text().split("serving the feed on", 1)[1].splitlines()
        if line.startswith("{")
    ]
    feed = [e["status"] for e in log if e.get("path") == "/feed/feed.json" and "status" in e]
    assert 304 in feed
    # The tour: its own store and keys under ./var, release 2023.1 published and signed there,
    # the demo's feed matched and exported from the mirror.
    tour = json.loads((tmp_path / "var" / "public" / "package.json").read_bytes())
    assert tour["release"]["version"] == "2023.1"
    assert len(tour["records"]) == 31
    bundle = json.loads((tmp_path / "catalogue.stix.json").read_bytes())
    assert bundle["type"] == "bundle"


def test_demo_refuses_a_taken_port_before_building_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["demo", "--dir", str(tmp_path / "demo"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output
    assert "--port" in result.output
    assert not (tmp_path / "demo").exists()

"""`bench/run --quick` runs every benchmark and writes a report with each figure and baseline."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

POSTGRES = bool(os.environ.get("KPFEED_TEST_DATABASE_URL"))


def expected_rows() -> set[tuple[str, str]]:
    stores = ["SQLite", "PostgreSQL"] if POSTGRES else ["SQLite"]
    rows = {("import", f"validate + import, {store}") for store in stores}
    rows |= {("feedback", f"feedback ingest, {store}") for store in stores}
    rows |= {
        ("publish", "create + publish (CPU time)"),
        ("publish", "create + publish (wall time)"),
        ("pull", "full pull (empty mirror)"),
        ("pull", "incremental pull (1% changed)"),
        ("pull", "incremental pull bytes (1% changed)"),
        ("pull", "incremental pull time (1% changed)"),
        ("peer", "full pull, time: kpfeed (verified) vs TAXII"),
        ("peer", "full pull, bytes: kpfeed vs TAXII"),
        ("peer", "incremental (added_after) pull, time: kpfeed (verified) vs TAXII"),
        ("peer", "incremental (added_after) pull, bytes: kpfeed vs TAXII"),
        ("feed-get", "feed GET 200 (feed.json)"),
        ("feed-get", "feed GET 304 (feed.json)"),
        ("match", "matcher, all normalization on"),
        ("match", "matcher build, 2,000 patterns"),
    }
    return rows


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [str(REPO / "bench" / "run"), "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    logs = "\n".join(p.read_text()[-3000:] for p in sorted((out / "logs").glob("*.log")))
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n{logs}"
    return out, json.loads((out / "results.json").read_text())


def test_every_benchmark_reports_a_figure_beside_its_baseline(
    quick_run: tuple[Path, dict[str, Any]],
) -> None:
    _, results = quick_run
    assert results["meta"]["failures"] == {}
    rows = results["rows"]
    assert {(r["benchmark"], r["name"]) for r in rows} >= expected_rows()
    for row in rows:
        assert row["figure"]["median"] > 0, row
        assert row["baseline"]["median"] > 0, row
        assert row["figure"]["min"] <= row["figure"]["median"] <= row["figure"]["max"], row
        assert row["ratio"] == pytest.approx(row["figure"]["median"] / row["baseline"]["median"])
    # Targets of the other issues are judged, each met or not with its ratio.
    judged = {r["name"] for r in rows if r["met"] is not None}
    assert {"feed GET 200 (feed.json)", "matcher, all normalization on"} <= judged
    assert "feedback ingest, SQLite" in judged


def test_the_report_shows_each_row_the_machine_and_the_plots(
    quick_run: tuple[Path, dict[str, Any]],
) -> None:
    out, results = quick_run
    report = (out / "report.md").read_text()
    for row in results["rows"]:
        assert f"| {row['name']} |" in report
        assert row["baseline_name"] in report
    assert "## Targets" in report
    assert f"Machine: {os.cpu_count()} cores" in report
    assert "| medallion | 3.0.0 |" in report
    for name in ("import.png", "publish.png", "peer.png"):
        image = out / "img" / name
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"(img/{name})" in report

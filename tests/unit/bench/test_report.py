"""The benchmark report's rows, verdicts and Markdown, from made-up figures (nothing timed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import write_report
from bench.results import Row, Stats, Target, load_rows, write_rows

MACHINE = {
    "time": "2026-01-01 00:00 UTC",
    "load": [0.1],
    "cores": 2,
    "memory_gib": 24.0,
    "cpu": "synthetic",
    "system": "Linux",
    "versions": {"python": "3.11", "medallion": "3.0.0"},
}


def row(name: str, figure: list[float], baseline: list[float], target: Target | None) -> Row:
    return Row(
        benchmark="import",
        name=name,
        unit="s",
        better="lower",
        figure=Stats.of(figure),
        baseline_name="pydantic-only validation",
        baseline=Stats.of(baseline),
        size=100_000,
        target=target,
        peak_mb=100.0,
        baseline_peak_mb=50.0,
    )


def test_stats_keep_min_median_and_max_of_the_runs() -> None:
    assert Stats.of([3.0, 1.0, 2.0]) == Stats(1.0, 2.0, 3.0, 3)
    with pytest.raises(ValueError, match="no measurements"):
        Stats.of([])


def test_a_missed_target_says_by_how_much() -> None:
    at_most, at_least = Target("<=", 5.0, "issue 2"), Target(">=", 0.3, "issue 5")
    assert at_most.verdict(4.0) == "met"
    assert at_most.verdict(12.5) == "NOT met: 2.5x the allowed ratio"
    assert at_least.verdict(0.3) == "met"
    assert at_least.verdict(0.06) == "NOT met: 80% short"


def test_rows_round_trip_through_json(tmp_path: Path) -> None:
    rows = [row("validate + import, SQLite", [12.0, 10.0, 11.0], [2.0, 2.0], Target("<=", 5, "x"))]
    write_rows(tmp_path / "r.json", "import", rows, quick=True)
    loaded, meta = load_rows(tmp_path / "r.json")
    assert loaded == rows
    assert meta == {"quick": True}
    assert loaded[0].ratio == pytest.approx(5.5)
    assert loaded[0].met is False


def test_the_report_lists_each_target_with_its_verdict(tmp_path: Path) -> None:
    rows = [
        row("validate + import, SQLite", [12.0], [2.0], Target("<=", 5, "issue 2")),
        row("validate + import, PostgreSQL", [8.0], [2.0], Target("<=", 5, "issue 2")),
    ]
    path = write_report(
        tmp_path,
        rows,
        quick=False,
        machine_before=MACHINE,
        machine_after={"time": "2026-01-01 00:20 UTC", "load": [0.2]},
        failures={"feed GET": "exited with 1"},
        durations={"import": 60.0},
    )
    text = path.read_text()
    assert "1 of 2 targets met." in text
    missed = "NOT met: 1.2x the allowed ratio"
    assert f"| validate + import, SQLite | 100,000 | 6.00x | {missed} |" in text
    assert "| validate + import, PostgreSQL | 100,000 | 4.00x | met |" in text
    assert "- **feed GET**: exited with 1" in text
    assert "Machine: 2 cores (synthetic), 24.0 GiB memory" in text
    assert "Measured under load" not in text
    assert (tmp_path / "img" / "import.png").read_bytes()[:4] == b"\x89PNG"

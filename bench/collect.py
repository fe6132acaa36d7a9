"""Rows from the JSON that the older benchmarks write with `--json` (import, publish, GET, match).

Those scripts keep their own output; these functions turn every run they recorded into the
common rows of `bench.results`, with the targets of the issues that set them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.results import Row, Stats, Target

__all__ = ["feed_get_rows", "import_rows", "match_rows", "publish_rows"]

FULL = 100_000  # the catalogue size the import and publish targets are set at
IMPORT_TARGET = Target("<=", 5.0, "issue 2")
PUBLISH_TARGET = Target("<=", 4.0, "issue 3")
# "Memory growing linearly": MB per 1000 records over the upper sizes may rise at most 50%
# over the same slope at the lower sizes (a linear growth gives 1x, a quadratic one 10x).
LINEAR_TARGET = Target("<=", 1.5, "issue 3")
GET_TARGET = Target(">=", 0.5, "issue 5")
RAW_TARGET = Target(">=", 0.5, "issue 7")
REGEX_TARGET = Target(">=", 100.0, "issue 7")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _median_of(runs: list[dict[str, Any]], key: str) -> float:
    return Stats.of(float(r[key]) for r in runs).median


def import_rows(paths: list[Path]) -> list[Row]:
    """One row per store and size: validate + import against pydantic-only validation."""
    rows = []
    for path in paths:
        doc = _load(path)
        count, runs = doc["count"], doc["runs"]
        base = runs["baseline"]
        for key, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
            if key not in runs:
                continue
            ours = runs[key]
            rows.append(
                Row(
                    benchmark="import",
                    name=f"validate + import, {label}",
                    size=count,
                    unit="s",
                    better="lower",
                    figure=Stats.of(r["seconds"] for r in ours),
                    baseline_name="pydantic-only validation",
                    baseline=Stats.of(r["seconds"] for r in base),
                    target=IMPORT_TARGET if count >= FULL else None,
                    peak_mb=_median_of(ours, "peak_rss_mb"),
                    baseline_peak_mb=_median_of(base, "peak_rss_mb"),
                    extra={
                        "validate_s": _median_of(ours, "validate_seconds"),
                        "import_s": _median_of(ours, "import_seconds"),
                    },
                    note=(
                        f"validate {_median_of(ours, 'validate_seconds'):.2f} s, "
                        f"import {_median_of(ours, 'import_seconds'):.2f} s"
                    ),
                )
            )
    return rows


def publish_rows(path: Path) -> list[Row]:
    """Per size: create + publish by CPU time (the target) and by wall time; memory slope."""
    sizes = _load(path)["sizes"]
    rows = []
    for entry in sizes:
        count, base, pub = entry["count"], entry["baseline"], entry["publish"]
        common: dict[str, Any] = {
            "benchmark": "publish",
            "size": count,
            "better": "lower",
            "unit": "s",
            "peak_mb": _median_of(pub, "peak_mb"),
            "baseline_peak_mb": _median_of(base, "peak_mb"),
        }
        rows.append(
            Row(
                **common,
                name="create + publish (CPU time)",
                figure=Stats.of(r["cpu"] for r in pub),
                baseline_name="orjson + sha256 of the records (CPU time)",
                baseline=Stats.of(r["cpu"] for r in base),
                target=PUBLISH_TARGET if count >= FULL else None,
                note=(
                    f"create {_median_of(pub, 'create_cpu'):.2f} s, publish "
                    f"{_median_of(pub, 'publish_cpu'):.2f} s CPU; package.json "
                    f"{pub[0]['package_mb']:.1f} MB, {pub[0]['files']} files"
                ),
            )
        )
        rows.append(
            Row(
                **common,
                name="create + publish (wall time)",
                figure=Stats.of(r["seconds"] for r in pub),
                baseline_name="orjson + sha256 of the records (wall time)",
                baseline=Stats.of(r["seconds"] for r in base),
            )
        )
    if len(sizes) >= 3:
        rows.append(_memory_slope(sizes))
    return rows


def _memory_slope(sizes: list[dict[str, Any]]) -> Row:
    """MB per 1000 records between the two largest sizes, against the two smallest."""
    points = [(e["count"], e["publish"]) for e in sizes]

    def slopes(lo: tuple[int, list[Any]], hi: tuple[int, list[Any]]) -> list[float]:
        return [
            (b["peak_mb"] - a["peak_mb"]) / (hi[0] - lo[0]) * 1000
            for a, b in zip(lo[1], hi[1], strict=False)
        ]

    upper, lower = slopes(points[-2], points[-1]), slopes(points[0], points[1])
    big = points[-1][0]
    return Row(
        benchmark="publish",
        name=f"peak memory growth, {points[-2][0]:,}-{big:,} records",
        size=big,
        unit="MB/1k records",
        better="lower",
        figure=Stats.of(upper),
        baseline_name=f"the same slope, {points[0][0]:,}-{points[1][0]:,} records",
        baseline=Stats.of(lower),
        target=LINEAR_TARGET if big >= FULL else None,
        note="linear growth gives a ratio near 1",
    )


def feed_get_rows(path: Path) -> list[Row]:
    doc = _load(path)
    rows = []
    for label, runs in doc["runs"].items():
        rows.append(
            Row(
                benchmark="feed-get",
                name=f"feed {label} (feed.json)",
                unit="req/s",
                better="higher",
                figure=Stats.of(runs["kpfeed"]),
                baseline_name="uvicorn + Starlette StaticFiles, same file",
                baseline=Stats.of(runs["baseline"]),
                target=GET_TARGET,
                note=f"{doc['bytes']:,}-byte feed.json; load: {doc['tool']}",
            )
        )
    return rows


def match_rows(path: Path) -> list[Row]:
    doc = _load(path)
    common: dict[str, Any] = {
        "benchmark": "match",
        "size": doc["patterns"],
        "unit": "MB/s",
        "better": "higher",
        "figure": Stats.of(doc["matcher_mb_s"]),
    }
    text = f"{doc['patterns']:,} patterns, {doc['mb']:.0f} MB of synthetic posts, CPU time"
    return [
        Row(
            **common,
            name="matcher, all normalization on",
            baseline_name="raw pyahocorasick, no normalization",
            baseline=Stats.of(doc["raw_mb_s"]),
            target=RAW_TARGET,
            note=text,
        ),
        Row(
            **common,
            name="matcher, all normalization on",
            baseline_name="one Python regex alternation",
            baseline=Stats.of(doc["regex_mb_s"]),
            target=REGEX_TARGET,
            note=f"{text}; regex {doc['regex_note'] or 'on all the text'}".strip(),
        ),
        Row(
            benchmark="match",
            name=f"matcher build, {doc['build_patterns']:,} patterns",
            size=doc["build_patterns"],
            unit="s",
            better="lower",
            figure=Stats.of([doc["build_seconds"]]),
            baseline_name="raw pyahocorasick build, same patterns",
            baseline=Stats.of([doc["raw_build_seconds"]]),
            note="the matcher also folds every pattern into its search form, by profile",
        ),
    ]

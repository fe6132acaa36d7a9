"""The benchmark report: Markdown with every row beside its baseline, the targets, and plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.plots import write_plots
from bench.results import Row, Stats

__all__ = ["write_report"]

SECTIONS: dict[str, tuple[str, str]] = {
    "import": (
        "Validate + import",
        "Synthetic records written as editor files, read, validated (JSON Schema, pydantic, "
        "catalogue rules) and imported in one committed transaction. Baseline: pydantic-only "
        "validation of the same records' data, already in memory. Each phase runs in its own "
        "process, so each peak RSS is its own.",
    ),
    "publish": (
        "Create + publish",
        "A filled SQLite store (filling not timed); release created, approved, rendered, "
        "signed (minisign, TUF) and published atomically. Baseline: orjson serialization and "
        "SHA-256 of the same records. The target is held to CPU time, steadier than wall time "
        "on a shared machine; wall time is shown beside it.",
    ),
    "pull": (
        "Consumer pull",
        "`CatalogueClient` as `kpfeed pull` runs it, from `python -m http.server` on "
        "127.0.0.1: TUF refresh, download, every record validated, digest, atomic write. "
        "The incremental pull applies `changes.json` after 1% of the records changed. "
        "Baselines: a plain GET of the file the pull needs most. Peak MB here is the rise "
        "of the client's resident memory during the pull.",
    ),
    "peer": (
        "The TAXII 2.1 peer",
        "The same records through kpfeed's STIX exporter into medallion (the OASIS reference "
        "TAXII 2.1 server, memory backend, own virtual environment), fetched with "
        "taxii2-client: discovery, API root, collections, then every page of Get Objects "
        "(1000 per page); the incremental fetch asks for objects `added_after` the first. "
        "kpfeed's time includes its verification (TUF, signatures, every record validated, "
        "digest); the TAXII client verifies nothing. Ratio < 1: kpfeed is faster or smaller.",
    ),
    "feed-get": (
        "Feed GET",
        "`kpfeed serve` (one worker) against uvicorn + Starlette StaticFiles (one worker) "
        "serving the same feed.json, separate processes on 127.0.0.1; 200 with the body, "
        "304 for If-None-Match with the server's own ETag; alternating rounds.",
    ),
    "feedback": (
        "Feedback ingest",
        "`kpfeed serve` (one worker) storing true-positive submissions, each with its own "
        "Idempotency-Key, against a bare FastAPI endpoint on uvicorn that parses the body and "
        "stores nothing; alternating rounds; the store is checked to hold every answered "
        "submission.",
    ),
    "match": (
        "Matcher",
        "`Matcher.match_many` with every normalization on, against raw pyahocorasick over the "
        "same patterns and text without normalization, and one Python `re` alternation; "
        "throughput from CPU time over synthetic posts.",
    ),
}

PEER_LIMIT = (
    "medallion's memory backend compares every object with every manifest entry when it "
    "filters and sorts a Get Objects request (`BasicFilter.sort_and_paginate`, "
    "`filter_by_added_after`, `filter_by_spec_version` loop over both), so its time grows "
    "with the square of the collection: a catalogue of N records is about 3N STIX objects. "
    "It is therefore measured at small catalogues only; see the growth between the two sizes. "
    "kpfeed's own pull is measured at 100k records above."
)


def _peer_growth(rows: Sequence[Row]) -> list[str]:
    """How the TAXII fetch time grew between the two largest sizes measured, extrapolated."""
    full = sorted(
        (r for r in rows if r.name.startswith("full pull, time") and r.size),
        key=lambda r: r.size or 0,
    )
    if len(full) < 2:
        return []
    small, big = full[-2], full[-1]
    small_n, big_n = small.size or 1, big.size or 1
    exponent = math.log(big.baseline.median / small.baseline.median) / math.log(big_n / small_n)
    guess = big.baseline.median * (100_000 / big_n) ** exponent
    return [
        f"From {small_n:,} to {big_n:,} records the full TAXII fetch went from "
        f"{_fmt(small.baseline.median)} s to {_fmt(big.baseline.median)} s: time grows as "
        f"records^{exponent:.1f} here. Extrapolated (not measured) to 100,000 records: "
        f"about {_duration(guess)}, against kpfeed's measured full pull above.",
        "",
    ]


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:,.0f} s"


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _stats(s: Stats, unit: str) -> str:
    spread = f" [{_fmt(s.min)}–{_fmt(s.max)}]" if s.runs > 1 else ""
    return f"{_fmt(s.median)} {unit}{spread}"


def _verdict(row: Row) -> str:
    if row.target is None:
        return ""
    return row.target.verdict(row.ratio)


def _memory(row: Row) -> str:
    if row.peak_mb is None:
        return ""
    base = f" ({_fmt(row.baseline_peak_mb)})" if row.baseline_peak_mb is not None else ""
    return f"{_fmt(row.peak_mb)}{base}"


def _size(row: Row) -> str:
    return f"{row.size:,}" if row.size is not None else ""


def _table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| measured | size | figure, median [min–max] | baseline | baseline figure "
        "| ratio | peak MB (baseline) | runs | target |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        target = f"{row.target.text()}: {_verdict(row)}" if row.target else ""
        lines.append(
            f"| {row.name} | {_size(row)} | {_stats(row.figure, row.unit)} "
            f"| {row.baseline_name} | {_stats(row.baseline, row.unit)} "
            f"| {_fmt(row.ratio)}x | {_memory(row)} | {row.figure.runs} | {target} |"
        )
    notes = [
        f"- {row.name}{', ' + _size(row) if row.size else ''}: {row.note}"
        for row in rows
        if row.note
    ]
    if notes:
        lines += ["", *notes]
    return lines


def _targets(rows: Sequence[Row], quick: bool) -> list[str]:
    held = [r for r in rows if r.target is not None]
    lines = ["## Targets", ""]
    if quick:
        lines += [
            "A quick run: sizes and run lengths are far below the targets' own, so these "
            "verdicts are indicative only. Size-bound targets (import, publish, pull at "
            "100k records) are judged by the full run only.",
            "",
        ]
    if not held:
        return [*lines, "No row of this run is held to a target.", ""]
    met = sum(1 for r in held if r.met)
    lines += [
        f"{met} of {len(held)} targets met.",
        "",
        "| target | from | measured | size | ratio | verdict |",
        "|---|---|---|---:|---:|---|",
    ]
    for row in held:
        assert row.target is not None
        lines.append(
            f"| {row.target.text()} {row.baseline_name} | {row.target.source} | {row.name} "
            f"| {_size(row)} | {_fmt(row.ratio)}x | {'met' if row.met else _verdict(row)} |"
        )
    return [*lines, ""]


def _machine(before: dict[str, Any], after: dict[str, Any], quick: bool) -> list[str]:
    cores, memory = before.get("cores"), before.get("memory_gib")
    load_before, load_after = before["load"], after["load"]
    mode = "quick run (`bench/run --quick`)" if quick else "full run (`bench/run`)"
    lines = [
        f"Measured {before['time']} to {after['time']}, {mode}.",
        "",
        f"Machine: {cores} cores ({before.get('cpu')}), "
        f"{memory:.1f} GiB memory, {before.get('system')}. "
        f"Load average (1 min) {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end.",
    ]
    if cores and max(load_before[0], load_after[0]) > 0.5 * cores:
        lines += [
            "",
            "**Measured under load:** other work was running on this machine, so absolute "
            "figures are lower and noisier than on a quiet one. Each figure and its baseline "
            "come from the same run, alternating where the benchmark allows, so the ratios "
            "are the figures to read.",
        ]
    return [*lines, ""]


def _versions(before: dict[str, Any]) -> list[str]:
    versions: dict[str, str] = before.get("versions", {})
    lines = ["## Versions", "", "| component | version |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in versions.items()]
    return [*lines, ""]


def write_report(
    out: Path,
    rows: Sequence[Row],
    *,
    quick: bool,
    machine_before: dict[str, Any],
    machine_after: dict[str, Any],
    failures: dict[str, str],
    durations: dict[str, float],
) -> Path:
    """out/report.md and out/img/*.png; returns the report's path."""
    images = write_plots(out / "img", rows)
    lines = ["# kpfeed benchmark report", ""]
    lines += _machine(machine_before, machine_after, quick)
    if failures:
        lines += ["## Failed benchmarks", ""]
        lines += [f"- **{name}**: {why}" for name, why in failures.items()]
        lines.append("")
    lines += _targets(rows, quick)
    for key, (title, text) in SECTIONS.items():
        section = [r for r in rows if r.benchmark == key]
        if not section:
            continue
        lines += [f"## {title}", "", text, ""]
        if key == "peer":
            lines += [PEER_LIMIT, "", *_peer_growth(section)]
        lines += [*_table(section), ""]
        lines += [f"![{title}](img/{name})" for name in images.get(key, [])]
        lines.append("")
    total = sum(durations.values())
    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in durations.items())
    lines += [f"Run time: {total / 60:.1f} min ({spent}).", ""]
    lines += _versions(machine_before)
    lines += [
        "## Reproduce",
        "",
        "`bench/run` (about 20 minutes on 2 cores; `--quick` for a smoke run), from a clone "
        "with PostgreSQL reachable at `$KPFEED_TEST_DATABASE_URL`; it makes medallion's "
        "virtual environment in `bench/.peer-venv` on first use. Each benchmark also runs "
        "alone: `python -m bench.<name> --help`.",
        "",
    ]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report

"""The results format every benchmark of `bench/run` writes: rows of figure, baseline and ratio.

One row is one measured figure beside the baseline measured in the same run, each summarised
over its repetitions (min, median, max), the ratio of the medians, and the target the row is
held to, if any. A benchmark writes its rows as one JSON document; `bench.report` reads them
all and writes the Markdown report and the plots.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["Row", "Stats", "Target", "load_rows", "write_rows"]

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Stats:
    """A figure over its repetitions."""

    min: float
    median: float
    max: float
    runs: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Stats:
        data = list(values)
        if not data:
            raise ValueError("no measurements")
        return cls(min(data), statistics.median(data), max(data), len(data))


@dataclass(frozen=True)
class Target:
    """The ratio a row must reach: `ratio <= value` (op "<=") or `ratio >= value` (">=")."""

    op: Literal["<=", ">="]
    value: float
    source: str  # where the target comes from, e.g. "issue 2"

    def met(self, ratio: float) -> bool:
        return ratio <= self.value if self.op == "<=" else ratio >= self.value

    def verdict(self, ratio: float) -> str:
        """'met' or how far off: '2.6x over' (at most) / 'short by 40%' (at least)."""
        if self.met(ratio):
            return "met"
        if self.op == "<=":
            return f"NOT met: {ratio / self.value:.3g}x the allowed ratio"
        return f"NOT met: {1 - ratio / self.value:.0%} short"

    def text(self) -> str:
        return f"{self.op} {self.value:g}x"


@dataclass(frozen=True)
class Row:
    """One measured figure beside its baseline from the same run."""

    benchmark: str  # the section: "import", "publish", "pull", "peer", ...
    name: str  # what was measured, e.g. "validate + import, SQLite"
    unit: str  # "s", "req/s", "MB/s", "bytes"
    better: Better
    figure: Stats
    baseline_name: str
    baseline: Stats
    size: int | None = None  # records (or patterns) the row is about
    target: Target | None = None
    peak_mb: float | None = None
    baseline_peak_mb: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.figure.median / self.baseline.median if self.baseline.median else float("inf")

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.ratio)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["met"] = self.met
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        target = data.get("target")
        return cls(
            benchmark=data["benchmark"],
            name=data["name"],
            unit=data["unit"],
            better=data["better"],
            figure=Stats(**data["figure"]),
            baseline_name=data["baseline_name"],
            baseline=Stats(**data["baseline"]),
            size=data.get("size"),
            target=Target(**target) if target else None,
            peak_mb=data.get("peak_mb"),
            baseline_peak_mb=data.get("baseline_peak_mb"),
            extra=data.get("extra") or {},
            note=data.get("note", ""),
        )


def write_rows(path: Path, benchmark: str, rows: Sequence[Row], **meta: Any) -> None:
    """One benchmark's rows (and what it wants said about its setup) as a JSON document."""
    doc = {"benchmark": benchmark, "meta": meta, "rows": [row.to_json() for row in rows]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def load_rows(path: Path) -> tuple[list[Row], dict[str, Any]]:
    doc = json.loads(path.read_text())
    return [Row.from_json(r) for r in doc["rows"]], doc.get("meta", {})

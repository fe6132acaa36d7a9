"""PNG plots for the report: how import and publish grow with the catalogue; kpfeed vs TAXII."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.results import Row

__all__ = ["write_plots"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _series(rows: Sequence[Row], name: str) -> tuple[list[int], list[Row]]:
    picked = sorted((r for r in rows if r.name == name and r.size), key=lambda r: r.size or 0)
    return [r.size or 0 for r in picked], picked


def _growth(path: Path, title: str, rows: Sequence[Row], names: Sequence[str], unit: str) -> bool:
    """Two panels, log-log: time and peak memory against records, figure and baseline."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    drawn = False
    for name in names:
        sizes, picked = _series(rows, name)
        if not picked:
            continue
        drawn = True
        left.plot(sizes, [r.figure.median for r in picked], "o-", label=name)
        if picked[0].peak_mb is not None:
            right.plot(sizes, [r.peak_mb or 0 for r in picked], "o-", label=name)
    if not drawn:
        plt.close(fig)
        return False
    sizes, picked = _series(rows, names[0])
    base = picked[0].baseline_name
    left.plot(sizes, [r.baseline.median for r in picked], "s--", color="grey", label=base)
    if picked[0].baseline_peak_mb is not None:
        right.plot(
            sizes, [r.baseline_peak_mb or 0 for r in picked], "s--", color="grey", label=base
        )
    for axis, label in ((left, f"time ({unit}, median)"), (right, "peak RSS (MB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("records")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _peer(path: Path, rows: Sequence[Row]) -> bool:
    """Grouped bars per case and size: kpfeed and TAXII, time and bytes."""
    times = [r for r in rows if r.benchmark == "peer" and r.unit == "s"]
    sizes = [r for r in rows if r.benchmark == "peer" and r.unit == "MB"]
    if not times:
        return False
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, picked, label in ((left, times, "time (s, median)"), (right, sizes, "MB")):
        labels = [f"{r.name.split(' pull')[0]}\n{r.size:,} records" for r in picked]
        xs = range(len(picked))
        axis.bar([x - 0.2 for x in xs], [r.figure.median for r in picked], 0.4, label="kpfeed")
        axis.bar(
            [x + 0.2 for x in xs],
            [r.baseline.median for r in picked],
            0.4,
            label="medallion + taxii2-client",
        )
        axis.set_xticks(list(xs), labels, fontsize=8)
        axis.set_ylabel(label)
        axis.set_yscale("log")
        axis.legend(fontsize=8)
        axis.grid(True, axis="y", alpha=0.3)
    fig.suptitle("The same catalogue: kpfeed pull vs TAXII 2.1 fetch")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write_plots(folder: Path, rows: Sequence[Row]) -> dict[str, list[str]]:
    """The PNGs for each report section that has some; file names by section."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[str]] = {}
    imports = [r for r in rows if r.benchmark == "import"]
    names = ["validate + import, SQLite", "validate + import, PostgreSQL"]
    if _growth(folder / "import.png", "Validate + import", imports, names, "s"):
        out["import"] = ["import.png"]
    publish = [r for r in rows if r.benchmark == "publish"]
    names = ["create + publish (CPU time)"]
    if _growth(folder / "publish.png", "Create + publish", publish, names, "CPU s"):
        out["publish"] = ["publish.png"]
    if _peer(folder / "peer.png", rows):
        out["peer"] = ["peer.png"]
    return out

"""What each validation pass costs next to the pydantic-only baseline (figures for ADR 0002).

    .venv/bin/python bench/validation_passes.py [COUNT]

Prints records/s for: pydantic alone (the baseline), the compiled schema gate (jsonschema-rs),
pure-Python jsonschema, the catalogue rules, the whole of `validate_items`, and reading the
records back from YAML and JSON editor files. All on obviously synthetic records.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import jsonschema

from feed.model import PackageManifest, parse_record
from feed.rules import catalogue_problems
from feed.schemagen import schema_for, validator_for
from feed.source import SourceRecord, read_sources, write_package
from feed.synthetic import synthetic_record_data
from feed.validate import validate_items


def _rate(label: str, count: int, run: Callable[[], Any], baseline: float | None) -> float:
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    rate = count / seconds
    ratio = f"  {seconds / baseline:5.2f}x baseline" if baseline else "  (baseline)"
    print(f"{label:<42} {rate:>10,.0f} records/s  {seconds:7.2f} s{ratio}")
    return seconds


def main(count: int) -> None:
    data = [synthetic_record_data(n) for n in range(count)]
    items = [SourceRecord(f"{d['type']}s/{d['id'].split(':')[1]}.yaml", d) for d in data]
    print(f"{count:,} synthetic records")
    base = _rate("pydantic only (baseline)", count, lambda: [parse_record(d) for d in data], None)
    validators = {t: validator_for(t) for t in ("group", "symbol", "manifesto")}
    _rate(
        "jsonschema-rs is_valid (gate)",
        count,
        lambda: [validators[d["type"]].is_valid(d) for d in data],
        base,
    )
    sample = data[: max(1, count // 20)]
    pure = {
        t: jsonschema.Draft202012Validator(
            schema_for(t), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        for t in ("group", "symbol", "manifesto")
    }
    seconds = _rate(
        f"python jsonschema is_valid ({len(sample):,} only)",
        len(sample),
        lambda: [pure[d["type"]].is_valid(d) for d in sample],
        None,
    )
    print(f"{'':<42} {'':>10}  -> {seconds * count / len(sample) / base:5.2f}x baseline per record")
    _rate("catalogue rules", count, lambda: catalogue_problems([(None, d) for d in data]), base)
    _rate("validate_items (all passes)", count, lambda: validate_items(items), base)
    records = [parse_record(d) for d in data]
    manifest = PackageManifest(name="bench", title="Bench", publisher="kpfeed bench")
    with tempfile.TemporaryDirectory() as tmp:
        formats: tuple[Literal["yaml", "json"], ...] = ("yaml", "json")
        for fmt in formats:
            folder = Path(tmp) / fmt
            write_package(folder, manifest, records, fmt=fmt)
            _rate(
                f"read_sources from {fmt.upper()} files",
                count,
                functools.partial(read_sources, [folder]),
                base,
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)

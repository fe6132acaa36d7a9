"""Benchmark: time and size of every export format for N synthetic records.

    python -m bench.export --records 10000

The baseline, measured in the same run, is serializing the package itself (`package.json`):
an export costs this many "package dumps".
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

from feed.export import to_csv, to_keywords, to_misp, to_stix
from feed.model import Counts, PublishedPackage, ReleaseInfo, records_digest
from feed.model.vocab import Tlp
from feed.synthetic import synthetic_records


def _package(count: int) -> PublishedPackage:
    records = sorted(synthetic_records(count), key=lambda r: r.id)
    release = ReleaseInfo(
        catalogue="bench",
        title="Benchmark catalogue",
        publisher="kpfeed bench",
        version="2026.1",
        sequence=1,
        created=datetime(2026, 1, 1, tzinfo=UTC),
        notes="Synthetic.",
        counts=Counts(added=count, changed=0, retired=0, total=count),
        tlp=Tlp.CLEAR,
    )
    return PublishedPackage(
        format="kpfeed/1", release=release, records_digest=records_digest(records), records=records
    )


def _measure(render: Callable[[], bytes | dict[str, bytes]]) -> tuple[float, int]:
    start = time.perf_counter()
    out = render()
    elapsed = time.perf_counter() - start
    size = len(out) if isinstance(out, bytes) else sum(len(v) for v in out.values())
    return elapsed, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    package = _package(args.records)
    rows = [("baseline: package.json", _measure(lambda: package.model_dump_json().encode()))]
    rows += [
        ("stix", _measure(lambda: to_stix(package))),
        ("misp", _measure(lambda: to_misp(package))),
        ("csv", _measure(lambda: to_csv(package))),
        ("keywords", _measure(lambda: to_keywords(package))),
    ]
    base = rows[0][1][0]
    print(f"{args.records} synthetic records")
    print(f"{'format':<24}{'seconds':>10}{'MB':>10}{'x baseline':>12}")
    for name, (seconds, size) in rows:
        print(f"{name:<24}{seconds:>10.2f}{size / 1e6:>10.1f}{seconds / base:>12.1f}")


if __name__ == "__main__":
    main()

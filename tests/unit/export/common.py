"""Packages the export tests share: the shipped sample, synthetic records, and edits of them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from feed.model import AnyRecord, Counts, PublishedPackage, ReleaseInfo, parse_record
from feed.model import records_digest as digest_of
from feed.model.vocab import Tlp
from feed.synthetic import synthetic_record_data

SAMPLE = Path(__file__).resolve().parents[3] / "packages" / "sample"
CATALOGUE = "euif-knowledge-package"
FROZEN = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def package_of(
    records: Iterable[AnyRecord], *, sequence: int = 1, created: datetime = FROZEN
) -> PublishedPackage:
    """A published package of these records, as release `2026.<sequence>`."""
    ordered = sorted(records, key=lambda r: r.id)
    order = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER]
    tlp = max((r.tlp for r in ordered), key=order.index, default=Tlp.CLEAR)
    release = ReleaseInfo(
        catalogue=CATALOGUE,
        title="Test catalogue",
        publisher="kpfeed tests",
        version=f"2026.{sequence}",
        sequence=sequence,
        created=created,
        notes="Synthetic release for tests.",
        counts=Counts(added=len(ordered), changed=0, retired=0, total=len(ordered)),
        tlp=tlp,
    )
    return PublishedPackage(
        format="kpfeed/1", release=release, records_digest=digest_of(ordered), records=ordered
    )


@cache
def sample_records() -> tuple[AnyRecord, ...]:
    """The shipped sample package's records, parsed as the model parses editor files."""
    paths = sorted(SAMPLE.glob("*/*.yaml"))
    return tuple(parse_record(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in paths)


def sample_package() -> PublishedPackage:
    return package_of(sample_records())


def synthetic(n: int, **changes: Any) -> AnyRecord:
    """Synthetic record number n with top-level fields replaced (`None` removes a field)."""
    data = synthetic_record_data(n)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return parse_record(data)


def fake_hash(label: str, length: int = 64) -> str:
    """An obviously synthetic hash: of a label, never of a real file."""
    return hashlib.sha256(f"synthetic-test:{label}".encode()).hexdigest()[:length]

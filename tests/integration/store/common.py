"""Helpers the store tests share: synthetic package sources on disk."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from feed.model import AnyRecord, PackageManifest
from feed.source import write_package
from feed.synthetic import synthetic_record

MANIFEST = PackageManifest(
    name="synthetic", title="Synthetic test package", publisher="kpfeed tests"
)


def write_source(directory: Path, numbers: Iterable[int], *, variant: int = 0) -> Path:
    """A package source holding synthetic records `numbers` (as YAML); returns its folder."""
    records: list[AnyRecord] = [synthetic_record(n, variant=variant) for n in numbers]
    write_package(directory, MANIFEST, records)
    return directory

"""The catalogue between editor files and the store: validated import in one transaction, export."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import Engine

from feed.model import PackageManifest
from feed.source import write_package
from feed.store import (
    ImportResult,
    current_records,
    get_manifest,
    import_records,
    record_ids,
    set_manifest,
    transaction,
)
from feed.validate import load_and_validate

__all__ = ["DEFAULT_MANIFEST", "ExportResult", "export_sources", "import_sources"]

#: Written by an export when no package.yaml was ever imported (records came from the API).
DEFAULT_MANIFEST = PackageManifest(
    name="catalogue",
    title="EU Internet Forum Knowledge Package",
    publisher="EU Internet Forum",
)

#: Called as progress(done, total) while records are stored.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    paths: list[Path]
    records: int
    manifest: PackageManifest
    manifest_stored: bool  # False: no package.yaml was imported, DEFAULT_MANIFEST was written


def import_sources(
    engine: Engine,
    paths: Sequence[Path],
    *,
    author: str,
    comment: str = "",
    approve: bool = False,
    progress: Progress | None = None,
    on_validated: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate every file first, then store all records in ONE transaction (all or nothing).

    Relations may point at records already in the store. Raises ValidationFailed (every
    located problem) before anything is written; any later failure rolls the whole import
    back. `on_validated(count)` is called between the two phases.
    """
    with transaction(engine) as session:
        known = record_ids(session)
    validated = load_and_validate(list(paths), known_ids=known)
    total = len(validated.encoded)
    if on_validated is not None:
        on_validated(total)
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    note = comment or "import from " + ", ".join(str(p) for p in paths)
    with transaction(engine) as session:
        if validated.manifest is not None:
            set_manifest(session, validated.manifest, actor=author)
        return import_records(
            session, validated.encoded, author=author, comment=note, approve=approve, progress=step
        )


def export_sources(
    engine: Engine, directory: Path, *, fmt: Literal["yaml", "json"] = "yaml"
) -> ExportResult:
    """Write every record that is not retired, at its current revision, as a package source.

    Importing the result into the same store changes nothing (no new revisions).
    """
    with transaction(engine) as session:
        records = current_records(session)
        stored = get_manifest(session)
    manifest = stored or DEFAULT_MANIFEST
    paths = write_package(directory, manifest, records, fmt=fmt)
    return ExportResult(
        paths=paths, records=len(records), manifest=manifest, manifest_stored=stored is not None
    )

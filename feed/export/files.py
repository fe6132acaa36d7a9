"""Run an export end to end: read the package, render one format, write it atomically."""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from feed.atomic import write_atomic
from feed.errors import ExportError
from feed.export.csv import to_csv
from feed.export.keywords import to_keywords
from feed.export.mirror import load_mirror_package, load_package_file
from feed.export.misp import to_misp
from feed.export.stix import to_stix
from feed.model import PublishedPackage

__all__ = ["MARKER", "ExportFormat", "ExportResult", "export", "render", "write_export"]

#: Left in every directory an export writes; only such directories are ever replaced.
MARKER = ".kpfeed-export"


class ExportFormat(StrEnum):
    """The formats `kpfeed export` writes."""

    STIX = "stix"
    MISP = "misp"
    CSV = "csv"
    KEYWORDS = "keywords"


#: The STIX bundle is one file; every other format is a directory of files.
SINGLE_FILE = frozenset({ExportFormat.STIX})


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    format: ExportFormat
    out: Path
    version: str
    records: int
    files: dict[str, int]  # relative path -> size in bytes


def render(
    fmt: ExportFormat, package: PublishedPackage, *, include_high: bool = False
) -> dict[str, bytes]:
    """The export's files by relative path (pure; nothing is written).

    `include_high` matters only for keyword lists; every other format carries the
    ambiguity level with each record.
    """
    if fmt is ExportFormat.STIX:
        return {"bundle.json": to_stix(package)}
    if fmt is ExportFormat.MISP:
        return to_misp(package)
    if fmt is ExportFormat.CSV:
        return to_csv(package)
    return to_keywords(package, include_high=include_high)


def export(
    fmt: ExportFormat,
    out: Path,
    *,
    mirror: Path | None = None,
    package_file: Path | None = None,
    include_high: bool = False,
) -> ExportResult:
    """Read the package from a mirror (or a package.json), render `fmt`, write it to `out`."""
    if mirror is not None and package_file is None:
        package = load_mirror_package(mirror)
    elif package_file is not None and mirror is None:
        package = load_package_file(package_file)
    else:
        raise ValueError("give exactly one of mirror and package_file")
    files = render(fmt, package, include_high=include_high)
    write_export(fmt, files, out)
    return ExportResult(
        format=fmt,
        out=out,
        version=package.release.version,
        records=len(package.records),
        files={name: len(data) for name, data in files.items()},
    )


def write_export(fmt: ExportFormat, files: dict[str, bytes], out: Path) -> None:
    """Write rendered files: the STIX bundle to the file `out`, other formats into the folder.

    Files are replaced atomically. A folder is written in full next to `out` and then swapped
    in, so no file of an earlier export lingers (a language that has no keywords any more,
    say). To protect other data, an existing `out` folder is replaced only when it is empty
    or was written by an earlier export (it holds the `.kpfeed-export` marker).
    """
    out = Path(out)
    try:
        if fmt in SINGLE_FILE:
            _write_file(next(iter(files.values())), out)
        else:
            _write_folder(fmt, files, out)
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from None


def _write_file(data: bytes, out: Path) -> None:
    if out.is_dir():
        raise ExportError(f"{out} is a folder; the STIX export is one file, give its path")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data)


def _write_folder(fmt: ExportFormat, files: dict[str, bytes], out: Path) -> None:
    # The swap renames `out`; that must not be the folder we (or the user's shell) stand in.
    out = out.resolve()
    if out == Path.cwd() or out in Path.cwd().parents:
        raise ExportError(f"{out} is the current folder or holds it; name a folder below it")
    if out.exists():
        if not out.is_dir():
            raise ExportError(f"{out} is a file; the {fmt.value} export is a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise ExportError(
                f"{out} is not empty and was not written by `kpfeed export`; "
                "choose a new or empty folder"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    staging = out.parent / f".{out.name}.new-{token}"
    staging.mkdir()
    try:
        for name, data in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (staging / MARKER).write_text(f"{fmt.value}\n", encoding="utf-8")
        _fsync_tree(staging)
        if out.exists():
            retired = out.parent / f".{out.name}.old-{token}"
            os.replace(out, retired)
            os.replace(staging, out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under root, so the swap never exposes half-written files."""
    for path in [*sorted(root.rglob("*"), reverse=True), root]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

"""The editor file format: `packages/<name>/package.yaml` plus one file per record.

    packages/sample/
        package.yaml                 PackageManifest
        groups/<slug>.yaml           one Group per file   (.yaml, .yml or .json)
        symbols/<slug>.yaml          one Symbol per file
        manifestos/<slug>.json       one Manifesto per file

Reading returns raw data (`SourceRecord`) for `feed.validate` to check; it refuses whole files
that are too big, not UTF-8, not YAML/JSON, or use YAML features beyond plain data, and reports
every such file at once. Writing is deterministic and atomic per file.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from feed.config import get_settings
from feed.errors import Problem, SourceFormatError, ValidationFailed
from feed.messages import pydantic_problems
from feed.model import PackageManifest
from feed.schemagen import validator_for
from feed.source_layout import (
    MANIFEST_FILE,
    RECORD_DIRS,
    RECORD_SUFFIXES,
    TYPE_DIRS,
    record_path,
)
from feed.source_parse import Limits, ParseRefused, read_json
from feed.source_write import to_source_data, write_package
from feed.source_yaml import parse_yaml, yaml_lines

__all__ = [
    "MANIFEST_FILE",
    "RECORD_DIRS",
    "RECORD_SUFFIXES",
    "TYPE_DIRS",
    "Limits",
    "SourceRecord",
    "SourceTree",
    "collect_sources",
    "limits_from_settings",
    "read_sources",
    "record_path",
    "to_source_data",
    "with_lines",
    "write_package",
]


@dataclass(frozen=True)
class SourceRecord:
    """One record file's parsed content, not yet validated."""

    file: str  # the path as the user named it (joined onto the directory they gave)
    data: Any
    compact: bytes | None = None  # `orjson.dumps(data)` when the reader made it anyway


@dataclass(frozen=True)
class SourceTree:
    """What a set of source paths holds: the package manifest (if a package was given) and
    every record file's content."""

    manifest: PackageManifest | None
    items: list[SourceRecord]


def limits_from_settings() -> Limits:
    """Editor file limits from the settings (`KPFEED_SOURCE_MAX_*`)."""
    settings = get_settings()
    return Limits(
        max_file_bytes=settings.source_max_file_bytes,
        max_string_chars=settings.source_max_string_chars,
        max_depth=settings.source_max_depth,
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n} bytes"


def _read_capped(path: str | Path, display: str, cap: int) -> bytes:
    """At most cap + 1 bytes of the file, with as few system calls and copies as it takes:
    a package of 100k records is 100k files."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        if status.st_size > cap:
            raise SourceFormatError(
                display, f"the file is {_size(status.st_size)}, more than the limit of {_size(cap)}"
            )
        chunks: list[bytes] = []
        total, want = 0, status.st_size + 1  # a byte more than the size, to see the end
        while total <= cap and (chunk := os.read(descriptor, min(want, cap + 1 - total))):
            chunks.append(chunk)
            total += len(chunk)
            if len(chunk) < want and stat.S_ISREG(status.st_mode):
                break  # a short read of a regular file is its end
            want = 1 << 16  # it grew, or its size told nothing (special files)
    finally:
        os.close(descriptor)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_text(path: str | Path, display: str, limits: Limits) -> str:
    """The file's text: size-capped, strict UTF-8 (a leading BOM is dropped)."""
    cap = limits.max_file_bytes
    try:
        raw = _read_capped(path, display, cap)
    except OSError as error:
        raise SourceFormatError(display, f"cannot read the file: {error.strerror}") from error
    if len(raw) > cap:  # it grew while we looked, or stat lied (special files)
        raise SourceFormatError(display, f"the file is more than the limit of {_size(cap)}")
    skip = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skip + error.start
        line = raw.count(b"\n", 0, offset) + 1
        column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise SourceFormatError(
            display,
            f"not valid UTF-8: byte 0x{raw[offset]:02x} at byte offset {offset} "
            f"(line {line}, column {column}); save the file as UTF-8",
        ) from None


def _parse_file(path: str | Path, display: str, limits: Limits) -> tuple[Any, bytes | None]:
    """The file's data, and its compact JSON if the reader made it (see `SourceRecord`)."""
    text = _read_text(path, display, limits)
    try:
        if os.fspath(path).endswith(".json"):
            return read_json(text, limits)
        return parse_yaml(text, limits), None
    except ParseRefused as refused:
        raise SourceFormatError(display, str(refused), refused.pointer) from None


def _read_manifest(path: Path, display: str, limits: Limits) -> PackageManifest:
    data, _ = _parse_file(path, display, limits)
    problems = validator_for("package-source").problems(data, file=display)
    if problems:
        raise ValidationFailed(problems)
    try:
        return PackageManifest.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(pydantic_problems(error, file=display, record_id=None)) from None


class _Collector:
    """Walks the given paths, reading every file once and keeping every problem."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.problems: list[Problem] = []
        self.items: list[SourceRecord] = []
        self.manifest: PackageManifest | None = None
        self.manifest_file: str | None = None
        self.unreadable: list[str] = []
        self._seen: set[str] = set()  # real paths of the files read

    def refuse(self, display: str, message: str) -> None:
        self.problems.append(Problem(display, None, "", message))

    def path(self, path: Path, display: str) -> None:
        if path.is_dir():
            if (path / MANIFEST_FILE).is_file():
                self.package(path, display)
            elif path.name in RECORD_DIRS:
                self.record_dir(path, display)
            else:
                self.refuse(
                    display,
                    f"not a package source: no {MANIFEST_FILE} here, and it is not a groups/, "
                    "symbols/ or manifestos/ directory",
                )
        elif path.is_file():
            if path.name == MANIFEST_FILE:
                self.manifest_at(path, display)
            elif path.suffix in RECORD_SUFFIXES:
                self.record_file(path, display)
            else:
                self.refuse(display, "not a record file: expected .yaml, .yml or .json")
        elif path.exists() or path.is_symlink():
            self.refuse(display, "not a regular file or directory")
        else:
            self.refuse(display, "no such file or directory")

    def package(self, directory: Path, display: str) -> None:
        self.manifest_at(directory / MANIFEST_FILE, f"{display.rstrip('/')}/{MANIFEST_FILE}")
        for child in sorted(directory.iterdir()):
            name = child.name
            shown = f"{display.rstrip('/')}/{name}"
            if name.startswith(".") or name == MANIFEST_FILE:
                continue
            if child.is_dir():
                if name in RECORD_DIRS:
                    self.record_dir(child, shown)
                else:
                    self.refuse(
                        shown, "unexpected directory: records go in groups/, symbols/, manifestos/"
                    )
            elif child.suffix in RECORD_SUFFIXES:
                self.refuse(
                    shown,
                    "unexpected file: record files go in groups/, symbols/ or manifestos/, "
                    f"and the package description in {MANIFEST_FILE}",
                )
            # other files (README.md, NOTES.txt) are the editors' own and are left alone

    def record_dir(self, directory: Path, display: str) -> None:
        # os.scandir: a folder of 100k records costs no stat per file (d_type says what it is),
        # and realpath runs once for the folder, not once per file (symlinks aside).
        prefix = display.rstrip("/") + "/"
        real = os.path.realpath(directory)
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        for entry in entries:
            name = entry.name
            shown = prefix + name
            if name.startswith("."):
                continue  # editor swap files, .gitkeep
            if entry.is_dir():
                self.refuse(shown, "unexpected directory: record directories hold only files")
            elif os.path.splitext(name)[1] in RECORD_SUFFIXES:
                key = os.path.realpath(entry.path) if entry.is_symlink() else f"{real}/{name}"
                self.record_file(entry.path, shown, key)
            else:
                self.refuse(shown, "not a record file: expected .yaml, .yml or .json")

    def _first_time(self, path: str | Path, key: str | None = None) -> bool:
        key = key or os.path.realpath(path)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def manifest_at(self, path: Path, display: str) -> None:
        if not self._first_time(path):
            return
        try:
            manifest = _read_manifest(path, display, self.limits)
        except SourceFormatError as error:
            self.problems.append(error.problem)
            return
        except ValidationFailed as error:
            self.problems.extend(error.problems)
            return
        if self.manifest is None:
            self.manifest, self.manifest_file = manifest, display
        elif manifest != self.manifest:
            self.refuse(
                display,
                f"a second package ('{manifest.name}'; the first is '{self.manifest.name}' in "
                f"{self.manifest_file}): give one package at a time",
            )

    def record_file(self, path: str | Path, display: str, key: str | None = None) -> None:
        if not self._first_time(path, key):
            return
        try:
            data, compact = _parse_file(path, display, self.limits)
        except SourceFormatError as error:
            self.problems.append(error.problem)
            self.unreadable.append(display)
            return
        self.items.append(SourceRecord(display, data, compact))


def collect_sources(
    paths: Sequence[Path], *, limits: Limits | None = None
) -> tuple[SourceTree, list[Problem], list[str]]:
    """Read what can be read: (tree, file-level problems, files that could not be read).

    For callers that report read and validation problems together (`load_and_validate`).
    """
    collector = _Collector(limits or limits_from_settings())
    for path in paths:
        collector.path(Path(path), str(path))
    tree = SourceTree(collector.manifest, collector.items)
    return tree, collector.problems, collector.unreadable


def with_lines(problems: list[Problem], *, limits: Limits | None = None) -> list[Problem]:
    """Problems with `line N: ` put before the message, found by re-reading only the files
    that have problems (so a clean run costs nothing). JSON is read for this as the YAML it
    also is; a file that cannot be re-read keeps its pointer alone."""
    limits = limits or limits_from_settings()
    maps: dict[str, dict[str, int] | None] = {}
    out: list[Problem] = []
    for problem in problems:
        file = problem.file
        if (
            file is None
            or not file.endswith(RECORD_SUFFIXES)
            or problem.message.startswith("line ")
        ):
            out.append(problem)
            continue
        if file not in maps:
            try:
                maps[file] = yaml_lines(_read_text(Path(file), file, limits), limits)
            except (SourceFormatError, ParseRefused):
                maps[file] = None  # changed or unreadable since: keep the pointer alone
        lines = maps[file]
        pointer = problem.pointer
        while lines is not None and pointer not in lines and pointer:
            pointer = pointer.rsplit("/", 1)[0]  # a missing field: point at its parent
        if lines is None or pointer not in lines or (pointer == "" and problem.pointer):
            out.append(problem)  # the whole file, or a field missing at the top: no one line
            continue
        out.append(replace(problem, message=f"line {lines[pointer]}: {problem.message}"))
    return out


def read_sources(paths: Sequence[Path], *, limits: Limits | None = None) -> SourceTree:
    """Read package directories, record directories and record files into raw records.

    All or nothing: every unreadable file is reported at once. Raises SourceFormatError when
    exactly one problem was found, ValidationFailed (carrying every problem) when more were;
    both are InputError.
    """
    tree, problems, _ = collect_sources(paths, limits=limits)
    if len(problems) == 1:
        only = problems[0]
        raise SourceFormatError(only.file or "", only.message, only.pointer)
    if problems:
        raise ValidationFailed(problems)
    return tree

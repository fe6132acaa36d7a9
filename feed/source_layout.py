"""Where things live in a package source directory (the editor file format's layout)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from feed.model import AnyRecord

__all__ = ["MANIFEST_FILE", "RECORD_DIRS", "RECORD_SUFFIXES", "TYPE_DIRS", "record_path"]

#: The package description at the top of a package source directory.
MANIFEST_FILE = "package.yaml"
#: Directory of each record type inside a package source, and the type it holds.
RECORD_DIRS = {"groups": "group", "symbols": "symbol", "manifestos": "manifesto"}
TYPE_DIRS = {rtype: directory for directory, rtype in RECORD_DIRS.items()}
#: Record files are YAML or JSON; the file name (without suffix) is the record's slug.
RECORD_SUFFIXES = (".yaml", ".yml", ".json")


def record_path(directory: Path, record: AnyRecord, fmt: Literal["yaml", "json"]) -> Path:
    """Where a record's editor file lives in a package source directory."""
    return directory / TYPE_DIRS[record.type] / f"{record.slug}.{fmt}"

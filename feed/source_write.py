"""Writing package source directories: deterministic editor files, written atomically."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from feed.atomic import write_atomic
from feed.errors import ExportError, Problem, ValidationFailed
from feed.model import AnyRecord, PackageManifest
from feed.model.records import LIFECYCLE_FIELDS
from feed.source_layout import MANIFEST_FILE, RECORD_DIRS, RECORD_SUFFIXES, record_path
from feed.source_parse import dump_json
from feed.source_yaml import dump_yaml

__all__ = ["to_source_data", "write_package"]


def _editor_form(model: BaseModel, dumped: dict[str, Any]) -> dict[str, Any]:
    """`dumped` (model_dump JSON) in model field order, leaving out lists and blocks that equal
    their default (empty lists, a default normalization profile); scalars are always written."""
    out: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        if name not in dumped:
            continue  # None, left out by exclude_none
        value = getattr(model, name)
        if (
            isinstance(value, BaseModel | list | dict)
            and not info.is_required()
            and value == info.get_default(call_default_factory=True)
        ):
            continue  # an empty list or a default block: the default says the same
        out[name] = _ordered(value, dumped[name])
    return out


def _ordered(value: Any, dumped: Any) -> Any:
    if isinstance(value, BaseModel):
        return _editor_form(value, dumped)
    if isinstance(value, list):
        return [_ordered(v, d) for v, d in zip(value, dumped, strict=True)]
    if isinstance(value, dict):
        # Maps are by language tag: `en` (the reference text) first, then alphabetical.
        keys = sorted(dumped, key=lambda k: (k != "en", k))
        return {k: _ordered(value[k], dumped[k]) for k in keys}
    return dumped


def to_source_data(record: AnyRecord) -> dict[str, Any]:
    """A record as an editor file holds it: `id` and `type` first, then model order; no `uuid`
    (derived from the id) and no lifecycle fields (the store sets them)."""
    dumped = record.model_dump(mode="json", exclude_none=True)
    body = _editor_form(record, dumped)
    for name in (*LIFECYCLE_FIELDS, "uuid", "id", "type"):
        body.pop(name, None)
    return {"id": record.id, "type": record.type, **body}


def _manifest_data(manifest: PackageManifest) -> dict[str, Any]:
    return _editor_form(manifest, manifest.model_dump(mode="json", exclude_none=True))


def write_package(
    directory: Path,
    manifest: PackageManifest,
    records: Iterable[AnyRecord],
    *,
    fmt: Literal["yaml", "json"] = "yaml",
) -> list[Path]:
    """Write a package source directory: package.yaml plus one file per record.

    Deterministic bytes for the same records; each file is written atomically. Record files
    in groups/, symbols/ and manifestos/ that are not part of this export are removed, so the
    directory afterwards holds exactly these records. Refuses a non-empty directory that is not
    a package source (raises ExportError), and duplicate ids (ValidationFailed). Returns the
    written paths: package.yaml first, then records by id.
    """
    ordered = sorted(records, key=lambda r: r.id)
    duplicates = sorted({a.id for a, b in itertools.pairwise(ordered) if a.id == b.id})
    if duplicates:
        raise ValidationFailed(
            [Problem(None, rid, "/id", "the export holds this id twice") for rid in duplicates]
        )
    if directory.exists():
        if not directory.is_dir():
            raise ExportError(f"{directory} exists and is not a directory")
        if any(directory.iterdir()) and not (directory / MANIFEST_FILE).is_file():
            raise ExportError(
                f"{directory} is not empty and holds no {MANIFEST_FILE}; "
                "export into an empty directory or an existing package source"
            )
    dump = dump_json if fmt == "json" else dump_yaml
    written: list[Path] = []
    try:
        manifest_path = directory / MANIFEST_FILE
        write_atomic(manifest_path, dump_yaml(_manifest_data(manifest)))
        written.append(manifest_path)
        for record in ordered:
            path = record_path(directory, record, fmt)
            write_atomic(path, dump(to_source_data(record)))
            written.append(path)
        keep = set(written)
        for dir_name in RECORD_DIRS:
            folder = directory / dir_name
            if not folder.is_dir():
                continue
            for stale in folder.iterdir():
                if stale.suffix in RECORD_SUFFIXES and stale.is_file() and stale not in keep:
                    stale.unlink()
    except OSError as error:
        raise ExportError(f"cannot write the package to {directory}: {error}") from error
    return written

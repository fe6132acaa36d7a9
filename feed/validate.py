"""Validation of catalogue records: every problem at once, each located (file, id, pointer).

Three passes (see docs/adr/0002-validation-passes.md):
1. the published JSON Schema, compiled (jsonschema-rs), on every record's raw data; error
   details are only computed for records that fail;
2. pydantic, which builds the records and adds what a schema cannot say (the UUID v5 rule);
3. catalogue rules over the whole batch (`feed.rules`): duplicate ids, dangling and
   self-relations, dates, duplicate aliases, language tags, country codes, control characters.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any, TypeVar

from pydantic import ValidationError

from feed.errors import Problem, ValidationFailed
from feed.gcpause import gc_paused
from feed.messages import pydantic_problems
from feed.model import (
    AnyRecord,
    EncodedRecord,
    PackageManifest,
    dump_record,
    parse_record,
    record_uuid,
)
from feed.model.records import ID_PATTERN, LIFECYCLE_FIELDS
from feed.rules import catalogue_problems, text_problems
from feed.schemagen import validator_for
from feed.source import (
    RECORD_DIRS,
    RECORD_SUFFIXES,
    TYPE_DIRS,
    SourceRecord,
    collect_sources,
    with_lines,
)

__all__ = [
    "ValidatedSources",
    "check_catalogue",
    "load_and_validate",
    "validate_items",
]

_ID = re.compile(ID_PATTERN)
_Kept = TypeVar("_Kept")
_TYPES = frozenset(RECORD_DIRS.values())


@dataclass(frozen=True)
class ValidatedSources:
    """A package source that passed every check: its manifest, its records and their files.

    Records are kept encoded (identity plus canonical JSON, the form `import_records` stores);
    `records` builds the models from them on first use, for callers that want models.
    """

    manifest: PackageManifest | None
    encoded: list[EncodedRecord]
    files: dict[str, str]  # record id -> the file it came from

    @cached_property
    def records(self) -> list[AnyRecord]:
        """The records as models, in the order of `encoded`."""
        return [record.decode() for record in self.encoded]


def _id_of(data: dict[str, Any]) -> str | None:
    rid = data.get("id")
    return rid if isinstance(rid, str) else None


def _type_for(data: dict[str, Any], file: str) -> str | None:
    """The record type whose schema applies: `type`, else the id prefix, else the folder."""
    rtype = data.get("type")
    if isinstance(rtype, str) and rtype in _TYPES:
        return rtype
    rid = _id_of(data)
    if rid and rid.split(":", 1)[0] in _TYPES:
        return rid.split(":", 1)[0]
    return RECORD_DIRS.get(PurePath(file).parent.name)


def _placement_problems(item: SourceRecord, data: dict[str, Any], rid: str | None) -> list[Problem]:
    """The file name must be the slug, and a groups/symbols/manifestos folder the type.

    Only for items named like record files: data from elsewhere (`<stdin>`, an upload) has no
    file name to match.
    """
    folder, name = os.path.split(item.file)
    stem, suffix = os.path.splitext(name)
    if rid is None or not _ID.match(rid) or suffix not in RECORD_SUFFIXES:
        return []  # the schema reports a malformed id itself
    rtype, slug = rid.split(":", 1)
    if stem == slug and os.path.basename(folder) == TYPE_DIRS[rtype]:
        return []  # the usual case: groups/<slug>.yaml for group:<slug>
    problems = []
    if stem != slug:
        problems.append(
            Problem(
                item.file,
                rid,
                "/id",
                f"the file name '{name}' does not match the id: name the file "
                f"'{slug}{suffix}' or change the id",
            )
        )
    folder = os.path.basename(folder)
    if folder in RECORD_DIRS and RECORD_DIRS[folder] != rtype:
        expected = next(d for d, t in RECORD_DIRS.items() if t == rtype)
        problems.append(
            Problem(
                item.file,
                rid,
                "/type",
                f"a {rtype} record in {folder}/: move it to {expected}/",
            )
        )
    return problems


def _editor_problems(file: str, rid: str | None, data: dict[str, Any]) -> list[Problem]:
    """Editor files carry content only: lifecycle fields belong to the store and releases."""
    if LIFECYCLE_FIELDS.isdisjoint(data):
        return []
    return [
        Problem(
            file,
            rid,
            f"/{name}",
            f"'{name}' is set by the store and releases, not in editor files: remove it",
        )
        for name in sorted(LIFECYCLE_FIELDS & data.keys())
    ]


def _uuid_problems(file: str | None, rid: str | None, data: dict[str, Any]) -> list[Problem]:
    given = data.get("uuid")
    if rid is None or not isinstance(given, str):
        return []
    try:
        parsed = uuid.UUID(given)
    except ValueError:
        return []  # the schema reports a malformed UUID
    expected = record_uuid(rid)
    if parsed == expected:
        return []
    return [
        Problem(
            file,
            rid,
            "/uuid",
            f"must be the UUID v5 of the id, {expected} (or leave it out: it is derived)",
        )
    ]


def _record_problems(item: SourceRecord, *, editor: bool) -> tuple[AnyRecord | None, list[Problem]]:
    """Schema, then pydantic, for one record's raw data."""
    data = item.data
    if not isinstance(data, dict):
        shown = "empty" if data is None else f"a {type(data).__name__}"
        message = f"a record file must hold one mapping of fields, but this one is {shown}"
        return None, [Problem(item.file, None, "", message)]
    rid = _id_of(data)
    problems = _placement_problems(item, data, rid) if editor else []
    if editor:
        problems += _editor_problems(item.file, rid, data)
    rtype = _type_for(data, item.file)
    if rtype is None:
        got = data.get("type")
        message = (
            "missing required field 'type' (group, symbol or manifesto)"
            if got is None
            else f"'{got}' is not a record type (allowed: group, symbol, manifesto)"
        )
        problems.append(Problem(item.file, rid, "/type", message))
        return None, problems
    problems += validator_for(rtype).problems(data, file=item.file, record_id=rid)
    problems += _uuid_problems(item.file, rid, data)
    problems += text_problems(data, file=item.file, record_id=rid, encoded=item.compact)
    if problems:
        return None, problems
    try:
        return parse_record(data), []
    except ValidationError as error:
        return None, pydantic_problems(error, file=item.file, record_id=rid, tagged=True)


def validate_items(
    items: Sequence[SourceRecord], *, known_ids: Collection[str] = ()
) -> tuple[list[AnyRecord], list[Problem]]:
    """Validate raw editor-file records; returns (records that parsed, every problem found).

    A record with only catalogue-rule problems (say, a dangling relation) is still returned;
    callers that must be all-or-nothing check that the problem list is empty.
    `known_ids` are ids that exist elsewhere (the store), so relations to them are not dangling.
    """
    return _validate(items, known_ids, _as_model)


def _as_model(record: AnyRecord) -> AnyRecord:
    return record


def _validate(
    items: Sequence[SourceRecord], known_ids: Collection[str], keep: Callable[[AnyRecord], _Kept]
) -> tuple[list[_Kept], list[Problem]]:
    """Every pass over `items`; each record that parsed is handed to `keep` at once, so a
    caller that wants another form never holds all the models."""
    kept: list[_Kept] = []
    problems: list[Problem] = []
    entries: list[tuple[str | None, dict[str, Any]]] = []
    for item in items:
        record, found = _record_problems(item, editor=True)
        problems += found
        if record is not None:
            kept.append(keep(record))
        if isinstance(item.data, dict):
            entries.append((item.file, item.data))
    problems += catalogue_problems(entries, known_ids=known_ids)
    return kept, problems


def check_catalogue(
    records: Sequence[AnyRecord],
    *,
    files: Mapping[str, str] | None = None,
    known_ids: Collection[str] = (),
) -> list[Problem]:
    """Catalogue rules for records that are already models (from the API or the store).

    `files` maps record ids to the file each came from, for locating problems.
    """
    files = files or {}
    entries: list[tuple[str | None, dict[str, Any]]] = []
    problems: list[Problem] = []
    for record in records:
        file = files.get(record.id)
        data = dump_record(record)
        entries.append((file, data))
        problems += text_problems(data, file=file, record_id=record.id)
    problems += catalogue_problems(entries, known_ids=known_ids)
    return problems


def _ids_of_unreadable(files: Sequence[str]) -> set[str]:
    """The ids unreadable record files most likely hold (folder type + file name), so records
    pointing at them are not also reported as dangling."""
    ids = set()
    for file in files:
        path = PurePath(file)
        rtype = RECORD_DIRS.get(path.parent.name)
        if rtype:
            ids.add(f"{rtype}:{path.stem}")
    return ids


def load_and_validate(
    paths: Sequence[Path], *, known_ids: Collection[str] = ()
) -> ValidatedSources:
    """Read and validate package sources; raises ValidationFailed listing every problem, from
    unreadable files to broken catalogue rules. Nothing is returned unless everything passed.

    The records come back encoded (what the store imports); the raw data and the models are
    dropped while the garbage collector is paused, so it never walks them.
    """
    with gc_paused():
        tree, problems, unreadable = collect_sources(paths)
        known = set(known_ids) | _ids_of_unreadable(unreadable)
        encoded, found = _validate(tree.items, known, EncodedRecord.of)
        problems += found
        files = (
            {}
            if problems
            else {record.id: item.file for record, item in zip(encoded, tree.items, strict=True)}
        )
        manifest = tree.manifest
        del tree
    if problems:
        raise ValidationFailed(with_lines(problems))
    return ValidatedSources(manifest, encoded, files)

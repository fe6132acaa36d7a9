"""Schema checks of the published JSON files, as bytes, in bounded memory.

A package or changes file of 100k records parses into a Python tree several times its own
size. When the caller says which records a document embeds (their canonical JSON, which
`feed.render` embeds verbatim), each record is parsed and checked on its own, and the rest of
the document (the *skeleton*, records cut out) is parsed and checked against the document's
schema with one valid record standing in for all of them. Every byte is checked either way;
when the records cannot be found where expected, the whole document is parsed instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from feed.errors import Problem, PublishError, ValidationFailed
from feed.schemagen import validator_for

__all__ = ["EmbeddedRecords", "check_json_artifacts"]

#: Which published schema each kind of JSON file must conform to.
_SCHEMA_OF = {"package.json": "package", "changes.json": "changes"}
_TUF_PREFIX = "tuf/"


@dataclass(frozen=True)
class EmbeddedRecords:
    """The canonical JSON of each record, and which records each kind of document embeds."""

    json: Mapping[str, bytes]
    package: Sequence[str]  # ids in package order (sorted)
    changes: Sequence[str]  # ids of the ADD and MOD entries, in changes order


def _loads(path: str, data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise PublishError(f"{path} is not valid JSON: {error}") from None


def _slots(kind: str, skeleton: Any) -> Iterator[tuple[Any, Any, str]]:
    """(container, key, pointer) of every record position in a package or changes skeleton."""
    if kind == "package":
        records = skeleton.get("records") if isinstance(skeleton, dict) else None
        for i, _ in enumerate(records if isinstance(records, list) else []):
            yield records, i, f"/records/{i}"
    else:
        changes = skeleton.get("changes") if isinstance(skeleton, dict) else None
        for i, entry in enumerate(changes if isinstance(changes, list) else []):
            if isinstance(entry, dict) and "record" in entry:
                yield entry, "record", f"/changes/{i}/record"


def _split(data: bytes, parts: Sequence[bytes]) -> bytes | None:
    """`data` with each of `parts` (in order) cut out and replaced by `null`, or None."""
    pieces: list[bytes] = []
    pos = 0
    for part in parts:
        found = data.find(part, pos)
        if found < 0:
            return None
        pieces += (data[pos:found], b"null")
        pos = found + len(part)
    pieces.append(data[pos:])
    return b"".join(pieces)


class _RecordChecks:
    """Each embedded record checked against the record schema once, however many documents
    embed it (a first release's package and changes hold the same bytes of every record)."""

    def __init__(self, records: Mapping[str, bytes]) -> None:
        self.records = records
        self.schema = validator_for("record")
        self.found: dict[str, list[Problem]] = {}  # record id -> its problems, pointer-less
        self.stand_in: Any = None  # one valid record, parsed

    def problems(self, rid: str, path: str, pointer: str) -> list[Problem]:
        found = self.found.get(rid)
        if found is None:
            record = orjson.loads(self.records[rid])
            if self.schema.is_valid(record):
                found = []
                if self.stand_in is None:
                    self.stand_in = record
            else:
                found = self.schema.problems(record, record_id=rid)
            self.found[rid] = found
        return [replace(p, file=path, pointer=pointer + p.pointer) for p in found]


def _check_in_pieces(
    path: str, data: bytes, kind: str, ids: Sequence[str], checks: _RecordChecks
) -> list[Problem] | None:
    """Problems of a document checked record by record; None when it must be parsed whole."""
    records = checks.records
    if any(rid not in records for rid in ids):
        return None
    skeleton_bytes = _split(data, [records[rid] for rid in ids])
    if skeleton_bytes is None:
        return None
    skeleton = _loads(path, skeleton_bytes)
    slots = list(_slots(kind, skeleton))
    if len(slots) != len(ids) or any(c[k] is not None for c, k, _ in slots):
        return None
    problems: list[Problem] = []
    for (_, _, pointer), rid in zip(slots, ids, strict=True):
        problems += checks.problems(rid, path, pointer)
    stand_in = checks.stand_in
    if stand_in is None and slots:
        return problems  # no valid record to stand in; the record problems say enough
    for container, key, _ in slots:
        container[key] = stand_in  # one shared object: no copies
    return problems + validator_for(_SCHEMA_OF[path.rpartition("/")[2]]).problems(
        skeleton, file=path
    )


def check_json_artifacts(
    files: Mapping[str, bytes], embedded: EmbeddedRecords | None = None
) -> None:
    """Validate every package and changes file against its published schema, as bytes.

    Raises ValidationFailed naming file, record and JSON pointer: nothing is published that a
    consumer's validator would refuse. Each distinct bytes object is checked once (a release's
    current and archived copies are one object). The feeds and the release index have no
    published schema; their records are the package's, serialized once (see `feed.render`).
    """
    problems: list[Problem] = []
    seen: set[int] = set()
    checks = _RecordChecks(embedded.json) if embedded is not None else None
    for path, data in sorted(files.items()):
        name = path.rpartition("/")[2]
        schema = _SCHEMA_OF.get(name)
        if schema is None or path.startswith(_TUF_PREFIX) or id(data) in seen:
            continue
        seen.add(id(data))
        found = None
        if embedded is not None and checks is not None:
            ids = embedded.package if schema == "package" else embedded.changes
            found = _check_in_pieces(path, data, schema, ids, checks)
        if found is None:
            document = _loads(path, data)
            found = validator_for(schema).problems(document, file=path)
            del document  # the parsed tree is many times the size of the bytes
        problems += found
    if problems:
        raise ValidationFailed(problems)

"""Deltas as pure logic: which releases lie between, applying ADD/MOD/DEL, rebuilding the package.

A mirror one or more releases behind downloads `releases/<v>/changes.json` for each release
after its own (found in `releases.json`), applies them in order, and rebuilds `package.json`
from the result and the head of the published package (`format`, `release`,
`records_digest`, which come before the records: ADR 0004). The rebuilt bytes must have the
length and sha256 that the signed TUF metadata gives the published `package.json`: then the
mirror is that package, byte for byte, without having downloaded it. Anything that does not
fit raises DeltaError, and the updater downloads the full package instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from feed.client.state import (
    RECORDS_MARKER,
    MirrorContent,
    MirrorState,
    RecordBytes,
    TargetRelease,
    pydantic_problems,
)
from feed.errors import DeltaError, ValidationFailed
from feed.model.release import ChangeSet, PublishedPackage, ReleaseInfo

__all__ = [
    "ChangeCounts",
    "Delta",
    "PackageHead",
    "ReleaseStep",
    "apply_changes",
    "assemble_package",
    "count_changes",
    "parse_changes",
    "parse_head",
    "release_steps",
    "releases_between",
]

_TAIL = b"]}\n"
#: Records per hashed batch: about 1 MB of a typical catalogue, small enough to stay cached.
_BATCH = 256


@dataclass(frozen=True)
class ReleaseStep:
    """One release as `releases.json` lists it: version, sequence and the one before."""

    version: str
    sequence: int
    previous_version: str | None


def release_steps(data: bytes, *, file: str = "releases.json") -> dict[str, ReleaseStep]:
    """The releases a `releases.json` page lists (its items' `_kpfeed` objects), by version."""
    try:
        document = orjson.loads(data)
        items = document["items"]
        steps = {}
        for item in items:
            extension = item["_kpfeed"]
            step = ReleaseStep(
                version=str(extension["version"]),
                sequence=int(extension["sequence"]),
                previous_version=extension.get("previous_version"),
            )
            steps[step.version] = step
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise DeltaError(
            f"{file} does not list releases as kpfeed writes them ({type(error).__name__}: {error})"
        ) from None
    return steps


def releases_between(
    steps: Mapping[str, ReleaseStep], from_version: str, to_version: str
) -> list[str]:
    """Versions after `from_version` up to `to_version`, oldest first, following the links.

    DeltaError when the chain leaves what `releases.json` lists (older releases sit in its
    archive pages; a mirror that far behind takes the full package).
    """
    chain: list[str] = []
    version: str | None = to_version
    while version != from_version:
        step = steps.get(version) if version is not None else None
        if step is None or len(chain) > len(steps):
            raise DeltaError(
                f"releases.json does not link release {to_version} back to {from_version} "
                f"(stuck at {version or 'the first release'})"
            )
        chain.append(step.version)
        version = step.previous_version
    return chain[::-1]


@dataclass(frozen=True)
class Delta:
    """A verified changes file, parsed, and each ADD/MOD record's canonical bytes by id."""

    file: str
    changes: ChangeSet
    records: Mapping[str, bytes]


def parse_changes(data: bytes, *, file: str) -> Delta:
    """Read a `changes.json`; DeltaError with located problems when it is not a valid one."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise DeltaError(f"{file} is not JSON: {error}") from None
    try:
        changes = ChangeSet.model_validate(document)
    except ValidationError as error:
        failed = ValidationFailed(pydantic_problems(error, file=file, record_id=None, prefix=""))
        raise DeltaError(f"{file} is not a valid changes file: {failed}") from None
    records = {
        entry["id"]: orjson.dumps(entry["record"], option=orjson.OPT_SORT_KEYS)
        for entry in document["changes"]
        if entry.get("record") is not None
    }
    return Delta(file, changes, records)


def apply_changes(
    records: Mapping[str, RecordBytes], state: MirrorState, deltas: Sequence[Delta]
) -> tuple[dict[str, RecordBytes], set[str]]:
    """Apply `deltas` in order to the mirror's records; the result and the ids touched.

    Each changes file must follow the release before it (catalogue, previous version and
    sequence, base digest). ADD needs a new id, MOD and DEL an existing one. The caller
    checks the result against the target release (`assemble_package`).
    """
    result = dict(records)
    touched: set[str] = set()
    catalogue, version, sequence = state.catalogue, state.version, state.sequence
    digest = state.records_digest
    for delta in deltas:
        changes, file = delta.changes, delta.file
        if changes.catalogue != catalogue:
            raise DeltaError(f"{file} is for catalogue {changes.catalogue!r}, not {catalogue!r}")
        if (changes.previous_version, changes.previous_sequence) != (version, sequence):
            raise DeltaError(
                f"{file} applies to release {changes.previous_version} (sequence "
                f"{changes.previous_sequence}), not to {version} (sequence {sequence})"
            )
        if changes.base_digest != digest:
            raise DeltaError(
                f"{file} applies to records digest {changes.base_digest}, but release "
                f"{version} has {digest}"
            )
        for change in changes.changes:
            exists = change.id in result
            if change.op == "ADD" and exists:
                raise DeltaError(f"{file}: ADD {change.id}, but release {version} holds it")
            if change.op != "ADD" and not exists:
                raise DeltaError(
                    f"{file}: {change.op} {change.id}, but release {version} does not hold it"
                )
            if change.op == "DEL":
                del result[change.id]
            else:
                result[change.id] = delta.records[change.id]
            touched.add(change.id)
        version, sequence, digest = changes.version, changes.sequence, changes.records_digest
    return result, touched


@dataclass(frozen=True)
class PackageHead:
    """The start of a canonical `package.json`, up to and including `"records":[`."""

    head: bytes
    release: ReleaseInfo
    records_digest: str


def parse_head(prefix: bytes, *, file: str) -> PackageHead:
    """Read the head from the first bytes of a package; DeltaError if it is not there."""
    end = prefix.find(RECORDS_MARKER)
    if end < 0:
        raise DeltaError(
            f"{file}: no records array within its first {len(prefix):,} bytes; "
            f"the package head cannot be read from them"
        )
    try:
        document: Any = orjson.loads(prefix[:end] + b"}")
        head = PublishedPackage.model_validate({**document, "records": []})
    except (orjson.JSONDecodeError, TypeError) as error:
        raise DeltaError(f"{file}: its head is not a JSON object: {error}") from None
    except ValidationError as error:
        failed = ValidationFailed(pydantic_problems(error, file=file, record_id=None, prefix=""))
        raise DeltaError(f"{file}: its head is not a valid package head: {failed}") from None
    return PackageHead(prefix[: end + len(RECORDS_MARKER)], head.release, head.records_digest)


def assemble_package(
    head: PackageHead,
    records: Mapping[str, RecordBytes],
    target: TargetRelease,
    *,
    base: MirrorContent | None = None,
) -> MirrorContent:
    """Rebuild `package.json` from its head and records; it must be the published one.

    DeltaError unless the records digest equals the head's and the bytes have the length and
    sha256 of the signed target: only then are they the release, record for record.
    `base`, the package the records came from, lets runs of records it already holds in the
    same order be taken as single slices of it (a few thousand pieces instead of 200k).
    """
    release = head.release
    if (release.version, release.sequence) != (target.version, target.sequence):
        raise DeltaError(
            f"the package head is release {release.version} (sequence {release.sequence}), "
            f"not {target.version} (sequence {target.sequence})"
        )
    ids = sorted(records)
    ordered = [records[record_id] for record_id in ids]
    # The digest over batches joined in memory the cache holds: a few hundred hash updates
    # instead of 200k, and never one 300 MB copy.
    records_hash = hashlib.sha256()
    for start in range(0, len(ordered), _BATCH):
        records_hash.update(b"\n".join(ordered[start : start + _BATCH]))
        records_hash.update(b"\n")
    digest = records_hash.hexdigest()
    if digest != head.records_digest:
        raise DeltaError(
            f"the changes give records digest {digest}, but release {release.version} "
            f"has {head.records_digest}"
        )
    parts = _pieces(head.head, ids, records, base)
    package_hash = hashlib.sha256()
    for part in parts:
        package_hash.update(part)
    sha256, length = package_hash.hexdigest(), sum(len(part) for part in parts)
    if length != target.length or sha256 != target.sha256:
        raise DeltaError(
            f"the rebuilt package ({length:,} bytes, sha256 {sha256}) is not the published "
            f"{target.path} ({target.length:,} bytes, sha256 {target.sha256})"
        )
    spans = []
    position = len(head.head)
    for record_id, encoded in zip(ids, ordered, strict=True):
        spans.append((record_id, position, position + len(encoded)))
        position += len(encoded) + 1
    state = MirrorState(
        catalogue=release.catalogue,
        version=release.version,
        sequence=release.sequence,
        records_digest=digest,
        sha256=sha256,
        length=length,
        records=len(records),
    )
    # The records as given (slices of the old package and the changed ones): no new slices.
    return MirrorContent(tuple(parts), state, release, records, tuple(spans))


def _pieces(
    head: bytes,
    ids: list[str],
    records: Mapping[str, RecordBytes],
    base: MirrorContent | None,
) -> list[RecordBytes]:
    """head, record, ",", record, ..., tail; records that follow each other in `base` as
    one slice of it (its canonical layout has exactly "," between records)."""
    where: dict[str, tuple[int, int]] = {}
    unchanged: Mapping[str, RecordBytes] = {}
    view = None
    if base is not None and base.spans is not None and len(base.chunks) == 1:
        view = memoryview(base.chunks[0])
        where = {record_id: (start, end) for record_id, start, end in base.spans}
        unchanged = base.records
    parts: list[RecordBytes] = [head]
    run: tuple[int, int] | None = None
    for number, record_id in enumerate(ids):
        encoded = records[record_id]
        span = where.get(record_id) if view is not None else None
        if span is not None and encoded is not unchanged.get(record_id):
            span = None  # changed since the base: its new bytes, not the old slice
        if span is not None and run is not None and span[0] == run[1] + 1:
            run = (run[0], span[1])
            continue
        if run is not None:
            assert view is not None
            parts.append(view[run[0] : run[1]])
            run = None
        if number:
            parts.append(b",")
        if span is not None:
            run = span
        else:
            parts.append(encoded)
    if run is not None:
        assert view is not None
        parts.append(view[run[0] : run[1]])
    parts.append(_TAIL)
    return parts


@dataclass(frozen=True)
class ChangeCounts:
    """How the mirror changed: records added, changed and retired."""

    added: int
    changed: int
    retired: int


def count_changes(
    before: Mapping[str, RecordBytes],
    after: Mapping[str, RecordBytes],
    ids: set[str] | None = None,
) -> ChangeCounts:
    """Compare two record sets, over `ids` only when given (the ids some deltas touched)."""
    candidates = ids if ids is not None else before.keys() | after.keys()
    added = changed = retired = 0
    for record_id in candidates:
        old, new = before.get(record_id), after.get(record_id)
        if old is None and new is not None:
            added += 1
        elif new is None and old is not None:
            retired += 1
        elif old is not None and new is not None and old != new:
            changed += 1
    return ChangeCounts(added, changed, retired)

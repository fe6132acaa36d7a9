"""The mirror's trusted state as pure logic: what it holds, what is offered, what is acceptable.

Like python-tuf's `TrustedMetadataSet`, nothing here touches the network or the disk: the
updater hands in bytes that python-tuf already verified against the signed metadata, and these
functions decide whether they may become the mirror (right release, valid records, the records
digest the release states) or refuse them with a kpfeed error that says why.

A package's records are kept as their canonical JSON bytes (`RecordBytes`, often slices of the
package itself): the form `records_digest` hashes and the package is assembled from, so a
delta can be applied and checked without re-validating 100k unchanged records.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from feed.client.index import IndexedRecords, RecordBytes, RecordIndex
from feed.errors import (
    IntegrityError,
    MixAndMatchError,
    Problem,
    RollbackError,
    SourceFormatError,
    TrustError,
    ValidationFailed,
)
from feed.model.records import RECORD_ADAPTER, RECORD_CLASSES, VERSION_PATTERN
from feed.model.release import PublishedPackage, ReleaseInfo

__all__ = [
    "PACKAGE",
    "RECORDS_MARKER",
    "RELEASES",
    "MirrorContent",
    "MirrorState",
    "RecordBytes",
    "TargetRelease",
    "changes_path",
    "check_target",
    "content_from_index",
    "digest_of",
    "pydantic_problems",
    "target_release",
    "verify_package",
]

PACKAGE = "package.json"
RELEASES = "releases.json"
#: Where the records array starts in a canonical package (ADR 0004: records come last).
RECORDS_MARKER = b',"records":['
_TAIL = b"]}\n"
#: Records compared at a time when locating them in a package: about 1 MB.
_BATCH = 256
#: A ValidationFailed names this many problems at most: enough to act on, never megabytes.
_MAX_PROBLEMS = 50
_VERSION = re.compile(VERSION_PATTERN)
_RECORD_TYPES = frozenset(RECORD_CLASSES)


def changes_path(version: str) -> str:
    """Target path of a release's changes file."""
    return f"releases/{version}/changes.json"


@dataclass(frozen=True)
class TargetRelease:
    """A target as the verified TUF targets metadata lists it, with its kpfeed release."""

    path: str
    version: str
    sequence: int
    length: int
    sha256: str


def target_release(
    path: str, length: int, hashes: Mapping[str, str], custom: Mapping[str, Any]
) -> TargetRelease:
    """Read a TUF target entry; its custom metadata must name the kpfeed release."""
    release = custom.get("kpfeed") if isinstance(custom, Mapping) else None
    version = release.get("version") if isinstance(release, Mapping) else None
    sequence = release.get("sequence") if isinstance(release, Mapping) else None
    ok_version = isinstance(version, str) and _VERSION.match(version)
    ok_sequence = isinstance(sequence, int) and not isinstance(sequence, bool) and sequence >= 1
    if not (ok_version and ok_sequence) or "sha256" not in hashes:
        raise TrustError(
            f"TUF target {path} does not name its release: custom metadata "
            f'{{"kpfeed": {{"version": "YYYY.N", "sequence": N}}}} and a sha256 are required, '
            f"got {dict(custom)!r}"
        )
    assert isinstance(version, str)
    assert isinstance(sequence, int)
    return TargetRelease(path, version, sequence, length, hashes["sha256"])


@dataclass(frozen=True)
class MirrorState:
    """What the mirror holds: which release, and the hash of its `package.json`."""

    catalogue: str
    version: str
    sequence: int
    records_digest: str
    sha256: str
    length: int
    records: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MirrorState:
        return cls(
            catalogue=str(data["catalogue"]),
            version=str(data["version"]),
            sequence=int(data["sequence"]),
            records_digest=str(data["records_digest"]),
            sha256=str(data["sha256"]),
            length=int(data["length"]),
            records=int(data["records"]),
        )


def check_target(
    state: MirrorState | None, target: TargetRelease
) -> Literal["empty", "current", "behind"]:
    """Where the mirror stands against the repository's current release.

    RollbackError if the repository offers an older release than the mirror holds;
    MixAndMatchError if it offers the mirror's release with other content.
    """
    if state is None:
        return "empty"
    if target.sequence < state.sequence:
        raise RollbackError(
            f"the repository's current release is {target.version} (sequence "
            f"{target.sequence}), older than release {state.version} (sequence "
            f"{state.sequence}) the mirror already holds; refusing to go back"
        )
    if target.sequence == state.sequence:
        if target.version == state.version and target.sha256 == state.sha256:
            return "current"
        raise MixAndMatchError(
            f"the repository publishes sequence {target.sequence} as release "
            f"{target.version} (package sha256 {target.sha256[:16]}…), but the mirror holds "
            f"sequence {state.sequence} as release {state.version} (sha256 "
            f"{state.sha256[:16]}…); a published release never changes"
        )
    return "behind"


@dataclass(frozen=True)
class MirrorContent:
    """A verified package ready to become the mirror.

    `chunks` joined are the package's bytes (one chunk, or head, records and separators when
    rebuilt from a delta: written as they are, never copied into one 300 MB object);
    `records` maps each id to its canonical bytes; `index` says where each record sits in the
    package when it has the canonical layout, which lets the next pull rebuild it from a
    delta (None otherwise).
    """

    chunks: tuple[RecordBytes, ...]
    state: MirrorState
    release: ReleaseInfo
    records: Mapping[str, RecordBytes]
    index: RecordIndex | None

    @property
    def spans(self) -> tuple[tuple[str, int, int], ...] | None:
        """(id, start, end) of each record in the package, when it has the canonical layout."""
        return tuple(self.index.spans()) if self.index is not None else None

    @property
    def data(self) -> bytes:
        """The package's bytes in one object (a copy when there are several chunks)."""
        only = self.chunks[0] if len(self.chunks) == 1 else None
        return only if isinstance(only, bytes) else b"".join(self.chunks)


def digest_of(records: Mapping[str, RecordBytes]) -> str:
    """`records_digest` over canonical record bytes (the same definition as the model's)."""
    h = hashlib.sha256()
    for record_id in sorted(records):
        h.update(records[record_id])
        h.update(b"\n")
    return h.hexdigest()


def pydantic_problems(
    error: ValidationError, *, file: str, record_id: str | None, prefix: str
) -> list[Problem]:
    """pydantic's errors as located Problems (`prefix` is the JSON pointer of the object)."""
    problems = []
    for item in error.errors(include_url=False):
        # A discriminated union adds the record type to the path: it is not in the document.
        loc = [str(part) for part in item["loc"] if part not in _RECORD_TYPES]
        pointer = prefix + "".join(f"/{part}" for part in loc)
        problems.append(Problem(file, record_id, pointer, item["msg"]))
    return problems


def verify_package(data: bytes, target: TargetRelease, *, file: str = PACKAGE) -> MirrorContent:
    """Accept the bytes of a full `package.json` as the release `target` names, or refuse them.

    Checks, in order: length and sha256 against the target; JSON; the package head and every
    record against the model (ValidationFailed, located); ids sorted and unique; the records
    digest recomputed equals the one the package states (IntegrityError); the release is
    the one the TUF target names (MixAndMatchError).
    """
    _check_hash(data, target, file)
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        start = data[:60].decode("utf-8", "replace")
        raise SourceFormatError(file, f"not JSON ({error}); it starts with {start!r}") from None
    if not isinstance(document, dict) or not isinstance(document.get("records"), list):
        raise SourceFormatError(file, "not a kpfeed package: no records array")
    raw_records: list[Any] = document["records"]
    try:
        # The head through the model itself; records one by one below, to locate problems.
        head = PublishedPackage.model_validate({**document, "records": []})
    except ValidationError as error:
        raise ValidationFailed(
            pydantic_problems(error, file=file, record_id=None, prefix="")
        ) from None
    records = _checked_records(raw_records, file)
    digest = digest_of(records)
    if digest != head.records_digest:
        raise IntegrityError(
            f"{file}: the records digest recomputed is {digest}, the package states "
            f"{head.records_digest}; its records are not the release's"
        )
    release = head.release
    if (release.version, release.sequence) != (target.version, target.sequence):
        raise MixAndMatchError(
            f"{file} holds release {release.version} (sequence {release.sequence}), but its "
            f"signed TUF entry names release {target.version} (sequence {target.sequence})"
        )
    state = MirrorState(
        catalogue=release.catalogue,
        version=release.version,
        sequence=release.sequence,
        records_digest=digest,
        sha256=target.sha256,
        length=target.length,
        records=len(records),
    )
    index = _index(data, records)
    if index is not None:
        # Records read through the index instead of copies: half the memory for a large
        # catalogue.
        return content_from_index(data, state, release, index)
    return MirrorContent((data,), state, release, records, None)


def content_from_index(
    data: bytes | memoryview, state: MirrorState, release: ReleaseInfo, index: RecordIndex
) -> MirrorContent:
    """A mirror's content from its package bytes and the record index saved beside it."""
    return MirrorContent((data,), state, release, IndexedRecords(memoryview(data), index), index)


def _check_hash(data: bytes, target: TargetRelease, file: str) -> None:
    sha256 = hashlib.sha256(data).hexdigest()
    if len(data) != target.length or sha256 != target.sha256:
        raise IntegrityError(
            f"{file}: {len(data):,} bytes with sha256 {sha256}, but the signed TUF entry says "
            f"{target.length:,} bytes with sha256 {target.sha256}"
        )


def _checked_records(raw_records: Sequence[Any], file: str) -> dict[str, bytes]:
    problems: list[Problem] = []
    records: dict[str, bytes] = {}
    previous = ""
    for i, raw in enumerate(raw_records):
        record_id = raw.get("id") if isinstance(raw, dict) else None
        record_id = record_id if isinstance(record_id, str) else None
        try:
            RECORD_ADAPTER.validate_python(raw)
        except ValidationError as error:
            problems += pydantic_problems(
                error, file=file, record_id=record_id, prefix=f"/records/{i}"
            )
        if record_id is not None:
            if record_id <= previous:
                problems.append(
                    Problem(
                        file,
                        record_id,
                        f"/records/{i}/id",
                        f"records must be sorted by id, each id once (it follows {previous!r})",
                    )
                )
            previous = max(previous, record_id)
            records[record_id] = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
        if len(problems) >= _MAX_PROBLEMS:
            break
    if problems:
        raise ValidationFailed(problems)
    return records


def _index(data: bytes, records: Mapping[str, bytes]) -> RecordIndex | None:
    """Where each record's canonical bytes sit in `data`, if the layout is the canonical one.

    Records are compared a batch at a time, joined as the package joins them: one comparison
    in C per batch instead of one slice per record.
    """
    start = data.find(RECORDS_MARKER)
    if start < 0:
        return None
    position = start + len(RECORDS_MARKER)
    view = memoryview(data)
    encoded = list(records.values())
    offsets = array("q")
    for first in range(0, len(encoded), _BATCH):
        batch = encoded[first : first + _BATCH]
        if first:
            if data[position : position + 1] != b",":
                return None
            position += 1
        joined = b",".join(batch)
        if view[position : position + len(joined)] != joined:
            return None
        for record in batch:
            offsets.append(position)
            position += len(record)
            offsets.append(position)
            position += 1
        position -= 1
    if view[position:] != _TAIL:
        return None
    return RecordIndex(list(records), offsets)

"""Match files by hash (SHA-256, MD5 and any other algorithm the records use), streaming."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from feed.match.compile import Catalogue
from feed.match.results import FileMatch, FileReport, action_for
from feed.model.vocab import HashAlgorithm

__all__ = ["ALWAYS_HASHED", "CHUNK_BYTES", "hash_file", "iter_files", "match_file"]

#: Digests every report carries, whether or not a record uses them.
ALWAYS_HASHED = ("sha256", "md5")
#: Read size: memory use stays at one buffer whatever the file size.
CHUNK_BYTES = 1 << 20


def hash_file(path: Path, algorithms: Iterable[str]) -> tuple[int, dict[str, str]]:
    """Size and hex digests of a file, read once in fixed-size chunks."""
    hashers = {name: hashlib.new(name, usedforsecurity=False) for name in sorted(set(algorithms))}
    buffer = bytearray(CHUNK_BYTES)
    view = memoryview(buffer)
    size = 0
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            size += n
            for hasher in hashers.values():
                hasher.update(view[:n])
    return size, {name: hasher.hexdigest() for name, hasher in hashers.items()}


def match_file(catalogue: Catalogue, path: Path) -> FileReport:
    """Hash one file and look its digests up; an unreadable file is reported, not raised."""
    try:
        size, digests = hash_file(path, (*ALWAYS_HASHED, *catalogue.algorithms))
    except OSError as error:
        return FileReport(path=str(path), error=error.strerror or str(error))
    matches = []
    for algorithm, digest in digests.items():
        for known in catalogue.files.get((algorithm, digest), []):
            guidance = known.record.guidance
            matches.append(
                FileMatch(
                    record_id=known.record.id,
                    record_type=known.record.type,
                    name=known.record.name,
                    algorithm=HashAlgorithm(algorithm),
                    digest=digest,
                    variant=known.variant,
                    ambiguity=guidance.ambiguity,
                    action=action_for(guidance.ambiguity),
                    guidance=guidance,
                )
            )
    return FileReport(path=str(path), size=size, digests=digests, matches=matches)


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, with directories walked (sorted; symbolic links inside are not followed)."""
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                found = Path(root, name)
                if not found.is_symlink():
                    yield found

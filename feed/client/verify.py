"""Check files fetched by hand against their `.minisig` signatures (`kpfeed verify`).

For people who download with curl instead of `kpfeed pull`: every file needs its signature by
the pinned minisign key, and its signed trusted comment must name that very file. Beyond the
signature:

- current files (the top of the published directory) must all be of one release, the newest
  the folder holds and no older than `min_sequence`, and not past their expiry (a mirror
  replaying an old release is a freeze or rollback attack);
- files under `releases/` are immutable archives whose signatures outlive their expiry (a
  newer release is what ends it, ADR 0003): they are checked without it, but may not be newer
  than the current release.

TUF metadata (`tuf/`) is python-tuf's business and skipped, as are hidden files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feed.errors import KpfeedError, MixAndMatchError, NotFoundError, TrustError
from feed.sign import (
    SIGNATURE_SUFFIX,
    MinisignPublicKey,
    TrustedComment,
    check_trusted_comment,
    verify_file,
)

__all__ = ["VerifiedFile", "verify_directory", "verify_files"]

_ARCHIVE = "releases/"
_SKIPPED_DIRS = ("tuf",)
_SKIPPED_FILES = ("minisign.pub",)
_MAX_FILE = 2 * 1024**3


@dataclass(frozen=True)
class VerifiedFile:
    """A file whose signature and trusted comment passed."""

    path: str
    catalogue: str
    version: str
    sequence: int
    expires: datetime
    archived: bool


def verify_files(
    files: Mapping[str, bytes],
    public_key: MinisignPublicKey,
    *,
    now: datetime,
    min_sequence: int | None = None,
) -> list[VerifiedFile]:
    """Verify every file in `files` (path -> bytes, `.minisig` files included); see the module.

    Raises the error of the first refused file (BadSignatureError, ExpiredError,
    RollbackError, MixAndMatchError, TrustError), its message naming every refused file.
    """
    failures: list[tuple[str, KpfeedError]] = []
    passed: list[VerifiedFile] = []
    for path in sorted(files):
        if path.endswith(SIGNATURE_SUFFIX):
            if path.removesuffix(SIGNATURE_SUFFIX) not in files:
                failures.append((path, TrustError(f"{path}: the file it signs is missing")))
            continue
        signature = files.get(f"{path}{SIGNATURE_SUFFIX}")
        if signature is None:
            failures.append(
                (path, TrustError(f"{path}: not signed ({path}{SIGNATURE_SUFFIX} is missing)"))
            )
            continue
        try:
            # Expiry and order depend on the other files: checked once all are read.
            comment = verify_file(files[path], signature, public_key, file_name=path, now=None)
        except KpfeedError as error:
            named = error if str(error).startswith(path) else type(error)(f"{path}: {error}")
            failures.append((path, named))
            continue
        passed.append(
            VerifiedFile(
                path=path,
                catalogue=comment.catalogue,
                version=comment.version,
                sequence=comment.sequence,
                expires=comment.expires,
                archived=path.startswith(_ARCHIVE),
            )
        )
    failures += _check_together(passed, now=now, min_sequence=min_sequence)
    if failures:
        first = failures[0][1]
        if len(failures) == 1:
            raise first
        listing = "; ".join(str(error) for _, error in failures)
        raise type(first)(f"{len(failures)} files refused: {listing}")
    if not passed:
        raise NotFoundError("no signed files to verify")
    return passed


def _check_together(
    passed: list[VerifiedFile], *, now: datetime, min_sequence: int | None
) -> list[tuple[str, KpfeedError]]:
    failures: list[tuple[str, KpfeedError]] = []
    current = [f for f in passed if not f.archived]
    newest = max((f.sequence for f in current), default=None)
    floor = max((n for n in (newest, min_sequence) if n is not None), default=None)
    catalogue = (current or passed)[0].catalogue if passed else None
    for file in passed:
        try:
            if file.archived:
                if newest is not None and file.sequence > newest:
                    raise MixAndMatchError(
                        f"{file.path}: release {file.version} (sequence {file.sequence}) is "
                        f"newer than the current files (sequence {newest})"
                    )
                check_trusted_comment(
                    _comment(file), file_name=file.path, now=None, catalogue=catalogue
                )
            else:
                check_trusted_comment(
                    _comment(file),
                    file_name=file.path,
                    now=now,
                    min_sequence=floor,
                    catalogue=catalogue,
                )
        except KpfeedError as error:
            failures.append((file.path, error))
    return failures


def _comment(file: VerifiedFile) -> TrustedComment:
    return TrustedComment(file.catalogue, file.version, file.sequence, file.path, file.expires)


def verify_directory(
    folder: Path,
    public_key: MinisignPublicKey,
    *,
    now: datetime,
    min_sequence: int | None = None,
) -> list[VerifiedFile]:
    """`verify_files` over a folder of downloaded files (paths relative to it, with `/`)."""
    if not folder.is_dir():
        raise NotFoundError(f"{folder} is not a folder")
    files: dict[str, bytes] = {}
    for directory, subdirs, names in os.walk(folder):
        base = Path(directory)
        relative = base.relative_to(folder)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if not d.startswith(".") and not (relative == Path(".") and d in _SKIPPED_DIRS)
        )
        for name in sorted(names):
            if name.startswith(".") or (relative == Path(".") and name in _SKIPPED_FILES):
                continue
            path = base / name
            if path.stat().st_size > _MAX_FILE:
                raise TrustError(f"{path}: larger than {_MAX_FILE:,} bytes; not a published file")
            files[(relative / name).as_posix()] = path.read_bytes()
    return verify_files(files, public_key, now=now, min_sequence=min_sequence)

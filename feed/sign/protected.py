"""Files only their owner may read: protected folders, permission checks, atomic writes."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from feed.errors import KeyStoreError

__all__ = ["atomic_write", "check_protected", "make_protected_dir", "read_protected"]


def make_protected_dir(path: Path, *, allow_existing: bool = False) -> None:
    """Create `path` with mode 0700 (or tighten an existing, empty folder of ours)."""
    if path.exists() or path.is_symlink():
        if not path.is_dir() or path.is_symlink():
            raise KeyStoreError(f"{path} exists and is not a folder")
        if not allow_existing and any(path.iterdir()):
            raise KeyStoreError(f"{path} already holds files; refusing to overwrite a key ring")
        if path.stat().st_uid != os.geteuid():
            raise KeyStoreError(f"{path} belongs to another user")
    else:
        path.mkdir(parents=True, mode=0o700)
    path.chmod(0o700)


def check_protected(path: Path, *, directory: bool) -> None:
    """KeyStoreError unless `path` is a folder/regular file of ours no other user can read."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        kind = "key folder" if directory else "key file"
        raise KeyStoreError(f"{kind} {path} does not exist; run `kpfeed keys init`") from None
    expected = stat.S_ISDIR if directory else stat.S_ISREG
    if not expected(info.st_mode):
        raise KeyStoreError(f"{path} is not a {'folder' if directory else 'regular file'}")
    if info.st_uid != os.geteuid():
        raise KeyStoreError(f"{path} belongs to another user (uid {info.st_uid})")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        wanted = "700" if directory else "600"
        raise KeyStoreError(
            f"{path} has mode {mode:04o}: other users could read it; "
            f"refusing to use it (chmod {wanted} {path})"
        )


def read_protected(path: Path, what: str) -> bytes:
    """The bytes of a protected file; KeyStoreError naming `what` otherwise."""
    check_protected(path, directory=False)
    try:
        return path.read_bytes()
    except OSError as error:
        raise KeyStoreError(f"cannot read {what} {path}: {error.strerror}") from None


def atomic_write(path: Path, data: bytes, *, mode: int) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

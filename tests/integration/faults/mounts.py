"""Real file-system faults for the publish tests: a small tmpfs (ENOSPC), a read-only bind
mount (EROFS), and a filler file that leaves a chosen number of bytes free.

Both mounts need root with CAP_SYS_ADMIN (the CI machine has it). Where mounting is refused,
`MountRefused` says so and the tests fall back to another real fault (see their docstrings).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["MountRefused", "fill", "free_bytes", "read_only_bind", "remount", "small_tmpfs"]


class MountRefused(Exception):
    """This process may not mount file systems here."""


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise MountRefused(f"{' '.join(command)}: {done.stderr.strip() or done.returncode}")


def _unmount(path: Path) -> None:
    done = subprocess.run(["umount", str(path)], capture_output=True, check=False)
    if done.returncode != 0:  # still busy (a server with a file open): detach it lazily
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@contextmanager
def small_tmpfs(path: Path, size: int) -> Iterator[Path]:
    """A tmpfs of `size` bytes mounted on `path` (created) for the block's duration."""
    path.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    try:
        yield path
    finally:
        _unmount(path)


@contextmanager
def read_only_bind(path: Path) -> Iterator[Path]:
    """`path` bind-mounted onto itself, so `remount(path, read_only=...)` can flip it."""
    path.mkdir(parents=True, exist_ok=True)
    _run("mount", "--bind", str(path), str(path))
    try:
        yield path
    finally:
        _unmount(path)


def remount(path: Path, *, read_only: bool) -> None:
    """Make a bind mount made by `read_only_bind` read-only, or writable again."""
    _run("mount", "-o", f"remount,bind,{'ro' if read_only else 'rw'}", str(path))


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the file system holding `path`."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def fill(path: Path, *, leave: int) -> Path:
    """A file under `path` that takes all but about `leave` bytes of its file system."""
    filler = path / "filler.bin"
    size = max(free_bytes(path) - leave, 0)
    chunk = b"\0" * (1 << 20)
    with filler.open("wb", buffering=0) as out:
        while size > 0:
            try:
                size -= out.write(chunk[: min(size, len(chunk))])
            except OSError:  # full already: good enough
                break
    return filler

"""Atomic publication of the static directory: generations behind one symlink swap.

`DIR` is a symlink to `DIR.generations/<n>/`. A new state is built completely beside the
current one (unchanged files hard-linked, new files written and fsynced), then the symlink is
replaced with one `rename(2)`. A crash at any moment leaves `DIR` on a complete generation: the
previous one until the rename, the new one after. See docs/adr/0010-atomic-publication.md.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from feed.errors import ImmutableReleaseError, PublishError

__all__ = [
    "IMMUTABLE_PREFIX",
    "PublishResult",
    "StagedPublication",
    "check_relative_path",
    "current_generation",
    "generations_dir",
    "publish_files",
    "published_file",
    "published_paths",
    "read_published",
    "stage_publication",
]

#: Files under this prefix are written once and never change or disappear.
IMMUTABLE_PREFIX = "releases/"
#: Generations kept: the current one and the one before (readers mid-way keep a valid tree).
KEEP_GENERATIONS = 2
_TMP = ".tmp-"
_FILE_MODE = 0o644
_DIR_MODE = 0o755


def generations_dir(out_dir: Path) -> Path:
    """Where the generations of `out_dir` live: `DIR.generations/` beside it."""
    return out_dir.parent / f"{out_dir.name}.generations"


def check_relative_path(path: str) -> str:
    """A published path must be relative, `/`-separated and stay inside the directory."""
    bad = (
        not path
        or path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or any(part in ("", ".", "..") for part in path.split("/"))
    )
    if bad:
        raise PublishError(
            f"refusing to publish {path!r}: paths must be relative, '/'-separated, "
            "without '.', '..' or empty parts"
        )
    return path


def _check_tree(paths: Iterable[str]) -> None:
    """No path may be both a file and a folder of another path."""
    files = set(paths)
    for path in files:
        parts = path.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in files:
                raise PublishError(f"refusing to publish {path!r}: {prefix!r} is also a file")


def _os_error(error: OSError, what: str, out_dir: Path) -> PublishError:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EFBIG: "the file size limit is exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
    }.get(error.errno or 0, error.strerror or str(error))
    return PublishError(
        f"cannot {what}: {reason} ({error.strerror or error}); "
        f"{out_dir} still holds the previous publication unchanged"
    )


def current_generation(out_dir: Path) -> Path | None:
    """The generation `out_dir` points to, or None when nothing was published yet."""
    if out_dir.is_symlink():
        target = out_dir.resolve()
        gens = generations_dir(out_dir).resolve()
        if target.parent != gens or not target.is_dir():
            raise PublishError(
                f"{out_dir} points to {target}, which is not one of its generations in {gens}"
            )
        return target
    if not out_dir.exists():
        return None
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        return None
    raise PublishError(
        f"{out_dir} exists and is not a kpfeed publication (a symlink to {out_dir.name}"
        ".generations/N); move it away or publish into a new directory"
    )


def _walk(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder)
        for name in sorted(files):
            full = base / name
            found[full.relative_to(root).as_posix()] = full
    return found


def published_paths(out_dir: Path) -> dict[str, Path]:
    """Every file of the current publication by relative path (resolved into its generation)."""
    generation = current_generation(out_dir)
    return {} if generation is None else _walk(generation)


def published_file(out_dir: Path, path: str) -> Path | None:
    """Where one published file is now (inside the current generation), or None."""
    generation = current_generation(out_dir)
    if generation is None:
        return None
    full = generation / check_relative_path(path)
    return full if full.is_file() else None


def read_published(out_dir: Path, path: str) -> bytes | None:
    """The bytes of one published file, or None when it is not published."""
    full = published_file(out_dir, path)
    try:
        return None if full is None else full.read_bytes()
    except FileNotFoundError:  # pruned by a publication that ran meanwhile
        return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, _FILE_MODE)
    try:
        os.fchmod(fd, _FILE_MODE)  # the umask must not hide published files from the server
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except FileNotFoundError:
        return False


@dataclass
class PublishResult:
    """What a publication did."""

    out_dir: Path
    generation: Path
    written: int
    linked: int
    removed: list[Path] = field(default_factory=list)


class StagedPublication:
    """A complete new generation, built and synced but not yet visible; holds the lock.

    `commit()` makes it the published state with one atomic rename; leaving the `with` block
    without committing discards it. The caller can do other work in between (e.g. mark the
    release published in the store) so both happen or neither does.
    """

    def __init__(self, out_dir: Path, lock_fd: int) -> None:
        self.out_dir = out_dir
        self.generations = generations_dir(out_dir)
        self._lock_fd: int | None = lock_fd
        self.previous = current_generation(out_dir)
        self.staging: Path | None = None
        self.written = 0
        self.linked = 0
        self.committed: PublishResult | None = None

    def __enter__(self) -> StagedPublication:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.committed is None:
            self.discard()
        self._unlock()

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    def _build(
        self, files: Mapping[str, bytes], keep: tuple[str, ...], immutable: tuple[str, ...]
    ) -> None:
        previous = {} if self.previous is None else _walk(self.previous)
        for path, data in files.items():
            old = previous.get(path)
            if path.startswith(immutable) and old is not None and not _same_bytes(old, data):
                raise ImmutableReleaseError(
                    f"{path} is already published with different bytes; a published release "
                    "never changes (publish a correction as a new release)"
                )
        carried = {
            path: old
            for path, old in previous.items()
            if path not in files and path.startswith((*keep, *immutable))
        }
        _check_tree([*files, *carried])
        self.staging = self.generations / f"{_TMP}{os.getpid()}-{os.urandom(4).hex()}"
        os.mkdir(self.staging, _DIR_MODE)
        folders = {self.staging}
        # The same bytes object under several paths (a release's current and archived copies,
        # TUF's content-addressed copy) is written once and hard-linked.
        first_written: dict[int, Path] = {}
        for path in sorted([*files, *carried]):
            target = self.staging / path
            for parent in reversed(target.relative_to(self.staging).parents[:-1]):
                folder = self.staging / parent
                if folder not in folders:
                    os.mkdir(folder, _DIR_MODE)
                    folders.add(folder)
            source = carried.get(path)
            if source is None and path in previous and _same_bytes(previous[path], files[path]):
                source = previous[path]
            if source is None:
                source = first_written.get(id(files[path]))
            if source is not None:
                try:
                    os.link(source, target)
                    self.linked += 1
                    continue
                except OSError as error:
                    if error.errno not in (errno.EMLINK, errno.EPERM, errno.ENOTSUP):
                        raise
                    data = source.read_bytes()  # file system without hard links: copy
            else:
                data = files[path]
                first_written[id(data)] = target
            _write_new(target, data)
            self.written += 1
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            os.chmod(folder, _DIR_MODE)
            _fsync_dir(folder)

    def commit(self) -> PublishResult:
        """Make the staged generation the published one (one atomic symlink rename)."""
        if self.committed is not None:
            return self.committed
        if self.staging is None or self._lock_fd is None:
            raise PublishError("nothing staged to commit")
        numbers = [int(p.name) for p in self.generations.iterdir() if p.name.isdigit()]
        name = f"{max(numbers, default=0) + 1:06d}"
        final = self.generations / name
        link_tmp = self.out_dir.parent / f"{_TMP}{self.out_dir.name}-{os.getpid()}"
        try:
            os.rename(self.staging, final)
            self.staging = None
            _fsync_dir(self.generations)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link_tmp)
            os.symlink(f"{self.generations.name}/{name}", link_tmp)
            if self.previous is None and self.out_dir.is_dir() and not self.out_dir.is_symlink():
                os.rmdir(self.out_dir)  # an empty folder made by hand; nothing was published
            os.replace(link_tmp, self.out_dir)
            _fsync_dir(self.out_dir.parent)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(link_tmp)
            what = f"switch {self.out_dir} to the new generation"
            raise _os_error(error, what, self.out_dir) from error
        result = PublishResult(self.out_dir, final, self.written, self.linked)
        self.committed = result
        result.removed = self._prune(keep={final, *([self.previous] if self.previous else [])})
        self._unlock()
        return result

    def _prune(self, keep: set[Path]) -> list[Path]:
        """Remove older generations and leftovers of crashed runs (best effort)."""
        removed: list[Path] = []
        for entry in sorted(self.generations.iterdir()):
            if entry.name == ".lock" or entry.resolve() in {k.resolve() for k in keep}:
                continue
            if entry.name.isdigit() or entry.name.startswith(_TMP):
                shutil.rmtree(entry, ignore_errors=True)
                if not entry.exists():
                    removed.append(entry)
        for entry in self.out_dir.parent.glob(f"{_TMP}{self.out_dir.name}-*"):
            with contextlib.suppress(OSError):
                entry.unlink()
        return removed

    def discard(self) -> None:
        """Throw the staged generation away; the published state is untouched."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


def stage_publication(
    out_dir: Path,
    files: Mapping[str, bytes],
    *,
    keep: tuple[str, ...] = (),
    immutable: tuple[str, ...] = (IMMUTABLE_PREFIX,),
) -> StagedPublication:
    """Build the next generation of `out_dir` holding `files`, without publishing it yet.

    `files` is the new state. Current files under a `keep` prefix that `files` does not name
    are carried over (hard-linked); files under an `immutable` prefix are always carried over
    and may never be rewritten with different bytes (ImmutableReleaseError). Any other current
    file not in `files` is not part of the new state. Use it as a context manager and call
    `commit()`; see `publish_files` for the one-step form.
    """
    out_dir = Path(os.path.abspath(out_dir))
    for path in files:
        check_relative_path(path)
    gens = generations_dir(out_dir)
    try:
        current_generation(out_dir)  # refuse a plain folder before creating anything
        gens.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        lock_fd = os.open(gens / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise _os_error(error, f"prepare {gens}", out_dir) from error
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock_fd)
        raise PublishError(
            f"another publication of {out_dir} is in progress (lock {gens / '.lock'})"
        ) from None
    staged = StagedPublication(out_dir, lock_fd)
    try:
        staged._build(files, keep, immutable)
    except OSError as error:
        staged.discard()
        staged._unlock()
        raise _os_error(error, f"write the new generation in {gens}", out_dir) from error
    except BaseException:
        staged.discard()
        staged._unlock()
        raise
    return staged


def publish_files(
    out_dir: Path,
    files: Mapping[str, bytes],
    *,
    keep: tuple[str, ...] = (),
    immutable: tuple[str, ...] = (IMMUTABLE_PREFIX,),
) -> PublishResult:
    """Atomically replace the publication in `out_dir` with `files` (see `stage_publication`)."""
    with stage_publication(out_dir, files, keep=keep, immutable=immutable) as staged:
        return staged.commit()

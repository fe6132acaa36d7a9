"""The mirror folder on disk: the verified `package.json`, TUF's metadata, kpfeed's small state.

    <DIR>/package.json              the current release, byte for byte as published
    <DIR>/.tuf/                     python-tuf's trusted metadata (root history, timestamp, ...)
    <DIR>/.kpfeed/state.json        which release the mirror holds, and its package's sha256
    <DIR>/.kpfeed/records.idx       where each record sits in package.json (for deltas)
    <DIR>/.kpfeed/http-cache.json   ETag and body of timestamp.json (conditional requests)
    <DIR>/.kpfeed/trusted-root.json the root pinned at the first pull
    <DIR>/.kpfeed/work/             downloads and rebuilt packages in progress

Every file is replaced atomically (temp file, fsync, rename), `package.json` before the state
that names it, so a crash leaves the old mirror or the new one, and a mismatch between the two
is detected (the next pull then takes the full package).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import mmap
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from feed.client.delta import parse_head
from feed.client.index import RecordBytes, decode_index, encode_index
from feed.client.state import (
    PACKAGE,
    RECORDS_MARKER,
    MirrorContent,
    MirrorState,
    content_from_index,
)
from feed.errors import ConflictError, DeltaError, StoreError
from feed.sign.protected import atomic_write

__all__ = ["CachedResponse", "Mirror"]

_STATE_FORMAT = "kpfeed-mirror/1"
#: Pieces of a package at least this large are written as they are; smaller ones gathered.
_GATHER = 1 << 20
#: Only small answers are cached for conditional requests (timestamp.json is ~1 KB).
_MAX_CACHED = 64 * 1024


@dataclass(frozen=True)
class CachedResponse:
    """A body kept with its ETag, so a `304 Not Modified` can be answered from disk."""

    etag: str
    body: bytes


class Mirror:
    """Reads and atomically writes one mirror folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.package_path = root / PACKAGE
        self.tuf_dir = root / ".tuf"
        self.state_dir = root / ".kpfeed"
        self.work_dir = self.state_dir / "work"
        self._state = self.state_dir / "state.json"
        self._index = self.state_dir / "records.idx"
        self._cache = self.state_dir / "http-cache.json"
        self._root_file = self.state_dir / "trusted-root.json"

    # -- lifecycle

    @contextlib.contextmanager
    def open_for_update(self) -> Iterator[None]:
        """Create the folder if needed and hold its lock: one pull at a time per mirror."""
        if self.package_path.exists() and not self.state_dir.is_dir():
            raise ConflictError(
                f"{self.root} holds a package.json that `kpfeed pull` did not write; "
                "pull into an empty folder, or move that file away"
            )
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            lock = (self.state_dir / "lock").open("a")
        except OSError as error:
            raise _store_error(error, f"create the mirror folder {self.root}") from None
        with lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConflictError(
                    f"another `kpfeed pull` is updating {self.root}; try again when it is done"
                ) from None
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir.mkdir()
            try:
                yield
            finally:
                shutil.rmtree(self.work_dir, ignore_errors=True)

    # -- reading

    def read_state(self) -> MirrorState | None:
        """The release the mirror holds, or None for a new (or unreadable) mirror."""
        document = _read_json(self._state)
        if not isinstance(document, dict) or document.get("format") != _STATE_FORMAT:
            return None
        try:
            return MirrorState.from_dict(document["mirror"])
        except (KeyError, TypeError, ValueError):
            return None

    def read_content(self, state: MirrorState) -> tuple[MirrorContent | None, str | None]:
        """The mirror's package as the base for deltas, or None and the reason it cannot be."""
        # Size and modification time, not a hash: a base that is not what the last pull
        # verified rebuilds a package whose sha256 differs from the signed one, and is refused
        # then. This only spares a delta that cannot work.
        written = _read_json(self._state)
        try:
            data = _map(self.package_path)
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) else error
            return None, f"the mirror's package.json cannot be read ({reason})"
        mtime_ns = written.get("package_mtime_ns") if isinstance(written, dict) else None
        if (len(data), os.stat(self.package_path).st_mtime_ns) != (state.length, mtime_ns):
            return None, "the mirror's package.json is not the one the last pull verified"
        try:
            index = decode_index(self._index.read_bytes(), sha256=state.sha256)
        except (OSError, ValueError, KeyError, TypeError):
            return None, "the mirror has no record index for its package.json"
        try:
            end = data.find(RECORDS_MARKER)
            head = parse_head(bytes(data[: end + len(RECORDS_MARKER)]), file=PACKAGE)
        except DeltaError:
            return None, "the mirror's package.json has no package head"
        return content_from_index(memoryview(data), state, head.release, index), None

    def http_cache(self) -> dict[str, CachedResponse]:
        document = _read_json(self._cache)
        cached: dict[str, CachedResponse] = {}
        if isinstance(document, dict):
            for url, entry in document.items():
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    cached[url] = CachedResponse(
                        str(entry["etag"]), base64.b64decode(entry["body"], validate=True)
                    )
        return cached

    def pinned_root(self) -> bytes | None:
        try:
            return self._root_file.read_bytes()
        except OSError:
            return None

    # -- writing

    def stage_package(self, chunks: Iterable[RecordBytes]) -> Path:
        """Write a package's bytes to a synced file in the work folder, for `commit` to make
        the mirror's by a rename (a delta pull writes while it still checks the hashes)."""
        path = self.work_dir / f"{uuid.uuid4().hex}.{PACKAGE}"
        try:
            _write_synced(path, chunks)
        except OSError as error:
            raise _store_error(error, f"write the mirror {self.root}") from None
        return path

    def commit(
        self,
        content: MirrorContent | None,
        *,
        http_cache: Mapping[str, CachedResponse],
        pinned_root: bytes | None = None,
        staged: Path | None = None,
    ) -> None:
        """Make `content` the mirror (package, record index, then state) and save the caches.

        `staged`, when given, holds the package's bytes already (`stage_package`).
        """
        try:
            if pinned_root is not None and not self._root_file.exists():
                atomic_write(self._root_file, pinned_root, mode=0o644)
            if content is not None:
                if content.index is not None:
                    index = encode_index(content.index, sha256=content.state.sha256)
                    atomic_write(self._index, index, mode=0o644)
                if staged is not None:
                    os.replace(staged, self.package_path)
                    _sync_folder(self.root)
                else:
                    _atomic_write_chunks(self.package_path, content.chunks)
                state = {
                    "format": _STATE_FORMAT,
                    "mirror": content.state.to_dict(),
                    "package_mtime_ns": self.package_path.stat().st_mtime_ns,
                }
                state_json = orjson.dumps(state, option=orjson.OPT_INDENT_2)
                atomic_write(self._state, state_json, mode=0o644)
            cache = {
                url: {"etag": entry.etag, "body": base64.b64encode(entry.body).decode("ascii")}
                for url, entry in http_cache.items()
                if len(entry.body) <= _MAX_CACHED
            }
            atomic_write(self._cache, orjson.dumps(cache), mode=0o644)
        except OSError as error:
            raise _store_error(error, f"write the mirror {self.root}") from None


def _map(path: Path) -> mmap.mmap:
    """The file's bytes, mapped read-only rather than read: a delta pull touches only the
    pages it hashes and copies. The mirror's files are only ever replaced (a new file renamed
    over the old), never rewritten in place, so a mapping stays valid while it is used."""
    with path.open("rb") as file:
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def _atomic_write_chunks(path: Path, chunks: Iterable[RecordBytes]) -> None:
    """`atomic_write` for a file given in pieces: temp file, fsync, rename, folder fsync."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    _write_synced(Path(tmp), chunks)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(path.parent)


def _write_synced(path: Path, chunks: Iterable[RecordBytes]) -> None:
    """Write `path` (mode 644) from pieces and fsync it; on any failure, remove it.

    Large pieces go to the kernel as they are (no copy through a buffer); small ones are
    gathered into about a megabyte first.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.fchmod(fd, 0o644)
        pending: list[RecordBytes] = []
        size = 0
        for chunk in chunks:
            if len(chunk) >= _GATHER:
                _write_all(fd, b"".join(pending))
                pending, size = [], 0
                _write_all(fd, chunk)
                continue
            pending.append(chunk)
            size += len(chunk)
            if size >= _GATHER:
                _write_all(fd, b"".join(pending))
                pending, size = [], 0
        _write_all(fd, b"".join(pending))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    os.close(fd)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: RecordBytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def _store_error(error: OSError, what: str) -> StoreError:
    return StoreError(
        f"cannot {what}: {error.strerror or error}; the last good mirror stays as it was"
    )

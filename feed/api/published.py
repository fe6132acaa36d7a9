"""The published directory as HTTP representations: hashed, compressed and cached per file version.

`publish` writes each generation into its own directory and flips a symlink, so a file's bytes
never change under a given inode. A file is read, hashed (SHA-256, which becomes its strong
ETag) and compressed once; later requests cost one `stat` and a dictionary lookup. A file whose
`stat` identity (inode, device, size, mtime) changed is loaded again, so a plain directory that
someone rsyncs over is served correctly too.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import stat
import threading
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from feed.errors import NotFoundError

__all__ = [
    "PublishedFile",
    "PublishedFiles",
    "Representation",
    "cache_control",
    "content_type",
    "is_immutable",
    "safe_relative_path",
]

#: Files above this size are not held in memory: they are streamed from disk, and their gzip
#: form is written once into a content-addressed cache folder shared by all workers.
MAX_IN_MEMORY = 8 * 1024 * 1024
#: Smaller files gain nothing from compression.
MIN_GZIP = 512

_HEX64 = re.compile(r"^[0-9a-f]{64}\.")
_VERSIONED_METADATA = re.compile(r"^[0-9]+\.[a-z0-9_-]+\.json$")

Ident = tuple[int, int, int, int]


def safe_relative_path(path: str) -> str:
    """The request path if it names a file inside the published directory, else NotFoundError.

    Refused: empty paths, absolute paths, `.`/`..`, empty segments, hidden names (the publish
    step's temporary files start with a dot), backslashes and NUL.
    """
    if not path or "\\" in path or "\x00" in path or path.startswith("/"):
        raise NotFoundError(f"no published file {path!r}")
    for part in path.split("/"):
        if not part or part.startswith("."):
            raise NotFoundError(f"no published file {path!r}")
    return path


def content_type(path: str) -> str:
    """The media type a published file is served with."""
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".json") and (name.startswith("feed") or name.startswith("releases")):
        return "application/feed+json"
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return _TYPES.get(suffix, "application/octet-stream")


_TYPES = {
    "json": "application/json",
    "atom": "application/atom+xml",
    "xml": "application/xml",
    "minisig": "text/plain; charset=utf-8",
    "pub": "text/plain; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "yaml": "application/yaml",
    "yml": "application/yaml",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
_COMPRESSIBLE = ("json", "xml", "text/", "yaml")


def is_immutable(path: str) -> bool:
    """Whether a published file never changes once written.

    `releases/<version>/...` is frozen with its release, as are TUF's versioned metadata
    (`<N>.root.json`) and hash-prefixed targets. Signatures are not: minisign trusted comments
    expire and operators re-sign them, so `.minisig` files always get the short max-age.
    """
    if path.endswith(".minisig"):
        return False
    parts = path.split("/")
    if parts[0] == "releases" and len(parts) >= 3:
        return True
    if parts[:2] == ["tuf", "metadata"] and len(parts) == 3:
        return bool(_VERSIONED_METADATA.match(parts[2]))
    if parts[:2] == ["tuf", "targets"] and len(parts) >= 3:
        return bool(_HEX64.match(parts[-1]))
    return False


def cache_control(path: str, *, max_age: int, private: bool) -> str:
    """The Cache-Control of a published file; `private` when the feed needs a token."""
    scope = "private" if private else "public"
    if is_immutable(path):
        return f"{scope}, max-age=31536000, immutable"
    return f"{scope}, max-age={max_age}"


@dataclass(frozen=True, slots=True)
class Representation:
    """One encoding of a published file, with its headers encoded once."""

    etag: str
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes | None
    file: Path
    length: int


@dataclass(frozen=True, slots=True)
class PublishedFile:
    """A published file: its identity on disk and its identity and gzip representations."""

    ident: Ident
    sha256: str
    mtime: float
    identity: Representation
    gzip: Representation | None
    not_modified_headers: tuple[tuple[bytes, bytes], ...]
    gzip_not_modified_headers: tuple[tuple[bytes, bytes], ...]

    @property
    def memory(self) -> int:
        return sum(len(r.body) for r in (self.identity, self.gzip) if r and r.body is not None)


def _ident(st: os.stat_result) -> Ident:
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _write_atomic(path: Path, data_from: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with data_from.open("rb") as src, tmp.open("wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            while chunk := src.read(1 << 20):
                gz.write(chunk)
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, path)


class PublishedFiles:
    """Published files by path relative to the published directory, loaded once per version."""

    def __init__(
        self,
        root: Path,
        *,
        max_age: int,
        private: bool,
        gzip_dir: Path,
        memory_budget: int = 256 * 1024 * 1024,
    ) -> None:
        self.root = root
        self.max_age = max_age
        self.private = private
        self.gzip_dir = gzip_dir
        self.memory_budget = memory_budget
        self._files: OrderedDict[str, PublishedFile] = OrderedDict()
        self._sha256: dict[Ident, str] = {}
        self._memory = 0
        self._lock = threading.Lock()

    def stat_of(self, path: str) -> os.stat_result:
        """`stat` of a published file (following the generation symlink), or NotFoundError."""
        try:
            st = os.stat(os.path.join(self.root, path))
        except (OSError, ValueError):
            raise NotFoundError(f"no published file {path!r}") from None
        if not stat.S_ISREG(st.st_mode):
            raise NotFoundError(f"no published file {path!r}")
        return st

    def cached(self, path: str, st: os.stat_result) -> PublishedFile | None:
        """The cached entry if it is still the file on disk; cheap enough for the event loop."""
        entry = self._files.get(path)
        if entry is None or entry.ident != _ident(st):
            return None
        with self._lock:
            if path in self._files:
                self._files.move_to_end(path)
        return entry

    def load(self, path: str) -> PublishedFile:
        """Read, hash and compress a file, then cache it; blocking, so run it in a thread."""
        root = os.path.realpath(self.root)
        full = os.path.realpath(os.path.join(root, path))
        # A symlink inside the published tree must not lead out of it.
        if os.path.commonpath([root, full]) != root or not os.path.isfile(full):
            raise NotFoundError(f"no published file {path!r}")
        st = os.stat(full)
        ident = _ident(st)
        file = Path(full)
        body: bytes | None = None
        if st.st_size <= MAX_IN_MEMORY:
            body = file.read_bytes()
            sha = self._sha256.get(ident) or hashlib.sha256(body).hexdigest()
        else:
            sha = self._sha256.get(ident) or _sha256_file(file)
        entry = self._build(path, ident, sha, st.st_mtime, file, body)
        with self._lock:
            self._sha256[ident] = sha
            old = self._files.pop(path, None)
            if old is not None:
                self._memory -= old.memory
            self._files[path] = entry
            self._memory += entry.memory
            while self._memory > self.memory_budget and len(self._files) > 1:
                _, evicted = self._files.popitem(last=False)
                self._memory -= evicted.memory
        return entry

    def _build(
        self, path: str, ident: Ident, sha: str, mtime: float, file: Path, body: bytes | None
    ) -> PublishedFile:
        ctype = content_type(path)
        compressible = any(marker in ctype for marker in _COMPRESSIBLE)
        common = [
            (b"cache-control", cache_control(path, max_age=self.max_age, private=self.private)),
            (b"last-modified", formatdate(mtime, usegmt=True)),
        ]
        if compressible:
            common.append((b"vary", "Accept-Encoding"))
        common_raw = [(k, v.encode("latin-1")) for k, v in common]

        def representation(
            etag: str, data: bytes | None, on_disk: Path, length: int, encoding: str | None
        ) -> tuple[Representation, tuple[tuple[bytes, bytes], ...]]:
            validators = [(b"etag", etag.encode("latin-1")), *common_raw]
            headers = [
                *validators,
                (b"content-type", ctype.encode("latin-1")),
                (b"content-length", str(length).encode("latin-1")),
                (b"x-content-type-options", b"nosniff"),
            ]
            if encoding:
                headers.append((b"content-encoding", encoding.encode("latin-1")))
            return Representation(etag, tuple(headers), data, on_disk, length), tuple(validators)

        identity, identity_304 = representation(f'"{sha}"', body, file, ident[2], None)
        gz: Representation | None = None
        gz_304: tuple[tuple[bytes, bytes], ...] = ()
        if compressible and ident[2] >= MIN_GZIP:
            if body is not None:
                packed = gzip.compress(body, compresslevel=6, mtime=0)
                gz, gz_304 = representation(f'"{sha}-gzip"', packed, file, len(packed), "gzip")
            else:
                gz_file = self._gzip_on_disk(sha, file)
                size = gz_file.stat().st_size
                gz, gz_304 = representation(f'"{sha}-gzip"', None, gz_file, size, "gzip")
        return PublishedFile(ident, sha, mtime, identity, gz, identity_304, gz_304)

    def _gzip_on_disk(self, sha: str, file: Path) -> Path:
        self.gzip_dir.mkdir(parents=True, exist_ok=True)
        target = self.gzip_dir / f"{sha}.gz"
        if not target.exists():
            _write_atomic(target, file)
        return target

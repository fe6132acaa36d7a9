"""The matcher of a published directory: compiled once per published package, replaced when a
publication changes the package (the hosted matcher of `POST /api/v1/match`).

`publish` switches the directory to a new generation with one symlink rename (ADR 0010), and a
generation whose package did not change hard-links the previous file. So the identity of
`<dir>/package.json` as `stat` sees it through the symlink (inode, device, size, mtime) names
one published package: a new release gives a new identity, a `kpfeed refresh` (signatures only)
keeps it. Each call costs one `stat`; only a new identity compiles again. A directory someone
rsyncs over works the same way.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from feed.errors import ConfigError, KpfeedError, NotFoundError
from feed.match.matcher import Matcher
from feed.match.package import MIRROR_PACKAGE, parse_package

__all__ = ["PublishedMatcher"]

Ident = tuple[int, int, int, int]


def _ident(st: os.stat_result) -> Ident:
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class _Compiled:
    matcher: Matcher
    ident: Ident


class PublishedMatcher:
    """The matcher for the package currently published in `public_dir`; thread-safe."""

    def __init__(self, public_dir: Path) -> None:
        self.package = public_dir / MIRROR_PACKAGE
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()
        #: How many times a package was compiled (a new publication, or the first request).
        self.compilations = 0

    def current(self) -> Matcher:
        """The matcher of the published package, compiled now if it changed since the last call.

        Blocking (the first call after a publication reads and compiles the package), so call it
        from a worker thread. NotFoundError when nothing is published; ConfigError when the
        published package is unusable (a server-side fault, logged by the caller).
        """
        try:
            ident = _ident(os.stat(self.package))
        except FileNotFoundError:
            raise NotFoundError("no release has been published yet") from None
        except OSError as error:
            raise ConfigError(f"cannot read {self.package}: {error.strerror}") from None
        compiled = self._compiled
        if compiled is not None and compiled.ident == ident:
            return compiled.matcher
        with self._lock:  # one compilation per change, however many requests arrive meanwhile
            compiled = self._compiled
            if compiled is None or compiled.ident != ident:
                compiled = self._compile()
                self._compiled = compiled
            return compiled.matcher

    def _compile(self) -> _Compiled:
        # The identity comes from the open file, so it names exactly the bytes compiled even if
        # a publication switches the directory between the `stat` above and this read.
        try:
            with open(self.package, "rb") as f:
                ident = _ident(os.fstat(f.fileno()))
                raw = f.read()
        except FileNotFoundError:
            raise NotFoundError("no release has been published yet") from None
        except OSError as error:
            raise ConfigError(f"cannot read {self.package}: {error.strerror}") from None
        try:
            package = parse_package(raw, str(self.package))
        except KpfeedError as error:
            raise ConfigError(f"the published package cannot be matched against: {error}") from None
        matcher = Matcher.from_records(package.records, release=package.release)
        self.compilations += 1
        return _Compiled(matcher, ident)

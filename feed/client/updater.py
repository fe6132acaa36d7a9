"""`CatalogueClient`: pull the current release into a mirror, verified by python-tuf's client.

One pull:

1. `timestamp.json` is fetched with `If-None-Match`. On `304`, python-tuf re-checks the
   metadata already held (signatures, expiry) without a further request; if the mirror holds
   the current release, that one small request was the whole pull.
2. Otherwise python-tuf's `Updater` refreshes root (following rotations from the pinned
   root), timestamp, snapshot and targets. The current release is the one the signed
   `package.json` target names in its custom metadata.
3. A mirror behind it applies the `changes.json` of each release in between (listed by
   `releases.json`) and rebuilds `package.json`, which must be the published one byte for
   byte; if any of that does not work, or the deltas are not smaller than the package, the
   full package is downloaded instead and checked record by record.
4. The mirror is replaced atomically. On any failure it stays as it was, and the error (a
   `feed.errors` class) says what was refused and why.
"""

from __future__ import annotations

import contextlib
import gc
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root
from tuf.ngclient import Updater, UpdaterConfig

from feed import __version__
from feed.client.assemble import assemble_package
from feed.client.catalogue import Catalogue
from feed.client.delta import (
    ChangeCounts,
    PackageHead,
    apply_changes,
    count_changes,
    parse_changes,
    parse_head,
    release_steps,
    releases_between,
)
from feed.client.fetch import Fetcher, FetchStats, RetryPolicy
from feed.client.http import HttpxFetcher
from feed.client.mirror import CachedResponse, Mirror
from feed.client.primed import OfflineMiss, PrimedFetcher
from feed.client.result import PullResult
from feed.client.state import (
    PACKAGE,
    RELEASES,
    MirrorContent,
    MirrorState,
    TargetRelease,
    changes_path,
    check_target,
    target_release,
    verify_package,
)
from feed.client.trust import refused
from feed.config import Settings, get_settings
from feed.errors import ConfigError, DeltaError, FetchError, TrustError

__all__ = ["CatalogueClient"]

#: First bytes of the published package read to rebuild it from deltas; more if notes are long.
_HEAD_BYTES = (8 * 1024, 256 * 1024)


class CatalogueClient:
    """Keeps a mirror of a published catalogue current: `pull()`, then `catalogue()`.

    `url` is the published directory (with `tuf/` under it); `trusted_root` is the root
    metadata pinned out of band (`kpfeed keys export-public` writes `root.json`), needed for
    the first pull only (it is kept in the mirror). `fetcher` replaces HTTP (tests use
    `MemoryFetcher`).
    """

    def __init__(
        self,
        url: str,
        mirror_dir: Path | str,
        trusted_root: bytes | Path | str | None = None,
        *,
        token: str | None = None,
        fetcher: Fetcher | None = None,
        settings: Settings | None = None,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ConfigError(f"the feed URL must start with https:// or http://, not {url!r}")
        self.url = url if url.endswith("/") else f"{url}/"
        self._metadata_url = f"{self.url}tuf/metadata/"
        self._targets_url = f"{self.url}tuf/targets/"
        self.mirror = Mirror(Path(mirror_dir))
        self._trusted_root = _read_root(trusted_root) if trusted_root is not None else None
        if fetcher is None:
            settings = settings or get_settings()
            if token is None and settings.feed_token is not None:
                token = settings.feed_token.get_secret_value()
            fetcher = HttpxFetcher(
                token=token,
                timeout=settings.client_timeout_seconds,
                max_bytes=settings.client_max_bytes,
                retry=RetryPolicy(retries=settings.client_retries),
            )
        self.fetcher = fetcher
        self._config = UpdaterConfig(app_user_agent=f"kpfeed/{__version__}")

    def __enter__(self) -> CatalogueClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.fetcher.close()

    def catalogue(self) -> Catalogue:
        """The release the mirror holds, typed (after checking its hash)."""
        return Catalogue.load(self.mirror.root)

    # -- the pull

    def pull(self) -> PullResult:
        """Bring the mirror to the current release; see the module docstring for the steps."""
        with self.mirror.open_for_update(), _gc_paused():
            return self._pull()

    def _pull(self) -> PullResult:
        start = self.fetcher.stats
        root = self._root()
        state = self.mirror.read_state()
        timestamp_url = f"{self._metadata_url}timestamp.json"
        cached = self.mirror.http_cache().get(timestamp_url)
        fetched = self.fetcher.get(
            timestamp_url,
            max_length=self._config.timestamp_max_length,
            etag=cached.etag if cached else None,
        )
        if fetched.not_modified and cached is not None:
            timestamp, cache = cached.body, {timestamp_url: cached}
        else:
            timestamp = fetched.body
            cache = {timestamp_url: CachedResponse(fetched.etag, timestamp)} if fetched.etag else {}

        if fetched.not_modified and state is not None:
            offline = self._updater(root, {timestamp_url: timestamp}, offline=True)
            target = self._current_target(offline, allow_offline_miss=True)
            if target is not None and check_target(state, target) == "current":
                self.mirror.commit(None, http_cache=cache)
                return self._result(state, state, "unchanged", start)

        updater = self._updater(root, {timestamp_url: timestamp}, offline=False)
        target = self._current_target(updater)
        assert target is not None
        standing = check_target(state, target)
        if standing == "current":
            assert state is not None
            self.mirror.commit(None, http_cache=cache)
            return self._result(state, state, "unchanged", start)

        base, refusal = self.mirror.read_content(state) if state else (None, None)
        content: MirrorContent | None = None
        versions: tuple[str, ...] = ()
        counts: ChangeCounts | None = None
        staged: Path | None = None
        if base is not None:
            try:
                content, versions, touched, staged = self._by_deltas(updater, base, target)
                counts = count_changes(base.records, content.records, touched)
            except DeltaError as error:
                refusal = str(error)
        if content is None:
            content = self._full(updater, target)
            if base is not None:
                counts = count_changes(base.records, content.records)
            elif state is None:
                counts = ChangeCounts(added=len(content.records), changed=0, retired=0)
        self.mirror.commit(
            content,
            http_cache=cache,
            pinned_root=root if state is None else None,
            staged=staged,
        )
        return self._result(
            state,
            content.state,
            "delta" if versions else "full",
            start,
            deltas=versions,
            counts=counts,
            refusal=refusal if not versions else None,
        )

    # -- TUF

    def _root(self) -> bytes:
        root = self._trusted_root or self.mirror.pinned_root()
        if root is None:
            raise ConfigError(
                f"the first pull into {self.mirror.root} needs the trusted root metadata "
                "(`--trusted-root root.json`, as `kpfeed keys export-public` writes it)"
            )
        return root

    def _updater(self, root: bytes, primed: Mapping[str, bytes], *, offline: bool) -> Updater:
        self.mirror.tuf_dir.mkdir(exist_ok=True)
        with self._refusing("the trusted root"):
            return Updater(
                metadata_dir=str(self.mirror.tuf_dir),
                metadata_base_url=self._metadata_url,
                target_dir=str(self.mirror.work_dir),
                target_base_url=self._targets_url,
                fetcher=PrimedFetcher(self.fetcher, primed, offline=offline),
                config=self._config,
                bootstrap=root,
            )

    def _current_target(
        self, updater: Updater, *, allow_offline_miss: bool = False
    ) -> TargetRelease | None:
        try:
            with self._refusing(f"TUF metadata from {self._metadata_url}"):
                updater.refresh()
                info = updater.get_targetinfo(PACKAGE)
        except OfflineMiss:
            if allow_offline_miss:
                return None
            raise  # pragma: no cover - only the offline updater raises it
        if info is None:
            raise TrustError(
                f"the signed TUF targets of {self.url} do not list {PACKAGE}; "
                "is this a kpfeed published directory?"
            )
        return target_release(info.path, info.length, info.hashes, info.custom)

    def _download(self, updater: Updater, path: str) -> tuple[bytes, TargetRelease] | None:
        """A verified target's bytes and entry, or None when the targets do not list it."""
        with self._refusing(f"TUF metadata for {path}"):
            info = updater.get_targetinfo(path)
        if info is None:
            return None
        entry = target_release(info.path, info.length, info.hashes, info.custom)
        destination = self.mirror.work_dir / f"{uuid.uuid4().hex}.download"
        with self._refusing(f"{path} of release {entry.version}"):
            updater.download_target(info, filepath=str(destination))
        try:
            return destination.read_bytes(), entry
        finally:
            destination.unlink()

    @contextlib.contextmanager
    def _refusing(self, what: str) -> Iterator[None]:
        try:
            yield
        except OfflineMiss:
            raise
        except (tuf_errors.RepositoryError, tuf_errors.DownloadError) as error:
            answer = self.fetcher.last_answer
            raise refused(error, what, content_type=answer[2] if answer else None) from None

    # -- full package and deltas

    def _full(self, updater: Updater, target: TargetRelease) -> MirrorContent:
        downloaded = self._download(updater, PACKAGE)
        if downloaded is None:  # pragma: no cover - _current_target found it a moment ago
            raise TrustError(f"the signed TUF targets no longer list {PACKAGE}")
        return verify_package(downloaded[0], target)

    def _by_deltas(
        self, updater: Updater, base: MirrorContent, target: TargetRelease
    ) -> tuple[MirrorContent, tuple[str, ...], set[str], Path]:
        """The release rebuilt from the mirror and the changes files in between, and where
        its package has been written (in the work folder: `commit` renames it into place)."""
        listed = self._download(updater, RELEASES)
        if listed is None:
            raise DeltaError(f"the repository has no {RELEASES} listing the releases in between")
        versions = releases_between(release_steps(listed[0]), base.state.version, target.version)
        entries = []
        for version in versions:
            with self._refusing(f"TUF metadata for {changes_path(version)}"):
                info = updater.get_targetinfo(changes_path(version))
            if info is None:
                raise DeltaError(f"release {version} has no {changes_path(version)}")
            entries.append(info)
        total = sum(info.length for info in entries)
        if total >= target.length:
            raise DeltaError(
                f"the changes of {len(versions)} release(s) ({total:,} bytes) are not smaller "
                f"than the full package ({target.length:,} bytes)"
            )
        deltas = []
        for version in versions:
            downloaded = self._download(updater, changes_path(version))
            assert downloaded is not None
            deltas.append(parse_changes(downloaded[0], file=changes_path(version)))
        records, touched = apply_changes(base.records, base.state, deltas)
        head = self._head(target)
        staged: list[Path] = []
        try:
            content = assemble_package(
                head,
                records,
                target,
                base=base,
                write=lambda parts: staged.append(self.mirror.stage_package(parts)),
            )
        except DeltaError:
            for path in staged:
                path.unlink(missing_ok=True)
            raise
        return content, tuple(versions), touched, staged[0]

    def _head(self, target: TargetRelease) -> PackageHead:
        url = f"{self._targets_url}{target.sha256}.{PACKAGE}"
        prefix = b""
        for size in _HEAD_BYTES:
            try:
                prefix = self.fetcher.get_prefix(url, size=size)
            except FetchError as error:
                raise DeltaError(
                    f"the head of the published {PACKAGE} is unreadable: {error}"
                ) from None
            if len(prefix) < size or b'"records":[' in prefix:
                break
        return parse_head(prefix, file=PACKAGE)

    def _result(
        self,
        before: MirrorState | None,
        after: MirrorState,
        method: Literal["unchanged", "delta", "full"],
        start: FetchStats,
        *,
        deltas: tuple[str, ...] = (),
        counts: ChangeCounts | None = None,
        refusal: str | None = None,
    ) -> PullResult:
        spent = self.fetcher.stats - start
        if method == "unchanged":
            counts = ChangeCounts(0, 0, 0)
        return PullResult(
            mirror=self.mirror.root,
            catalogue=after.catalogue,
            from_version=before.version if before else None,
            from_sequence=before.sequence if before else None,
            to_version=after.version,
            to_sequence=after.sequence,
            method=method,
            deltas=deltas,
            added=counts.added if counts else None,
            changed=counts.changed if counts else None,
            retired=counts.retired if counts else None,
            total=after.records,
            requests=spent.requests,
            bytes_received=spent.bytes_received,
            delta_refused=refusal,
        )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic collector: a pull makes 100k-odd acyclic objects (records, slices),
    and each collection it triggers would walk all of them again. Restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_root(trusted_root: bytes | Path | str) -> bytes:
    if isinstance(trusted_root, bytes):
        data = trusted_root
    else:
        try:
            data = Path(trusted_root).read_bytes()
        except OSError as error:
            raise ConfigError(
                f"cannot read the trusted root {trusted_root}: {error.strerror}"
            ) from None
    try:
        Metadata[Root].from_bytes(data)
    except Exception as error:  # python-tuf raises several kinds for a file that is not a root
        raise ConfigError(
            f"the trusted root is not TUF root metadata ({type(error).__name__}: {error}); "
            "use the root.json that `kpfeed keys export-public` writes"
        ) from None
    return data

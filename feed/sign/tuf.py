"""A TUF repository over the published files, built with python-tuf's Metadata API, as bytes.

Layout inside the published directory (consistent snapshots):

    tuf/metadata/N.root.json        every root version, so clients pinned to 1 follow rotations
    tuf/metadata/N.targets.json     the published files with length, sha256 and custom metadata
    tuf/metadata/N.snapshot.json    the targets version (with its length and hash)
    tuf/metadata/timestamp.json     the snapshot version (with its length and hash); the only
                                    file whose name does not change, so it is written last
    tuf/targets/<dir>/<sha256>.<name>   a content-addressed copy of each target

A client uses `<base>/tuf/metadata/` as metadata URL and `<base>/tuf/targets/` as target URL
(python-tuf's `ngclient.Updater` with its default config finds the hash-prefixed copies).

`TufRepository` never touches the disk: it starts from the key ring and the metadata files
already published, and returns the files a release or a refresh adds, in the order to write.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from tuf.api.exceptions import LengthOrHashMismatchError, UnsignedMetadataError
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from feed.config import Settings
from feed.errors import BadSignatureError, KeyStoreError, PublishError
from feed.sign.keys import Keyring

__all__ = [
    "METADATA_DIR",
    "TARGETS_DIR",
    "TufExpiry",
    "TufRepository",
    "read_metadata",
    "target_copy_path",
]

METADATA_DIR = "tuf/metadata"
TARGETS_DIR = "tuf/targets"
_TIMESTAMP = f"{METADATA_DIR}/timestamp.json"
_PRETTY = JSONSerializer(compact=False)
_VERSIONED = re.compile(r"^([1-9][0-9]*)\.(root|targets|snapshot)\.json$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_+-][A-Za-z0-9._+-]*$")
_S = TypeVar("_S", Root, Timestamp, Snapshot, Targets)


@dataclass(frozen=True)
class TufExpiry:
    """How long each kind of metadata stays valid (root's lifetime is the key ring's business)."""

    targets_days: int = 90
    snapshot_days: int = 7
    timestamp_days: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> TufExpiry:
        return cls(
            targets_days=settings.tuf_targets_days,
            snapshot_days=settings.tuf_snapshot_days,
            timestamp_days=settings.tuf_timestamp_days,
        )


def target_copy_path(path: str, sha256: str) -> str:
    """Where the content-addressed copy of target `path` lives in the published directory."""
    directory, slash, name = path.rpartition("/")
    return f"{TARGETS_DIR}/{directory}{slash}{sha256}.{name}"


def read_metadata(public_dir: Path) -> dict[str, bytes]:
    """Every file under `<public_dir>/tuf/metadata/`, keyed by its path in the directory.

    This is what `TufRepository` wants as `previous`; empty before the first release.
    """
    folder = public_dir / METADATA_DIR
    if not folder.is_dir():
        return {}
    return {
        f"{METADATA_DIR}/{path.name}": path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix == ".json"
    }


class TufRepository:
    """Signs new TUF metadata versions on top of what is published.

    Build it from the key ring (online role keys unlocked) and the metadata already published
    (`read_metadata`, or `{}` for the first release). `publish` and `refresh` return the files
    to write, paths relative to the published directory, in a safe order: target copies, root
    versions, targets, snapshot, and `tuf/metadata/timestamp.json` last. The object then
    stands on the metadata it returned, so calls can follow each other.
    """

    def __init__(
        self,
        keyring: Keyring,
        previous: Mapping[str, bytes],
        *,
        expiry: TufExpiry | None = None,
    ) -> None:
        self._keyring = keyring
        self._expiry = expiry or TufExpiry()
        self._roots = [Metadata[Root].from_bytes(data) for data in keyring.roots]
        self._published_roots = self._check_published_roots(previous)
        self._timestamp: Metadata[Timestamp] | None = None
        self._snapshot: Metadata[Snapshot] | None = None
        self._targets: Metadata[Targets] | None = None
        self._targets_bytes = b""
        self._snapshot_bytes = b""
        if _TIMESTAMP in previous:
            self._load_previous(previous)
        elif any(_role_of(path) in ("targets", "snapshot") for path in previous):
            raise PublishError(f"published TUF metadata has no {_TIMESTAMP}; it is incomplete")

    # -- what is published

    @property
    def targets(self) -> Mapping[str, TargetFile]:
        """The targets the newest targets metadata lists, by path."""
        return dict(self._targets.signed.targets) if self._targets else {}

    @property
    def versions(self) -> dict[str, int]:
        """Newest version of each role (0 for a role never published)."""
        return {
            "root": len(self._roots),
            "targets": self._targets.signed.version if self._targets else 0,
            "snapshot": self._snapshot.signed.version if self._snapshot else 0,
            "timestamp": self._timestamp.signed.version if self._timestamp else 0,
        }

    @property
    def root_expires(self) -> datetime:
        """When the newest root expires; only the offline root keys can renew it."""
        return self._roots[-1].signed.expires

    # -- operations

    def publish(
        self,
        targets: Mapping[str, bytes],
        custom: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        now: datetime,
    ) -> dict[str, bytes]:
        """Add or replace `targets` (path -> bytes) and sign new targets, snapshot and timestamp.

        Targets already published and not named here stay listed as they are (released files
        never change). `custom[path]` becomes that target's custom metadata, e.g.
        `{"kpfeed": {"version": "2022.2", "sequence": 2}}`.
        """
        self._check_root_valid(now)
        custom = custom or {}
        unknown = sorted(set(custom) - set(targets))
        if unknown:
            raise PublishError(f"custom metadata for paths that are not targets: {unknown}")
        files: dict[str, bytes] = {}
        entries: dict[str, TargetFile] = {}
        for path in sorted(targets):
            _check_target_path(path)
            data = targets[path]
            extra = dict(custom.get(path, {}))
            try:
                json.dumps(extra, allow_nan=False)
            except (TypeError, ValueError) as error:
                raise PublishError(f"custom metadata of {path} is not JSON: {error}") from None
            sha256 = hashlib.sha256(data).hexdigest()
            entries[path] = TargetFile(
                len(data), {"sha256": sha256}, path, {"custom": extra} if extra else None
            )
            files[target_copy_path(path, sha256)] = data
        listed = dict(self._targets.signed.targets) if self._targets else {}
        listed.update(entries)
        files.update(self._new_roots())
        files.update(self._sign_targets(listed, now))
        files.update(self._sign_snapshot(now))
        files.update(self._sign_timestamp(now))
        self._published_roots = len(self._roots)
        return files

    def refresh(self, *, now: datetime) -> dict[str, bytes]:
        """Re-sign timestamp and snapshot (new versions and expiries) for an unchanged release.

        Targets metadata is re-signed too when it was signed by a key since rotated, or when
        less than half its lifetime is left; any root versions not yet published come along.
        """
        if self._targets is None:
            raise PublishError("nothing is published yet: publish a release before refreshing")
        self._check_root_valid(now)
        files = self._new_roots()
        targets = self._targets
        lifetime = timedelta(days=self._expiry.targets_days)
        if not self._verifies(targets, "targets") or targets.signed.expires - now < lifetime / 2:
            files.update(self._sign_targets(dict(targets.signed.targets), now))
        files.update(self._sign_snapshot(now))
        files.update(self._sign_timestamp(now))
        self._published_roots = len(self._roots)
        return files

    # -- signing

    def _sign(self, signed: _S, role: str) -> tuple[Metadata[_S], bytes]:
        metadata = Metadata(signed)
        for signer in self._keyring.signers_for(role):
            metadata.sign(signer, append=True)
        return metadata, metadata.to_bytes(_PRETTY)

    def _new_roots(self) -> dict[str, bytes]:
        return {
            f"{METADATA_DIR}/{version}.root.json": self._keyring.roots[version - 1]
            for version in range(self._published_roots + 1, len(self._roots) + 1)
        }

    def _sign_targets(self, listed: dict[str, TargetFile], now: datetime) -> dict[str, bytes]:
        version = self.versions["targets"] + 1
        signed = Targets(
            version=version,
            expires=_expiry(now, self._expiry.targets_days),
            targets=dict(sorted(listed.items())),
        )
        self._targets, self._targets_bytes = self._sign(signed, "targets")
        return {f"{METADATA_DIR}/{version}.targets.json": self._targets_bytes}

    def _sign_snapshot(self, now: datetime) -> dict[str, bytes]:
        version = self.versions["snapshot"] + 1
        targets_meta = MetaFile.from_data(self.versions["targets"], self._targets_bytes, ["sha256"])
        signed = Snapshot(
            version=version,
            expires=_expiry(now, self._expiry.snapshot_days),
            meta={"targets.json": targets_meta},
        )
        self._snapshot, self._snapshot_bytes = self._sign(signed, "snapshot")
        return {f"{METADATA_DIR}/{version}.snapshot.json": self._snapshot_bytes}

    def _sign_timestamp(self, now: datetime) -> dict[str, bytes]:
        snapshot_meta = MetaFile.from_data(
            self.versions["snapshot"], self._snapshot_bytes, ["sha256"]
        )
        signed = Timestamp(
            version=self.versions["timestamp"] + 1,
            expires=_expiry(now, self._expiry.timestamp_days),
            snapshot_meta=snapshot_meta,
        )
        self._timestamp, data = self._sign(signed, "timestamp")
        return {_TIMESTAMP: data}

    # -- checks on what is published

    def _check_root_valid(self, now: datetime) -> None:
        if self.root_expires <= now:
            raise KeyStoreError(
                f"root v{len(self._roots)} expired on {self.root_expires.isoformat()}: clients "
                f"refuse everything until `kpfeed keys renew-root` signs a new one"
            )

    def _check_published_roots(self, previous: Mapping[str, bytes]) -> int:
        published = 0
        for path, data in previous.items():
            if _role_of(path) != "root":
                continue
            version = int(path.rpartition("/")[2].split(".")[0])
            if version > len(self._roots) or self._keyring.roots[version - 1] != data:
                raise KeyStoreError(
                    f"published {path} is not the key ring's root v{version}: this key ring "
                    f"(root v{len(self._roots)}) is not the one that signed the repository"
                )
            published = max(published, version)
        return published

    def _load_previous(self, previous: Mapping[str, bytes]) -> None:
        # Follow timestamp -> snapshot -> targets, checking each signature before trusting the
        # link it holds: carrying forward a list nobody signed would launder tampered targets.
        timestamp = self._signed_by_a_root(Timestamp, previous[_TIMESTAMP], _TIMESTAMP)
        snapshot_meta = timestamp.signed.snapshot_meta
        snapshot_path = f"{METADATA_DIR}/{snapshot_meta.version}.snapshot.json"
        snapshot_bytes = _linked(previous, snapshot_path, snapshot_meta)
        snapshot = self._signed_by_a_root(Snapshot, snapshot_bytes, snapshot_path)
        targets_meta = snapshot.signed.meta.get("targets.json")
        if targets_meta is None:
            raise PublishError(f"{snapshot_path} does not list targets.json")
        targets_path = f"{METADATA_DIR}/{targets_meta.version}.targets.json"
        targets_bytes = _linked(previous, targets_path, targets_meta)
        targets = self._signed_by_a_root(Targets, targets_bytes, targets_path)
        self._timestamp, self._snapshot, self._targets = timestamp, snapshot, targets
        self._snapshot_bytes, self._targets_bytes = snapshot_bytes, targets_bytes

    def _signed_by_a_root(self, kind: type[_S], data: bytes, path: str) -> Metadata[_S]:
        metadata = _parse(kind, data, path)
        role = metadata.signed.type
        # Signed under the newest root, or under an older one before a key rotation.
        if not any(self._verifies(metadata, role, root) for root in reversed(self._roots)):
            raise BadSignatureError(
                f"published {path} is not signed by any {role} key the key ring's roots "
                f"have named; refusing to build on it"
            )
        return metadata

    def _verifies(
        self, metadata: Metadata[Any], role: str, root: Metadata[Root] | None = None
    ) -> bool:
        root = root or self._roots[-1]
        try:
            root.signed.verify_delegate(role, metadata.signed_bytes, metadata.signatures)
        except UnsignedMetadataError:
            return False
        return True


def _role_of(path: str) -> str | None:
    match = _VERSIONED.match(path.rpartition("/")[2])
    return match.group(2) if match and path.startswith(f"{METADATA_DIR}/") else None


def _check_target_path(path: str) -> None:
    segments = path.split("/")
    if not path or not all(_SEGMENT.match(s) for s in segments) or segments[0] == "tuf":
        raise PublishError(
            f"target path {path!r} must be relative, with `/` between plain names "
            f"(letters, digits, . _ + -), and outside tuf/"
        )


def _linked(previous: Mapping[str, bytes], path: str, meta: MetaFile) -> bytes:
    data = previous.get(path)
    if data is None:
        raise PublishError(f"published TUF metadata is incomplete: {path} is missing")
    try:
        meta.verify_length_and_hashes(data)
    except LengthOrHashMismatchError as error:
        raise PublishError(f"published {path} is not the one its parent names: {error}") from None
    return data


def _parse(kind: type[_S], data: bytes, path: str) -> Metadata[_S]:
    try:
        metadata = Metadata[Any].from_bytes(data)
    except DeserializationError as error:
        raise PublishError(f"published {path} is not TUF metadata: {error}") from None
    if not isinstance(metadata.signed, kind):
        raise PublishError(f"published {path} holds {metadata.signed.type} metadata")
    return cast("Metadata[_S]", metadata)


def _expiry(now: datetime, days: int) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.replace(microsecond=0) + timedelta(days=days)

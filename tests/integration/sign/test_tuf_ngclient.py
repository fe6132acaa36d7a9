"""python-tuf's own client (`ngclient.Updater`) over HTTP from another process, and the attacks.

Each test publishes into a folder served by `serve.py` in a subprocess on 127.0.0.1, then
plays the consumer with a fresh `Updater` pinned to `1.root.json`. Attacks change what the
server holds and name the exact python-tuf error the client raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from securesystemslib.signer import CryptoSigner, Signer
from tuf.api.exceptions import (
    BadVersionNumberError,
    DownloadLengthMismatchError,
    ExpiredMetadataError,
    LengthOrHashMismatchError,
    UnsignedMetadataError,
)
from tuf.api.metadata import Metadata, MetaFile, Root, Timestamp
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer
from tuf.ngclient import Updater

from feed.sign.keys import Keyring, load_keyring, rotate
from feed.sign.tuf import TufRepository, target_copy_path
from tests.integration.sign.common import FAST_KDF, PASSPHRASE, Serve

RELEASE_1 = {
    "package.json": b'{"release": "2026.1", "synthetic": true}\n',
    "feed.atom": b"<feed>synthetic 1</feed>\n",
    "releases/2026.1/package.json": b'{"release": "2026.1", "synthetic": true}\n',
}
RELEASE_2 = {
    "package.json": b'{"release": "2026.2", "synthetic": true}\n',
    "feed.atom": b"<feed>synthetic 2</feed>\n",
    "releases/2026.2/package.json": b'{"release": "2026.2", "synthetic": true}\n',
}


class Site:
    """A published directory and the repository that signs into it."""

    def __init__(self, keyring: Keyring, folder: Path) -> None:
        self.folder = folder
        self.repository = TufRepository(keyring, {})
        self.keyring = keyring

    def release(
        self,
        files: Mapping[str, bytes],
        version: str,
        sequence: int,
        *,
        now: datetime | None = None,
    ) -> None:
        custom = {p: {"kpfeed": {"version": version, "sequence": sequence}} for p in files}
        self.write(self.repository.publish(files, custom, now=now or datetime.now(UTC)))

    def refresh(self, *, now: datetime | None = None) -> None:
        self.write(self.repository.refresh(now=now or datetime.now(UTC)))

    def rekey(self, keyring: Keyring) -> None:
        """Carry on with a rotated key ring, from what is published."""
        self.keyring = keyring
        previous = {
            f"tuf/metadata/{p.name}": p.read_bytes()
            for p in (self.folder / "tuf" / "metadata").iterdir()
        }
        self.repository = TufRepository(keyring, previous)

    def write(self, files: Mapping[str, bytes]) -> None:
        for name, data in files.items():
            path = self.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def copy_path(self, target: str) -> str:
        return target_copy_path(target, self.repository.targets[target].hashes["sha256"])

    def metadata(self, name: str) -> Metadata[Any]:
        return Metadata[Any].from_bytes(self.read(f"tuf/metadata/{name}"))

    def resign(self, metadata: Metadata[Any], signers: list[Signer], name: str) -> None:
        metadata.signatures.clear()
        for signer in signers:
            metadata.sign(signer, append=True)
        self.write({f"tuf/metadata/{name}": metadata.to_bytes(JSONSerializer(compact=False))})


class Consumer:
    """A moderation team's client: python-tuf's Updater with its own cache folder."""

    def __init__(self, base_url: str, home: Path, trusted_root: bytes) -> None:
        self.base_url, self.home, self.trusted_root = base_url, home, trusted_root
        (home / "metadata").mkdir(parents=True, exist_ok=True)

    def updater(self) -> Updater:
        # The pinned root only bootstraps the first run; later runs start from the cache.
        cached = (self.home / "metadata" / "root.json").exists()
        return Updater(
            metadata_dir=str(self.home / "metadata"),
            metadata_base_url=f"{self.base_url}tuf/metadata/",
            target_dir=str(self.home / "targets"),
            target_base_url=f"{self.base_url}tuf/targets/",
            bootstrap=None if cached else self.trusted_root,
        )

    def pull(self, *paths: str) -> dict[str, bytes]:
        updater = self.updater()
        updater.refresh()
        found = {}
        for path in paths:
            info = updater.get_targetinfo(path)
            assert info is not None, f"{path} is not a target"
            found[path] = Path(updater.download_target(info)).read_bytes()
        return found

    @property
    def trusted_root_version(self) -> int:
        return int(
            json.loads((self.home / "metadata" / "root.json").read_bytes())["signed"]["version"]
        )


@pytest.fixture
def site(keyring: Keyring, public_dir: Path) -> Site:
    site = Site(keyring, public_dir)
    site.release(RELEASE_1, "2026.1", 1)
    return site


@pytest.fixture
def consumer(site: Site, serve: Serve, tmp_path: Path) -> Consumer:
    return Consumer(serve(site.folder), tmp_path / "client", site.keyring.roots[0])


# -- the happy path


def test_client_downloads_every_target_with_its_hash_checked(
    site: Site, consumer: Consumer
) -> None:
    assert consumer.pull(*RELEASE_1) == RELEASE_1
    info = consumer.updater().get_targetinfo("releases/2026.1/package.json")
    assert info is not None
    assert info.custom == {"kpfeed": {"version": "2026.1", "sequence": 1}}


def test_client_follows_a_new_release_and_keeps_older_ones_reachable(
    site: Site, consumer: Consumer
) -> None:
    consumer.pull("package.json")
    site.release(RELEASE_2, "2026.2", 2)
    got = consumer.pull(
        "package.json", "releases/2026.1/package.json", "releases/2026.2/package.json"
    )
    assert got["package.json"] == RELEASE_2["package.json"]
    assert got["releases/2026.1/package.json"] == RELEASE_1["releases/2026.1/package.json"]


def test_refresh_keeps_an_unchanged_release_acceptable(site: Site, consumer: Consumer) -> None:
    consumer.pull("package.json")
    site.refresh()
    assert consumer.pull("package.json") == {"package.json": RELEASE_1["package.json"]}


# -- changed, swapped, unknown key


def test_changed_target_file_is_refused(site: Site, consumer: Consumer) -> None:
    copy = site.copy_path("package.json")
    site.write({copy: site.read(copy).replace(b"2026.1", b"2099.9")})
    with pytest.raises(LengthOrHashMismatchError, match="hash"):
        consumer.pull("package.json")


def test_changed_timestamp_metadata_is_refused(site: Site, consumer: Consumer) -> None:
    data = site.read("tuf/metadata/timestamp.json")
    site.write({"tuf/metadata/timestamp.json": data.replace(b'"version": 1', b'"version": 5', 1)})
    with pytest.raises(UnsignedMetadataError, match="timestamp was signed by 0/1 keys"):
        consumer.pull("package.json")


def test_changed_targets_metadata_is_refused(site: Site, consumer: Consumer) -> None:
    name = "tuf/metadata/1.targets.json"
    site.write({name: site.read(name).replace(b'"sequence": 1', b'"sequence": 9')})
    with pytest.raises(LengthOrHashMismatchError, match="hash"):
        consumer.pull("package.json")


def test_swapped_signature_is_refused(site: Site, consumer: Consumer) -> None:
    """The timestamp key's signature over the snapshot, pasted onto the timestamp."""
    timestamp = json.loads(site.read("tuf/metadata/timestamp.json"))
    snapshot = json.loads(site.read("tuf/metadata/1.snapshot.json"))
    timestamp["signatures"][0]["sig"] = snapshot["signatures"][0]["sig"]
    site.write({"tuf/metadata/timestamp.json": json.dumps(timestamp).encode()})
    with pytest.raises(UnsignedMetadataError, match="timestamp was signed by 0/1 keys"):
        consumer.pull("package.json")


def test_signature_by_an_unknown_key_is_refused(site: Site, consumer: Consumer) -> None:
    metadata = site.metadata("timestamp.json")
    metadata.signed.version += 1
    site.resign(metadata, [CryptoSigner.generate_ed25519()], "timestamp.json")
    with pytest.raises(UnsignedMetadataError, match="timestamp was signed by 0/1 keys"):
        consumer.pull("package.json")


# -- rollback


def test_rollback_to_an_older_timestamp_is_refused(site: Site, consumer: Consumer) -> None:
    old_timestamp = site.read("tuf/metadata/timestamp.json")
    site.release(RELEASE_2, "2026.2", 2)
    consumer.pull("package.json")
    site.write({"tuf/metadata/timestamp.json": old_timestamp})
    with pytest.raises(BadVersionNumberError, match="New timestamp version 1 must be >= 2"):
        consumer.pull("package.json")


def test_rollback_to_an_older_snapshot_is_refused_even_with_the_timestamp_key(
    site: Site, consumer: Consumer
) -> None:
    site.release(RELEASE_2, "2026.2", 2)
    consumer.pull("package.json")
    timestamp = site.metadata("timestamp.json")
    timestamp.signed.version += 1
    timestamp.signed.snapshot_meta = MetaFile.from_data(
        1, site.read("tuf/metadata/1.snapshot.json"), ["sha256"]
    )
    site.resign(timestamp, list(site.keyring.signers_for("timestamp")), "timestamp.json")
    with pytest.raises(
        BadVersionNumberError, match="New snapshot version must be >= 2, got version 1"
    ):
        consumer.pull("package.json")


def test_rollback_to_older_targets_is_refused_even_with_snapshot_and_timestamp_keys(
    site: Site, consumer: Consumer
) -> None:
    site.release(RELEASE_2, "2026.2", 2)
    consumer.pull("package.json")
    snapshot = site.metadata("2.snapshot.json")
    snapshot.signed.version = 3
    snapshot.signed.meta["targets.json"] = MetaFile.from_data(
        1, site.read("tuf/metadata/1.targets.json"), ["sha256"]
    )
    site.resign(snapshot, list(site.keyring.signers_for("snapshot")), "3.snapshot.json")
    timestamp = site.metadata("timestamp.json")
    timestamp.signed.version += 1
    timestamp.signed.snapshot_meta = MetaFile.from_data(
        3, site.read("tuf/metadata/3.snapshot.json"), ["sha256"]
    )
    site.resign(timestamp, list(site.keyring.signers_for("timestamp")), "timestamp.json")
    with pytest.raises(BadVersionNumberError, match=r"targets\.json version"):
        consumer.pull("package.json")


# -- freeze


def test_expired_timestamp_is_refused_until_a_refresh(
    keyring: Keyring, public_dir: Path, tmp_path: Path, serve: Serve
) -> None:
    site = Site(keyring, public_dir)
    site.release(RELEASE_1, "2026.1", 1, now=datetime.now(UTC) - timedelta(days=2))
    consumer = Consumer(serve(site.folder), tmp_path / "client", keyring.roots[0])
    with pytest.raises(ExpiredMetadataError, match=r"timestamp\.json is expired"):
        consumer.pull("package.json")
    site.refresh()
    assert consumer.pull("package.json") == {"package.json": RELEASE_1["package.json"]}


def test_expired_snapshot_behind_a_fresh_timestamp_is_refused(
    keyring: Keyring, public_dir: Path, tmp_path: Path, serve: Serve
) -> None:
    site = Site(keyring, public_dir)
    site.release(RELEASE_1, "2026.1", 1, now=datetime.now(UTC) - timedelta(days=8))
    timestamp: Metadata[Timestamp] = site.metadata("timestamp.json")
    timestamp.signed.version += 1
    timestamp.signed.expires = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    site.resign(timestamp, list(keyring.signers_for("timestamp")), "timestamp.json")
    consumer = Consumer(serve(site.folder), tmp_path / "client", keyring.roots[0])
    with pytest.raises(ExpiredMetadataError, match=r"snapshot\.json is expired"):
        consumer.pull("package.json")


def test_expired_targets_behind_fresh_snapshot_and_timestamp_are_refused(
    keyring: Keyring, public_dir: Path, tmp_path: Path, serve: Serve
) -> None:
    site = Site(keyring, public_dir)
    site.release(RELEASE_1, "2026.1", 1, now=datetime.now(UTC) - timedelta(days=91))
    # A refresh would renew targets this old; forge the freshness by hand to show the client.
    fresh = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    snapshot = site.metadata("1.snapshot.json")
    snapshot.signed.version, snapshot.signed.expires = 2, fresh
    site.resign(snapshot, list(keyring.signers_for("snapshot")), "2.snapshot.json")
    timestamp = site.metadata("timestamp.json")
    timestamp.signed.version, timestamp.signed.expires = 2, fresh
    timestamp.signed.snapshot_meta = MetaFile.from_data(
        2, site.read("tuf/metadata/2.snapshot.json"), ["sha256"]
    )
    site.resign(timestamp, list(keyring.signers_for("timestamp")), "timestamp.json")
    consumer = Consumer(serve(site.folder), tmp_path / "client", keyring.roots[0])
    with pytest.raises(ExpiredMetadataError, match="New targets is expired"):
        consumer.pull("package.json")


# -- mix-and-match, truncation, endless data


@pytest.mark.parametrize(
    ("victim", "source"),
    [
        ("tuf/metadata/2.targets.json", "tuf/metadata/1.targets.json"),
        ("tuf/metadata/2.snapshot.json", "tuf/metadata/1.snapshot.json"),
        ("copy:package.json", "copy:releases/2026.1/package.json"),
    ],
    ids=["targets-of-release-1-under-release-2", "snapshot-of-release-1", "package-of-release-1"],
)
def test_mix_and_match_of_files_from_two_releases_is_refused(
    site: Site, consumer: Consumer, victim: str, source: str
) -> None:
    source_data = site.read(site.copy_path(source[5:]) if source.startswith("copy:") else source)
    site.release(RELEASE_2, "2026.2", 2)
    site.write({site.copy_path(victim[5:]) if victim.startswith("copy:") else victim: source_data})
    with pytest.raises(LengthOrHashMismatchError):
        consumer.pull("package.json")


def test_truncated_target_is_refused(site: Site, consumer: Consumer) -> None:
    copy = site.copy_path("package.json")
    site.write({copy: site.read(copy)[:-5]})
    with pytest.raises(
        LengthOrHashMismatchError, match="Observed length 36 does not match expected length 41"
    ):
        consumer.pull("package.json")


def test_truncated_metadata_is_refused(site: Site, consumer: Consumer) -> None:
    site.write({"tuf/metadata/timestamp.json": site.read("tuf/metadata/timestamp.json")[:200]})
    with pytest.raises(DeserializationError):
        consumer.pull("package.json")


def test_target_larger_than_its_recorded_length_is_cut_off(site: Site, consumer: Consumer) -> None:
    copy = site.copy_path("package.json")
    site.write({copy: site.read(copy) + b"\0" * (4 * 1024 * 1024)})
    with pytest.raises(DownloadLengthMismatchError, match="exceeding the maximum allowed length"):
        consumer.pull("package.json")


@pytest.mark.parametrize("endless", ["target", "timestamp"])
def test_endless_data_is_cut_off_at_the_recorded_length(
    site: Site, serve: Serve, tmp_path: Path, endless: str
) -> None:
    path = site.copy_path("package.json") if endless == "target" else "tuf/metadata/timestamp.json"
    base = serve(site.folder, endless=(f"/{path}",))
    consumer = Consumer(base, tmp_path / "client", site.keyring.roots[0])
    with pytest.raises(DownloadLengthMismatchError, match="exceeding the maximum allowed length"):
        consumer.pull("package.json")


# -- key rotation


def test_client_pinned_to_the_first_root_follows_a_root_rotation(
    site: Site, consumer: Consumer, key_dir: Path
) -> None:
    consumer.pull("package.json")
    rotate(key_dir, "root", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF)
    site.rekey(load_keyring(key_dir, PASSPHRASE))
    site.refresh()
    assert consumer.pull("package.json") == {"package.json": RELEASE_1["package.json"]}
    assert consumer.trusted_root_version == 2
    # A brand-new consumer with only 1.root.json pinned gets there too.
    fresh = Consumer(consumer.base_url, consumer.home.parent / "fresh", site.keyring.roots[0])
    fresh.pull("package.json")
    assert fresh.trusted_root_version == 2


@pytest.mark.parametrize("role", ["targets", "snapshot", "timestamp"])
def test_client_follows_the_rotation_of_an_online_role(
    site: Site, consumer: Consumer, key_dir: Path, role: str
) -> None:
    consumer.pull("package.json")
    rotate(key_dir, role, passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF)
    site.rekey(load_keyring(key_dir, PASSPHRASE))
    site.release(RELEASE_2, "2026.2", 2)
    assert consumer.pull("package.json") == {"package.json": RELEASE_2["package.json"]}
    assert consumer.trusted_root_version == 2


def test_root_signed_only_by_the_revoked_root_key_is_refused(
    site: Site, consumer: Consumer, key_dir: Path
) -> None:
    old = load_keyring(key_dir, PASSPHRASE, with_root=True)
    rotate(key_dir, "root", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF)
    site.rekey(load_keyring(key_dir, PASSPHRASE))
    site.refresh()
    consumer.pull("package.json")
    # Whoever stole the old root key tries to take the repository back.
    forged: Metadata[Root] = Metadata[Root].from_bytes(old.roots[0])
    forged.signed.version = 3
    site.resign(forged, list(old.signers_for("root")), "3.root.json")
    with pytest.raises(UnsignedMetadataError, match="root was signed by 0/1 keys"):
        consumer.pull("package.json")


def test_new_root_not_signed_by_the_old_root_keys_is_refused(
    site: Site, consumer: Consumer
) -> None:
    stranger = CryptoSigner.generate_ed25519()
    root: Metadata[Root] = Metadata[Root].from_bytes(site.keyring.roots[0])
    for key_id in list(root.signed.roles["root"].keyids):
        root.signed.revoke_key(key_id, "root")
    root.signed.add_key(stranger.public_key, "root")
    root.signed.version = 2
    site.resign(root, [stranger], "2.root.json")
    with pytest.raises(UnsignedMetadataError, match="root was signed by 0/1 keys"):
        consumer.pull("package.json")


def test_an_old_root_replayed_as_the_next_version_is_refused(
    site: Site, consumer: Consumer, key_dir: Path
) -> None:
    rotate(key_dir, "root", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF)
    site.rekey(load_keyring(key_dir, PASSPHRASE))
    site.refresh()
    consumer.pull("package.json")
    site.write({"tuf/metadata/3.root.json": site.read("tuf/metadata/2.root.json")})
    with pytest.raises(
        BadVersionNumberError, match="Expected root version 3 instead got version 2"
    ):
        consumer.pull("package.json")


def test_timestamp_signed_by_the_rotated_out_key_is_refused(
    site: Site, consumer: Consumer, key_dir: Path
) -> None:
    old_signers = list(site.keyring.signers_for("timestamp"))
    rotate(
        key_dir, "timestamp", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF
    )
    site.rekey(load_keyring(key_dir, PASSPHRASE))
    site.refresh()
    consumer.pull("package.json")
    timestamp = site.metadata("timestamp.json")
    timestamp.signed.version += 1
    site.resign(timestamp, old_signers, "timestamp.json")
    with pytest.raises(UnsignedMetadataError, match="timestamp was signed by 0/1 keys"):
        consumer.pull("package.json")

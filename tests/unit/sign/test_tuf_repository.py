"""TufRepository: which files a release and a refresh produce, and what it refuses to build on."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp

from feed.config import Settings
from feed.errors import BadSignatureError, KeyStoreError, PublishError
from feed.sign.keys import Keyring, init_keys, load_keyring, rotate
from feed.sign.tuf import TufExpiry, TufRepository, read_metadata, target_copy_path
from tests.unit.sign.common import FAST_KDF, NOW, PASSPHRASE

RELEASE_1 = {
    "package.json": b'{"synthetic": 1}',
    "feed.json": b'{"items": []}',
    "releases/2026.1/package.json": b'{"synthetic": 1}',
}
RELEASE_2 = {
    "package.json": b'{"synthetic": 2}',
    "feed.json": b'{"items": [1]}',
    "releases/2026.2/package.json": b'{"synthetic": 2}',
}


def _custom(files: dict[str, bytes], version: str, sequence: int) -> dict[str, dict[str, Any]]:
    return {path: {"kpfeed": {"version": version, "sequence": sequence}} for path in files}


def _metadata_of(files: dict[str, bytes]) -> dict[str, bytes]:
    return {p: d for p, d in files.items() if p.startswith("tuf/metadata/")}


def _md(files: dict[str, bytes], name: str) -> Metadata[Any]:
    return Metadata[Any].from_bytes(files[f"tuf/metadata/{name}"])


def _first(keyring: Keyring) -> dict[str, bytes]:
    return TufRepository(keyring, {}).publish(RELEASE_1, _custom(RELEASE_1, "2026.1", 1), now=NOW)


def test_first_release_writes_copies_then_root_targets_snapshot_and_timestamp_last(
    keyring: Keyring,
) -> None:
    files = _first(keyring)
    copies = [
        target_copy_path(p, hashlib.sha256(d).hexdigest()) for p, d in sorted(RELEASE_1.items())
    ]
    assert list(files) == [
        *copies,
        "tuf/metadata/1.root.json",
        "tuf/metadata/1.targets.json",
        "tuf/metadata/1.snapshot.json",
        "tuf/metadata/timestamp.json",
    ]
    assert files["tuf/metadata/1.root.json"] == keyring.roots[0]


def test_target_copies_are_content_addressed_beside_their_path(keyring: Keyring) -> None:
    files = _first(keyring)
    data = RELEASE_1["releases/2026.1/package.json"]
    digest = hashlib.sha256(data).hexdigest()
    assert files[f"tuf/targets/releases/2026.1/{digest}.package.json"] == data


def test_targets_list_length_hash_and_kpfeed_custom_metadata(keyring: Keyring) -> None:
    targets = _md(_first(keyring), "1.targets.json").signed
    assert isinstance(targets, Targets)
    info = targets.targets["releases/2026.1/package.json"]
    data = RELEASE_1["releases/2026.1/package.json"]
    assert info.length == len(data)
    assert info.hashes == {"sha256": hashlib.sha256(data).hexdigest()}
    assert info.custom == {"kpfeed": {"version": "2026.1", "sequence": 1}}


def test_every_role_is_signed_by_its_key_in_root(keyring: Keyring) -> None:
    files = _first(keyring)
    root = keyring.root.signed
    for role, name in [
        ("targets", "1.targets.json"),
        ("snapshot", "1.snapshot.json"),
        ("timestamp", "timestamp.json"),
    ]:
        md = _md(files, name)
        root.verify_delegate(role, md.signed_bytes, md.signatures)


def test_snapshot_and_timestamp_pin_length_and_hash_of_what_they_name(keyring: Keyring) -> None:
    files = _first(keyring)
    timestamp = _md(files, "timestamp.json").signed
    snapshot = _md(files, "1.snapshot.json").signed
    assert isinstance(timestamp, Timestamp)
    assert isinstance(snapshot, Snapshot)
    timestamp.snapshot_meta.verify_length_and_hashes(files["tuf/metadata/1.snapshot.json"])
    snapshot.meta["targets.json"].verify_length_and_hashes(files["tuf/metadata/1.targets.json"])
    assert timestamp.snapshot_meta.hashes
    assert snapshot.meta["targets.json"].hashes


def test_expiries_follow_the_policy(keyring: Keyring) -> None:
    files = TufRepository(keyring, {}, expiry=TufExpiry(30, 3, 2)).publish(RELEASE_1, now=NOW)
    assert _md(files, "1.targets.json").signed.expires == NOW + timedelta(days=30)
    assert _md(files, "1.snapshot.json").signed.expires == NOW + timedelta(days=3)
    assert _md(files, "timestamp.json").signed.expires == NOW + timedelta(days=2)


def test_default_expiries_come_from_settings() -> None:
    assert TufExpiry.from_settings(Settings()) == TufExpiry(90, 7, 1)


def test_second_release_raises_versions_and_keeps_older_targets(keyring: Keyring) -> None:
    first = _first(keyring)
    files = TufRepository(keyring, _metadata_of(first)).publish(
        RELEASE_2, _custom(RELEASE_2, "2026.2", 2), now=NOW + timedelta(days=1)
    )
    assert "tuf/metadata/1.root.json" not in files
    assert {p for p in files if p.startswith("tuf/metadata/")} == {
        "tuf/metadata/2.targets.json",
        "tuf/metadata/2.snapshot.json",
        "tuf/metadata/timestamp.json",
    }
    targets = _md(files, "2.targets.json").signed
    assert sorted(targets.targets) == [
        "feed.json",
        "package.json",
        "releases/2026.1/package.json",
        "releases/2026.2/package.json",
    ]
    assert targets.targets["releases/2026.1/package.json"].custom["kpfeed"]["version"] == "2026.1"
    assert targets.targets["package.json"].custom["kpfeed"]["sequence"] == 2
    assert _md(files, "timestamp.json").signed.version == 2


def test_same_input_gives_the_same_bytes_so_a_retried_publish_is_harmless(
    keyring: Keyring,
) -> None:
    assert _first(keyring) == _first(keyring)


def test_refresh_re_signs_snapshot_and_timestamp_only(keyring: Keyring) -> None:
    first = _first(keyring)
    later = NOW + timedelta(days=3)
    files = TufRepository(keyring, _metadata_of(first)).refresh(now=later)
    assert list(files) == ["tuf/metadata/2.snapshot.json", "tuf/metadata/timestamp.json"]
    snapshot = _md(files, "2.snapshot.json").signed
    assert snapshot.meta["targets.json"].version == 1
    assert snapshot.expires == later + timedelta(days=7)
    timestamp = _md(files, "timestamp.json").signed
    assert (timestamp.version, timestamp.snapshot_meta.version) == (2, 2)
    assert timestamp.expires == later + timedelta(days=1)


def test_refresh_renews_targets_when_half_its_lifetime_is_gone(keyring: Keyring) -> None:
    first = _first(keyring)
    files = TufRepository(keyring, _metadata_of(first)).refresh(now=NOW + timedelta(days=46))
    targets = _md(files, "2.targets.json").signed
    assert targets.version == 2
    assert targets.targets == _md(first, "1.targets.json").signed.targets


def test_calls_chain_on_the_same_repository(keyring: Keyring) -> None:
    repository = TufRepository(keyring, {})
    repository.publish(RELEASE_1, now=NOW)
    repository.refresh(now=NOW + timedelta(hours=12))
    repository.publish(RELEASE_2, now=NOW + timedelta(days=1))
    assert repository.versions == {"root": 1, "targets": 2, "snapshot": 3, "timestamp": 3}
    assert len(repository.targets) == 4


def test_refresh_before_any_release_is_refused(keyring: Keyring) -> None:
    with pytest.raises(PublishError, match="nothing is published yet"):
        TufRepository(keyring, {}).refresh(now=NOW)


@pytest.mark.parametrize("role", ["targets", "snapshot", "timestamp"])
def test_after_a_key_rotation_the_new_root_is_published_and_used(
    keyring: Keyring, key_dir: Path, role: str
) -> None:
    first = _first(keyring)
    rotate(key_dir, role, passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    rotated = load_keyring(key_dir, PASSPHRASE)
    files = TufRepository(rotated, _metadata_of(first)).refresh(now=NOW + timedelta(hours=1))
    assert files["tuf/metadata/2.root.json"] == rotated.roots[1]
    new_root = rotated.root.signed
    expected_targets = "tuf/metadata/2.targets.json" if role == "targets" else None
    assert (expected_targets in files) == (role == "targets")
    for name in [n for n in files if n.startswith("tuf/metadata/") and "root" not in n]:
        md = Metadata[Any].from_bytes(files[name])
        new_root.verify_delegate(md.signed.type, md.signed_bytes, md.signatures)


def test_root_rotation_publishes_every_missing_root_version(
    keyring: Keyring, key_dir: Path
) -> None:
    first = _first(keyring)
    rotate(key_dir, "root", passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    rotate(key_dir, "root", passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    files = TufRepository(load_keyring(key_dir, PASSPHRASE), _metadata_of(first)).publish(
        RELEASE_2, now=NOW
    )
    assert [p for p in files if p.endswith("root.json")] == [
        "tuf/metadata/2.root.json",
        "tuf/metadata/3.root.json",
    ]


def test_tampered_published_metadata_is_not_built_upon(keyring: Keyring) -> None:
    previous = _metadata_of(_first(keyring))
    timestamp = previous["tuf/metadata/timestamp.json"]
    previous["tuf/metadata/timestamp.json"] = timestamp.replace(b'"version": 1', b'"version": 7')
    with pytest.raises(
        BadSignatureError, match=r"timestamp\.json is not signed by any timestamp key"
    ):
        TufRepository(keyring, previous)


def test_published_file_that_its_parent_does_not_name_is_refused(keyring: Keyring) -> None:
    previous = _metadata_of(_first(keyring))
    previous["tuf/metadata/1.targets.json"] += b" "
    with pytest.raises(PublishError, match=r"1\.targets\.json is not the one its parent names"):
        TufRepository(keyring, previous)


def test_incomplete_published_metadata_is_refused(keyring: Keyring) -> None:
    previous = _metadata_of(_first(keyring))
    del previous["tuf/metadata/1.snapshot.json"]
    with pytest.raises(
        PublishError, match=r"incomplete: tuf/metadata/1\.snapshot\.json is missing"
    ):
        TufRepository(keyring, previous)
    del previous["tuf/metadata/timestamp.json"]
    with pytest.raises(PublishError, match=r"has no tuf/metadata/timestamp\.json"):
        TufRepository(keyring, previous)


def test_a_key_ring_that_did_not_sign_the_repository_is_refused(
    keyring: Keyring, tmp_path: Path
) -> None:
    previous = _metadata_of(_first(keyring))
    stranger = init_keys(tmp_path / "other", passphrase=None, now=NOW)
    with pytest.raises(KeyStoreError, match=r"1\.root\.json is not the key ring's root v1"):
        TufRepository(stranger, previous)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../up.json",
        "a//b.json",
        "a/./b.json",
        "tuf/metadata/x.json",
        "a b.json",
        "back\\slash.json",
        ".hidden/x",
    ],
)
def test_target_paths_outside_plain_relative_names_are_refused(keyring: Keyring, path: str) -> None:
    with pytest.raises(PublishError, match="must be relative"):
        TufRepository(keyring, {}).publish({path: b"x"}, now=NOW)


def test_custom_metadata_for_a_path_that_is_not_a_target_is_refused(keyring: Keyring) -> None:
    with pytest.raises(PublishError, match=r"not targets: \['ghost\.json'\]"):
        TufRepository(keyring, {}).publish(RELEASE_1, {"ghost.json": {}}, now=NOW)


def test_publishing_under_an_expired_root_is_refused(keyring: Keyring) -> None:
    with pytest.raises(KeyStoreError, match=r"expired on .* `kpfeed keys renew-root`"):
        TufRepository(keyring, {}).publish(RELEASE_1, now=NOW + timedelta(days=366))


def test_read_metadata_reads_only_the_metadata_folder(keyring: Keyring, tmp_path: Path) -> None:
    public = tmp_path / "public"
    assert read_metadata(public) == {}
    for name, data in _first(keyring).items():
        (public / name).parent.mkdir(parents=True, exist_ok=True)
        (public / name).write_bytes(data)
    assert read_metadata(public) == _metadata_of(_first(keyring))
    assert isinstance(_md(read_metadata(public), "1.root.json").signed, Root)

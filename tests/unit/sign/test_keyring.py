"""The key ring: protected files, passphrase, rotation of every role, export of what is pinned."""

from __future__ import annotations

import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from tuf.api.metadata import Metadata, Root

from feed.errors import ConfigError, KeyStoreError
from feed.sign.keys import (
    TUF_ROLES,
    Keyring,
    export_public,
    init_keys,
    keyring_is_encrypted,
    load_keyring,
    read_public,
    renew_root,
    rotate,
)
from feed.sign.minisign import parse_public_key
from tests.unit.sign.common import FAST_KDF, NOW, PASSPHRASE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _root(key_dir: Path, version: int) -> Metadata[Root]:
    return Metadata[Root].from_bytes((key_dir / "root" / f"{version}.root.json").read_bytes())


def test_init_creates_one_key_per_role_in_private_files(keyring: Keyring, key_dir: Path) -> None:
    names = sorted(p.name for p in key_dir.iterdir())
    assert names[:2] == ["minisign.key", "minisign.pub"]
    assert [n.split("-")[0] for n in names if n.endswith(".key") and "-" in n] == [
        "root",
        "snapshot",
        "targets",
        "timestamp",
    ]
    assert _mode(key_dir) == 0o700
    assert _mode(key_dir / "root") == 0o700
    for path in [*key_dir.iterdir(), *(key_dir / "root").iterdir()]:
        if path.is_file():
            assert _mode(path) == 0o600, path


def test_first_root_uses_consistent_snapshots_and_expires_in_a_year(
    keyring: Keyring, key_dir: Path
) -> None:
    root = _root(key_dir, 1)
    assert root.signed.version == 1
    assert root.signed.consistent_snapshot is True
    assert root.signed.expires == NOW + timedelta(days=365)
    root.signed.verify_delegate("root", root.signed_bytes, root.signatures)
    assert keyring.roots == ((key_dir / "root" / "1.root.json").read_bytes(),)


def test_private_keys_are_encrypted_with_the_passphrase(keyring: Keyring, key_dir: Path) -> None:
    assert keyring_is_encrypted(key_dir)
    text = (key_dir / "minisign.key").read_text()
    assert keyring.minisign_key.seed.hex() not in text
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        load_keyring(key_dir, "not the passphrase")


def test_encrypted_key_ring_without_passphrase_is_refused(keyring: Keyring, key_dir: Path) -> None:
    with pytest.raises(KeyStoreError, match="is encrypted: a passphrase is needed"):
        load_keyring(key_dir, None)


def test_demo_key_ring_without_passphrase_loads_without_one(tmp_path: Path) -> None:
    init_keys(tmp_path / "demo", passphrase=None, now=NOW)
    assert not keyring_is_encrypted(tmp_path / "demo")
    assert load_keyring(tmp_path / "demo", None).signers_for("timestamp")


def test_threshold_of_root_keys_is_recorded(tmp_path: Path) -> None:
    keyring = init_keys(
        tmp_path / "k",
        passphrase=PASSPHRASE,
        root_keys=3,
        root_threshold=2,
        now=NOW,
        scrypt_log_n=FAST_KDF,
    )
    role = keyring.root.signed.roles["root"]
    assert (len(role.keyids), role.threshold) == (3, 2)
    assert len(keyring.root.signatures) == 3


@pytest.mark.parametrize(("keys", "threshold"), [(1, 2), (3, 0), (17, 2)])
def test_impossible_root_threshold_is_refused(tmp_path: Path, keys: int, threshold: int) -> None:
    with pytest.raises(ConfigError, match="root threshold"):
        init_keys(
            tmp_path / "k", passphrase=None, root_keys=keys, root_threshold=threshold, now=NOW
        )
    assert not (tmp_path / "k").exists()


def test_init_refuses_a_folder_that_holds_anything(keyring: Keyring, key_dir: Path) -> None:
    with pytest.raises(KeyStoreError, match="already holds files"):
        init_keys(key_dir, passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)


def test_online_load_leaves_root_keys_locked(keyring: Keyring, key_dir: Path) -> None:
    online = load_keyring(key_dir, PASSPHRASE)
    assert sorted(online.signers) == ["snapshot", "targets", "timestamp"]
    with pytest.raises(KeyStoreError, match="root needs 1 key"):
        online.signers_for("root")
    assert len(load_keyring(key_dir, PASSPHRASE, with_root=True).signers_for("root")) == 1


@pytest.mark.parametrize("mode", [0o750, 0o705, 0o755, 0o770])
def test_key_folder_other_users_could_read_is_refused(
    keyring: Keyring, key_dir: Path, mode: int
) -> None:
    key_dir.chmod(mode)
    with pytest.raises(KeyStoreError, match=f"has mode {mode:04o}: other users could read it"):
        load_keyring(key_dir, PASSPHRASE)


@pytest.mark.parametrize("name", ["minisign.key", "minisign.pub", "root/1.root.json", "targets"])
def test_key_file_other_users_could_read_is_refused(
    keyring: Keyring, key_dir: Path, name: str
) -> None:
    path = key_dir / name
    if not path.exists():
        path = next(key_dir.glob(f"{name}-*.key"))
    path.chmod(0o640)
    with pytest.raises(KeyStoreError, match=f"{path.name} has mode 0640"):
        load_keyring(key_dir, PASSPHRASE)


def test_missing_private_key_is_named(keyring: Keyring, key_dir: Path) -> None:
    victim = next(key_dir.glob("snapshot-*.key"))
    victim.unlink()
    with pytest.raises(
        KeyStoreError, match=f"missing private key for role snapshot: .*{victim.name}"
    ):
        load_keyring(key_dir, PASSPHRASE)


def test_absent_key_ring_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="does not exist; run `kpfeed keys init`"):
        load_keyring(tmp_path / "nowhere", PASSPHRASE)


def test_tampered_root_history_is_refused(keyring: Keyring, key_dir: Path) -> None:
    path = key_dir / "root" / "1.root.json"
    path.write_bytes(path.read_bytes().replace(b'"threshold": 1', b'"threshold": 2', 1))
    with pytest.raises(KeyStoreError, match=r"1\.root\.json is refused: root was signed by"):
        load_keyring(key_dir, PASSPHRASE)


def test_key_file_swapped_for_another_roles_key_is_refused(keyring: Keyring, key_dir: Path) -> None:
    snapshot = next(key_dir.glob("snapshot-*.key"))
    timestamp = next(key_dir.glob("timestamp-*.key"))
    snapshot.write_bytes(timestamp.read_bytes())
    with pytest.raises(KeyStoreError, match="does not hold the snapshot key named in root"):
        load_keyring(key_dir, PASSPHRASE)


@pytest.mark.parametrize("role", [r for r in TUF_ROLES if r != "root"])
def test_rotating_an_online_role_writes_a_root_naming_the_new_key(
    keyring: Keyring, key_dir: Path, role: str
) -> None:
    old_file = next(key_dir.glob(f"{role}-*.key"))
    rotation = rotate(key_dir, role, passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    assert rotation.root_version == 2
    assert rotation.old_key_ids != rotation.new_key_ids
    new_root = _root(key_dir, 2)
    assert new_root.signed.roles[role].keyids == list(rotation.new_key_ids)
    assert set(rotation.old_key_ids).isdisjoint(new_root.signed.keys)
    # Clients trusting root 1 accept root 2: signed by the unchanged root key.
    _root(key_dir, 1).signed.verify_delegate("root", new_root.signed_bytes, new_root.signatures)
    assert not old_file.exists()
    reloaded = load_keyring(key_dir, PASSPHRASE)
    assert [s.public_key.keyid for s in reloaded.signers_for(role)] == list(rotation.new_key_ids)


def test_rotating_root_signs_the_new_root_with_old_and_new_keys(
    keyring: Keyring, key_dir: Path
) -> None:
    rotation = rotate(key_dir, "root", passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    new_root = _root(key_dir, 2)
    assert set(new_root.signatures) == {*rotation.old_key_ids, *rotation.new_key_ids}
    _root(key_dir, 1).signed.verify_delegate("root", new_root.signed_bytes, new_root.signatures)
    new_root.signed.verify_delegate("root", new_root.signed_bytes, new_root.signatures)
    with_root = load_keyring(key_dir, PASSPHRASE, with_root=True)
    assert [s.public_key.keyid for s in with_root.signers_for("root")] == list(rotation.new_key_ids)


def test_rotating_root_works_with_a_threshold_of_keys_while_others_stay_offline(
    tmp_path: Path,
) -> None:
    key_dir = tmp_path / "keys"
    init_keys(
        key_dir,
        passphrase=PASSPHRASE,
        root_keys=3,
        root_threshold=2,
        now=NOW,
        scrypt_log_n=FAST_KDF,
    )
    offline = tmp_path / "usb"
    offline.mkdir()
    root_files = sorted(key_dir.glob("root-*.key"))
    shutil.move(root_files[0], offline / root_files[0].name)
    rotation = rotate(key_dir, "root", passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    assert len(rotation.new_key_ids) == 3
    new_root = _root(key_dir, 2)
    _root(key_dir, 1).signed.verify_delegate("root", new_root.signed_bytes, new_root.signatures)
    assert new_root.signed.roles["root"].threshold == 2


def test_rotating_root_below_threshold_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"
    init_keys(
        key_dir,
        passphrase=PASSPHRASE,
        root_keys=3,
        root_threshold=2,
        now=NOW,
        scrypt_log_n=FAST_KDF,
    )
    for path in sorted(key_dir.glob("root-*.key"))[:2]:
        path.unlink()
    before = sorted(p.name for p in key_dir.iterdir())
    with pytest.raises(KeyStoreError, match=r"root needs 2 key\(s\) to sign, 1 unlocked"):
        rotate(key_dir, "timestamp", passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    assert sorted(p.name for p in key_dir.iterdir()) == before
    assert not (key_dir / "root" / "2.root.json").exists()


def test_rotating_minisign_replaces_the_key_pair_and_leaves_root_alone(
    keyring: Keyring, key_dir: Path
) -> None:
    rotation = rotate(key_dir, "minisign", passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    assert rotation.root_version is None
    assert rotation.old_key_ids == (keyring.minisign.key_id_hex,)
    public = read_public(key_dir)
    assert public.minisign.key_id_hex == rotation.new_key_ids[0]
    assert len(public.roots) == 1
    assert load_keyring(key_dir, PASSPHRASE).minisign == public.minisign


def test_unknown_role_is_refused(keyring: Keyring, key_dir: Path) -> None:
    with pytest.raises(ConfigError, match="unknown role 'mirror'"):
        rotate(key_dir, "mirror", passphrase=PASSPHRASE, now=NOW)


def test_renewing_root_keeps_the_keys_and_extends_the_expiry(
    keyring: Keyring, key_dir: Path
) -> None:
    later = NOW + timedelta(days=300)
    assert renew_root(key_dir, passphrase=PASSPHRASE, now=later) == 2
    old, new = _root(key_dir, 1), _root(key_dir, 2)
    assert new.signed.keys == old.signed.keys
    assert new.signed.expires == later + timedelta(days=365)
    old.signed.verify_delegate("root", new.signed_bytes, new.signatures)


def test_export_public_writes_what_consumers_pin(
    keyring: Keyring, key_dir: Path, tmp_path: Path
) -> None:
    rotate(key_dir, "root", passphrase=PASSPHRASE, now=NOW, scrypt_log_n=FAST_KDF)
    written = export_public(key_dir, tmp_path / "pin")
    assert [p.name for p in written] == ["minisign.pub", "root.json"]
    assert parse_public_key((tmp_path / "pin" / "minisign.pub").read_text()) == keyring.minisign
    assert (tmp_path / "pin" / "root.json").read_bytes() == (
        key_dir / "root" / "2.root.json"
    ).read_bytes()
    assert _mode(tmp_path / "pin" / "root.json") == 0o644


def test_keyring_repr_shows_no_secret(keyring: Keyring) -> None:
    assert keyring.minisign_key.seed.hex() not in repr(keyring)

"""The signing key ring: TUF role keys, minisign key and root history, in a protected folder.

    <key_dir>/                        mode 0700, owned by the user running kpfeed
        root/1.root.json ...          every signed TUF root version, in order
        root-<keyid16>.key            one per root key (offline in production)
        targets-<keyid16>.key         one per key of each online role
        snapshot-<keyid16>.key
        timestamp-<keyid16>.key
        minisign.key, minisign.pub    the minisign key pair (`minisign -S -s minisign.key` works)

Every private key is an Ed25519 key in minisign's secret-key format, encrypted with the
passphrase through scrypt (or not at all, for the demo). Files are 0600; a folder or file any
other user could read is refused. Which key belongs to which role is said by the newest root
metadata, which is itself signed: the key ring has no other index to keep in step.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.exceptions import KeyMismatchError
from securesystemslib.signer import CryptoSigner, Key, Signer, SSlibKey
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import Metadata, Role, Root
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from feed.errors import ConfigError, KeyStoreError
from feed.sign.minisign import (
    DEFAULT_SCRYPT_LOG_N,
    MinisignPublicKey,
    MinisignSecretKey,
    generate_keypair,
    is_encrypted_secret_key,
    load_secret_key,
    parse_public_key,
    public_key_text,
    secret_key_text,
)
from feed.sign.protected import atomic_write, check_protected, make_protected_dir, read_protected

__all__ = [
    "MINISIGN",
    "ONLINE_ROLES",
    "ROTATABLE_ROLES",
    "TUF_ROLES",
    "Keyring",
    "PublicKeys",
    "Rotation",
    "export_public",
    "init_keys",
    "keyring_is_encrypted",
    "load_keyring",
    "read_public",
    "renew_root",
    "rotate",
]

TUF_ROLES = ("root", "targets", "snapshot", "timestamp")
#: Roles whose keys publish and refresh use; root keys can stay offline.
ONLINE_ROLES = ("targets", "snapshot", "timestamp")
MINISIGN = "minisign"
ROTATABLE_ROLES = (*TUF_ROLES, MINISIGN)

_ROOT_DIR = "root"
_ROOT_FILE = re.compile(r"^([1-9][0-9]*)\.root\.json$")
_MINISIGN_KEY = "minisign.key"
_MINISIGN_PUB = "minisign.pub"
_PRETTY = JSONSerializer(compact=False)


@dataclass(frozen=True)
class PublicKeys:
    """What the key ring shows without a passphrase: the root history and the minisign key."""

    roots: tuple[bytes, ...]
    minisign: MinisignPublicKey

    @property
    def root(self) -> Metadata[Root]:
        """The newest root metadata."""
        return Metadata[Root].from_bytes(self.roots[-1])


@dataclass(frozen=True, repr=False)
class Keyring:
    """Unlocked keys: TUF signers by role (root only when asked for) and the minisign key."""

    key_dir: Path
    roots: tuple[bytes, ...]
    signers: Mapping[str, tuple[Signer, ...]]
    minisign_key: MinisignSecretKey

    def __repr__(self) -> str:
        return f"Keyring({self.key_dir}, root v{len(self.roots)}, roles {sorted(self.signers)})"

    @property
    def root(self) -> Metadata[Root]:
        """The newest root metadata."""
        return Metadata[Root].from_bytes(self.roots[-1])

    @property
    def minisign(self) -> MinisignPublicKey:
        return self.minisign_key.public

    def signers_for(self, role: str) -> tuple[Signer, ...]:
        """The unlocked signers of a role, at least its threshold of them."""
        found = self.signers.get(role, ())
        threshold = self.root.signed.roles[role].threshold
        if len(found) < threshold:
            raise KeyStoreError(
                f"{role} needs {threshold} key(s) to sign, {len(found)} unlocked in {self.key_dir}"
                + (" (bring the offline root keys)" if role == "root" else "")
            )
        return found


@dataclass(frozen=True)
class Rotation:
    """What a rotation changed: the role, its old and new key ids, the new root version if any."""

    role: str
    old_key_ids: tuple[str, ...]
    new_key_ids: tuple[str, ...]
    root_version: int | None


# -- public operations


def init_keys(
    key_dir: Path,
    *,
    passphrase: str | None,
    root_keys: int = 1,
    root_threshold: int = 1,
    now: datetime,
    root_days: int = 365,
    scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N,
) -> Keyring:
    """Create every key and the first root (`1.root.json`, consistent snapshots) in `key_dir`.

    `passphrase=None` leaves the private keys unencrypted (demo only). Refuses a folder that
    already holds anything.
    """
    if not 1 <= root_threshold <= root_keys <= 16:
        raise ConfigError(
            f"root threshold must be between 1 and the number of root keys (1..16), "
            f"got {root_threshold} of {root_keys}"
        )
    make_protected_dir(key_dir)
    new_keys = {
        role: [_NewKey.generate() for _ in range(root_keys if role == "root" else 1)]
        for role in TUF_ROLES
    }
    root = Root(
        version=1,
        expires=_expiry(now, root_days),
        consistent_snapshot=True,
        roles={role: Role([], 1) for role in TUF_ROLES},
    )
    for role, keys in new_keys.items():
        for key in keys:
            root.add_key(key.signer.public_key, role)
    root.roles["root"].threshold = root_threshold
    metadata = Metadata(root)
    for key in new_keys["root"]:
        metadata.sign(key.signer, append=True)
    minisign = generate_keypair()

    for role, keys in new_keys.items():
        for key in keys:
            _write_tuf_key(key_dir, role, key, passphrase, scrypt_log_n)
    _write_minisign(key_dir, minisign, passphrase, scrypt_log_n)
    root_bytes = metadata.to_bytes(_PRETTY)
    _write_root(key_dir, 1, root_bytes)
    return Keyring(
        key_dir=key_dir,
        roots=(root_bytes,),
        signers={role: tuple(k.signer for k in keys) for role, keys in new_keys.items()},
        minisign_key=minisign,
    )


def read_public(key_dir: Path) -> PublicKeys:
    """The root history and minisign public key, checked, without unlocking anything."""
    check_protected(key_dir, directory=True)
    roots = _read_roots(key_dir)
    minisign = parse_public_key(read_protected(key_dir / _MINISIGN_PUB, "minisign public key"))
    return PublicKeys(roots=roots, minisign=minisign)


def load_keyring(key_dir: Path, passphrase: str | None, *, with_root: bool = False) -> Keyring:
    """Unlock the online role keys and the minisign key (and the root keys with `with_root`).

    KeyStoreError says which key is missing, wrongly protected, or refused the passphrase.
    """
    public = read_public(key_dir)
    root = public.root.signed
    signers: dict[str, tuple[Signer, ...]] = {}
    for role in (*ONLINE_ROLES, "root") if with_root else ONLINE_ROLES:
        # Root keys may live offline: load those present, signers_for() checks the threshold.
        signers[role] = tuple(
            _load_tuf_key(key_dir, role, root.get_key(key_id), passphrase)
            for key_id in root.roles[role].keyids
            if role != "root" or (key_dir / _key_file(role, key_id)).exists()
        )
    minisign = load_secret_key(
        read_protected(key_dir / _MINISIGN_KEY, "minisign key"),
        passphrase,
        name=f"minisign key {key_dir / _MINISIGN_KEY}",
    )
    if minisign.public != public.minisign:
        raise KeyStoreError(f"{key_dir / _MINISIGN_PUB} does not belong to {_MINISIGN_KEY}")
    keyring = Keyring(key_dir=key_dir, roots=public.roots, signers=signers, minisign_key=minisign)
    if with_root:
        keyring.signers_for("root")
    return keyring


def keyring_is_encrypted(key_dir: Path) -> bool:
    """Whether the key ring's private keys need a passphrase (so a CLI knows to prompt)."""
    check_protected(key_dir, directory=True)
    return is_encrypted_secret_key(read_protected(key_dir / _MINISIGN_KEY, "minisign key"))


def rotate(
    key_dir: Path,
    role: str,
    *,
    passphrase: str | None,
    now: datetime,
    root_days: int = 365,
    scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N,
) -> Rotation:
    """Replace every key of `role` with a new one.

    For a TUF role this writes root `N+1` naming the new keys, signed by the current root keys;
    rotating root itself signs `N+1` with a threshold of the old root keys AND of the new ones,
    so clients that trust `N` follow the chain. The old private keys are deleted once the new
    root is written. The next publish or refresh publishes the new root and re-signs with the
    new keys. Rotating `minisign` replaces the minisign key pair; consumers pin the new
    `minisign.pub` out of band (old releases keep their old signatures).
    """
    if role not in ROTATABLE_ROLES:
        raise ConfigError(f"unknown role {role!r}; one of {', '.join(ROTATABLE_ROLES)}")
    if role == MINISIGN:
        keyring = load_keyring(key_dir, passphrase)
        new = generate_keypair()
        _write_minisign(key_dir, new, passphrase, scrypt_log_n)
        return Rotation(
            role, (keyring.minisign.key_id_hex,), (new.public.key_id_hex,), root_version=None
        )
    keyring = load_keyring(key_dir, passphrase, with_root=True)
    current = keyring.root
    root = Metadata[Root].from_bytes(keyring.roots[-1]).signed
    old_ids = tuple(root.roles[role].keyids)
    new_keys = [_NewKey.generate() for _ in old_ids]
    for key_id in old_ids:
        root.revoke_key(key_id, role)
    for key in new_keys:
        root.add_key(key.signer.public_key, role)
    signing: list[Signer] = list(keyring.signers_for("root"))
    if role == "root":
        signing += [key.signer for key in new_keys]
    new_root = _sign_next_root(current, root, signing, now=now, root_days=root_days)
    for key in new_keys:
        _write_tuf_key(key_dir, role, key, passphrase, scrypt_log_n)
    _write_root(key_dir, new_root.signed.version, new_root.to_bytes(_PRETTY))
    for key_id in old_ids:
        with contextlib.suppress(FileNotFoundError):
            (key_dir / _key_file(role, key_id)).unlink()
    return Rotation(
        role,
        old_ids,
        tuple(key.signer.public_key.keyid for key in new_keys),
        root_version=new_root.signed.version,
    )


def renew_root(
    key_dir: Path, *, passphrase: str | None, now: datetime, root_days: int = 365
) -> int:
    """Sign root `N+1` with the same keys and a new expiry; returns the new version."""
    keyring = load_keyring(key_dir, passphrase, with_root=True)
    root = Metadata[Root].from_bytes(keyring.roots[-1]).signed
    new_root = _sign_next_root(
        keyring.root, root, list(keyring.signers_for("root")), now=now, root_days=root_days
    )
    _write_root(key_dir, new_root.signed.version, new_root.to_bytes(_PRETTY))
    return new_root.signed.version


def export_public(key_dir: Path, out_dir: Path) -> list[Path]:
    """Write what consumers pin out of band: `minisign.pub` and the newest `root.json`."""
    public = read_public(key_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in (
        (_MINISIGN_PUB, public_key_text(public.minisign).encode("ascii")),
        ("root.json", public.roots[-1]),
    ):
        path = out_dir / name
        atomic_write(path, data, mode=0o644)
        written.append(path)
    return written


# -- root metadata


def _sign_next_root(
    current: Metadata[Root],
    root: Root,
    signers: Iterable[Signer],
    *,
    now: datetime,
    root_days: int,
) -> Metadata[Root]:
    root.version = current.signed.version + 1
    root.expires = _expiry(now, root_days)
    metadata = Metadata(root)
    for signer in signers:
        metadata.sign(signer, append=True)
    try:
        # The chain rule clients apply: N+1 must satisfy the thresholds of N and of itself.
        current.signed.verify_delegate("root", metadata.signed_bytes, metadata.signatures)
        root.verify_delegate("root", metadata.signed_bytes, metadata.signatures)
    except UnsignedMetadataError as error:  # pragma: no cover - guarded by signers_for
        raise KeyStoreError(f"new root {root.version} would not verify: {error}") from error
    return metadata


def _read_roots(key_dir: Path) -> tuple[bytes, ...]:
    root_dir = key_dir / _ROOT_DIR
    if not root_dir.is_dir():
        raise KeyStoreError(
            f"{key_dir} holds no key ring (no {_ROOT_DIR}/); run `kpfeed keys init`"
        )
    check_protected(root_dir, directory=True)
    versions = sorted(
        int(m.group(1)) for p in root_dir.iterdir() if (m := _ROOT_FILE.match(p.name))
    )
    if not versions or versions != list(range(1, len(versions) + 1)):
        raise KeyStoreError(f"{root_dir} must hold 1.root.json .. N.root.json without gaps")
    roots = tuple(read_protected(root_dir / f"{v}.root.json", "root metadata") for v in versions)
    trusted: Metadata[Root] | None = None
    for version, data in zip(versions, roots, strict=True):
        try:
            metadata = Metadata[Root].from_bytes(data)
            if metadata.signed.version != version:
                raise KeyStoreError(f"{version}.root.json holds version {metadata.signed.version}")
            for delegator in (trusted, metadata):
                if delegator is not None:
                    delegator.signed.verify_delegate(
                        "root", metadata.signed_bytes, metadata.signatures
                    )
        except (DeserializationError, UnsignedMetadataError) as error:
            raise KeyStoreError(f"{root_dir}/{version}.root.json is refused: {error}") from None
        trusted = metadata
    return roots


# -- private keys


def _key_file(role: str, key_id: str) -> str:
    return f"{role}-{key_id[:16]}.key"


@dataclass(frozen=True, repr=False)
class _NewKey:
    """A freshly made TUF key: its signer, and the same key in the on-disk container."""

    signer: CryptoSigner
    secret: MinisignSecretKey

    @classmethod
    def generate(cls) -> _NewKey:
        private = Ed25519PrivateKey.generate()
        signer = CryptoSigner(private)
        # The container wants an 8-byte key id; the TUF key id's first bytes serve.
        key_id = bytes.fromhex(signer.public_key.keyid)[:8]
        return cls(signer, MinisignSecretKey(key_id, private.private_bytes_raw()))


def _write_tuf_key(
    key_dir: Path, role: str, key: _NewKey, passphrase: str | None, scrypt_log_n: int
) -> None:
    key_id = key.signer.public_key.keyid
    text = secret_key_text(
        key.secret, passphrase, scrypt_log_n=scrypt_log_n, comment=f"kpfeed TUF {role} key {key_id}"
    )
    atomic_write(key_dir / _key_file(role, key_id), text.encode("ascii"), mode=0o600)


def _load_tuf_key(key_dir: Path, role: str, public: Key, passphrase: str | None) -> Signer:
    path = key_dir / _key_file(role, public.keyid)
    if not path.exists():
        raise KeyStoreError(f"missing private key for role {role}: {path}")
    secret = load_secret_key(
        read_protected(path, f"{role} key"), passphrase, name=f"{role} key {path}"
    )
    if not isinstance(public, SSlibKey):
        raise KeyStoreError(f"the {role} key {public.keyid} in root is not an Ed25519 key")
    try:
        return CryptoSigner(secret.private_key(), public)
    except (KeyMismatchError, ValueError) as error:
        raise KeyStoreError(f"{path} does not hold the {role} key named in root: {error}") from None


def _write_minisign(
    key_dir: Path, secret: MinisignSecretKey, passphrase: str | None, scrypt_log_n: int
) -> None:
    comment = "minisign encrypted secret key" if passphrase else "minisign unencrypted secret key"
    text = secret_key_text(secret, passphrase, scrypt_log_n=scrypt_log_n, comment=comment)
    atomic_write(key_dir / _MINISIGN_KEY, text.encode("ascii"), mode=0o600)
    atomic_write(key_dir / _MINISIGN_PUB, public_key_text(secret).encode("ascii"), mode=0o600)


def _write_root(key_dir: Path, version: int, data: bytes) -> None:
    root_dir = key_dir / _ROOT_DIR
    make_protected_dir(root_dir, allow_existing=True)
    atomic_write(root_dir / f"{version}.root.json", data, mode=0o600)


def _expiry(now: datetime, days: int) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.replace(microsecond=0) + timedelta(days=days)

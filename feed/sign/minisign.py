"""minisign detached signatures (Ed25519 over a BLAKE2b-512 prehash) and key files, as bytes.

The formats are minisign's own, so the stock `minisign -V` verifies what `sign` makes and
`verify` accepts what `minisign -S` makes:

    minisign.pub   untrusted comment: minisign public key <KEY ID>
                   base64("Ed" || key id (8) || Ed25519 public key (32))
    FILE.minisig   untrusted comment: <text>
                   base64("ED" || key id (8) || Ed25519(BLAKE2b-512(FILE)) (64))
                   trusted comment: <text>
                   base64(Ed25519(signature (64) || trusted comment))
    minisign.key   untrusted comment: minisign encrypted secret key
                   base64("Ed" || kdf "Sc" or 0x0000 || "B2" || salt (32) || opslimit (8, LE)
                          || memlimit (8, LE) || (key id (8) || secret key (64)
                          || BLAKE2b-256 checksum (32)) XOR scrypt stream)

The kpfeed trusted comment (`TrustedComment`, `parse_trusted_comment`, `check_trusted_comment`)
lives in `feed.sign.comment` and is re-exported here.

The secret-key container is also how `feed.sign.keys` stores every Ed25519 key, so the minisign
key of a key ring works with `minisign -S -s minisign.key` as well.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from feed.errors import BadSignatureError, KeyStoreError, PublishError, UnknownKeyError
from feed.sign.comment import TrustedComment, check_trusted_comment, parse_trusted_comment

__all__ = [
    "DEFAULT_SCRYPT_LOG_N",
    "MinisignPublicKey",
    "MinisignSecretKey",
    "TrustedComment",
    "check_trusted_comment",
    "generate_keypair",
    "is_encrypted_secret_key",
    "load_secret_key",
    "parse_public_key",
    "parse_trusted_comment",
    "public_key_text",
    "secret_key_text",
    "sign",
    "verify",
]

_PUBLIC_ALG = b"Ed"
_PREHASHED_ALG = b"ED"
_LEGACY_ALG = b"Ed"
_KDF_SCRYPT = b"Sc"
_KDF_NONE = b"\x00\x00"
_CHECKSUM_ALG = b"B2"
_UNTRUSTED = "untrusted comment: "
_TRUSTED = "trusted comment: "
#: minisign refuses longer comment lines; staying below keeps every file readable by it.
_MAX_COMMENT = 1024
#: A signature file is four short lines; anything much larger is not one.
_MAX_SIGNATURE_FILE = 8 * 1024

#: scrypt cost (N = 2**log_n, r = 8, p = 1) for keys this module encrypts: 128 MiB, ~0.4 s.
#: minisign itself uses 2**20 (1 GiB); both are read back, since the cost travels in the file.
DEFAULT_SCRYPT_LOG_N = 17
#: Refuse key files asking for more than 4 GiB of scrypt memory rather than exhaust the host.
_MAX_SCRYPT_LOG_N = 22


@dataclass(frozen=True)
class MinisignPublicKey:
    """A minisign public key: 8-byte key id and 32-byte Ed25519 key."""

    key_id: bytes
    key: bytes

    @property
    def key_id_hex(self) -> str:
        """The key id as minisign prints it (upper-case hex of the little-endian number)."""
        return key_id_text(self.key_id)


@dataclass(frozen=True, repr=False)
class MinisignSecretKey:
    """A minisign key pair: key id, 32-byte Ed25519 seed, and the public key."""

    key_id: bytes
    seed: bytes

    def __repr__(self) -> str:  # never print the seed
        return f"MinisignSecretKey(key_id={self.key_id_hex})"

    @property
    def key_id_hex(self) -> str:
        return key_id_text(self.key_id)

    @property
    def public(self) -> MinisignPublicKey:
        return MinisignPublicKey(self.key_id, _public_bytes(self.private_key()))

    def private_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)


def key_id_text(key_id: bytes) -> str:
    """`37d12c83...` bytes -> `F6AE8121832CD137`, the form minisign shows to people.

    minisign prints the little-endian number in hex without leading zeros; so do we, so its
    messages and ours name a key the same way.
    """
    return format(int.from_bytes(key_id, "little"), "X")


def generate_keypair(key_id: bytes | None = None) -> MinisignSecretKey:
    """A fresh key pair with a random key id (or the one given, 8 bytes)."""
    if key_id is not None and len(key_id) != 8:
        raise ValueError("a minisign key id is 8 bytes")
    private = Ed25519PrivateKey.generate()
    return MinisignSecretKey(key_id or os.urandom(8), private.private_bytes_raw())


def _public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# -- public keys


def public_key_text(key: MinisignPublicKey | MinisignSecretKey) -> str:
    """The content of a `minisign.pub` file for this key."""
    public = key.public if isinstance(key, MinisignSecretKey) else key
    line = base64.b64encode(_PUBLIC_ALG + public.key_id + public.key).decode("ascii")
    return f"{_UNTRUSTED}minisign public key {public.key_id_hex}\n{line}\n"


def parse_public_key(text: str | bytes) -> MinisignPublicKey:
    """Read a `minisign.pub` file, or the bare base64 line `minisign -P` takes."""
    try:
        content = text.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError as error:
        raise UnknownKeyError("minisign public key is not UTF-8 text") from error
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if lines and lines[0].startswith(_UNTRUSTED):
        lines = lines[1:]
    if len(lines) != 1:
        raise UnknownKeyError("minisign public key must be one base64 line after its comment")
    raw = _b64(lines[0], what="minisign public key", error=UnknownKeyError)
    if len(raw) != 42 or raw[:2] != _PUBLIC_ALG:
        raise UnknownKeyError(
            "minisign public key is not an Ed25519 key (wrong length or algorithm)"
        )
    return MinisignPublicKey(raw[2:10], raw[10:])


# -- signatures


def sign(
    data: bytes,
    secret: MinisignSecretKey,
    *,
    trusted_comment: str,
    untrusted_comment: str | None = None,
) -> bytes:
    """The content of `FILE.minisig` for `data`: prehashed (`ED`) signature and global signature."""
    if untrusted_comment is None:
        untrusted_comment = f"signature from kpfeed minisign key {secret.key_id_hex}"
    _check_comment(trusted_comment, "trusted")
    _check_comment(untrusted_comment, "untrusted")
    private = secret.private_key()
    signature = private.sign(hashlib.blake2b(data).digest())
    comment = trusted_comment.encode("utf-8")
    global_signature = private.sign(signature + comment)
    return (
        f"{_UNTRUSTED}{untrusted_comment}\n"
        f"{base64.b64encode(_PREHASHED_ALG + secret.key_id + signature).decode('ascii')}\n"
        f"{_TRUSTED}{trusted_comment}\n"
        f"{base64.b64encode(global_signature).decode('ascii')}\n"
    ).encode()


def verify(data: bytes, signature: bytes, public_key: MinisignPublicKey) -> str:
    """Check `signature` (a `.minisig` file) over `data`; return the verified trusted comment.

    Raises BadSignatureError when the data, the comment or the signature file was changed,
    truncated or garbled, and UnknownKeyError when another key made the signature.
    """
    algorithm, key_id, file_signature, trusted_comment, global_signature = _parse_signature(
        signature
    )
    if key_id != public_key.key_id:
        raise UnknownKeyError(
            f"signature was made by minisign key {key_id_text(key_id)}, "
            f"not by the trusted key {public_key.key_id_hex}"
        )
    verifier = Ed25519PublicKey.from_public_bytes(public_key.key)
    message = hashlib.blake2b(data).digest() if algorithm == _PREHASHED_ALG else data
    try:
        verifier.verify(file_signature, message)
    except InvalidSignature:
        raise BadSignatureError(
            "signature does not match the file: the file or its signature was changed"
        ) from None
    try:
        verifier.verify(global_signature, file_signature + trusted_comment.encode("utf-8"))
    except InvalidSignature:
        raise BadSignatureError("the trusted comment was changed after signing") from None
    return trusted_comment


def _parse_signature(signature: bytes) -> tuple[bytes, bytes, bytes, str, bytes]:
    if len(signature) > _MAX_SIGNATURE_FILE:
        raise BadSignatureError(f"signature file is larger than {_MAX_SIGNATURE_FILE} bytes")
    try:
        text = signature.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSignatureError("signature file is not UTF-8 text (garbled)") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    if len(lines) != 4:
        raise BadSignatureError(
            f"signature file has {len(lines)} line(s), a minisign signature has 4 (truncated?)"
        )
    if not lines[0].startswith(_UNTRUSTED):
        raise BadSignatureError("signature file does not start with an untrusted comment")
    raw = _b64(lines[1], what="signature line", error=BadSignatureError)
    if len(raw) != 74:
        raise BadSignatureError(f"signature line holds {len(raw)} bytes, expected 74 (truncated?)")
    algorithm = raw[:2]
    if algorithm == _LEGACY_ALG:
        raise BadSignatureError("legacy (non-prehashed `Ed`) signatures are not accepted")
    if algorithm != _PREHASHED_ALG:
        raise BadSignatureError(f"unknown signature algorithm {algorithm!r}")
    if not lines[2].startswith(_TRUSTED):
        raise BadSignatureError("third line of the signature file is not a trusted comment")
    trusted_comment = lines[2][len(_TRUSTED) :]
    global_signature = _b64(lines[3], what="global signature line", error=BadSignatureError)
    if len(global_signature) != 64:
        raise BadSignatureError(
            f"global signature holds {len(global_signature)} bytes, expected 64 (truncated?)"
        )
    return algorithm, raw[2:10], raw[10:], trusted_comment, global_signature


def _check_comment(comment: str, kind: str) -> None:
    if "\n" in comment or "\r" in comment:
        raise PublishError(f"a minisign {kind} comment must be one line")
    if len(comment.encode("utf-8")) > _MAX_COMMENT:
        raise PublishError(f"a minisign {kind} comment must be at most {_MAX_COMMENT} bytes")


def _b64(text: str, *, what: str, error: type[Exception]) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{what} is not valid base64 (garbled or truncated)") from None


# -- secret keys


@dataclass(frozen=True)
class _ScryptCost:
    opslimit: int
    memlimit: int

    @classmethod
    def for_log_n(cls, log_n: int) -> _ScryptCost:
        # libsodium derives N, r, p from (opslimit, memlimit); these two give N = 2**log_n,
        # r = 8, p = 1, the same shape minisign's own 2**25 / 2**30 pair gives for log_n = 20.
        return cls(opslimit=1 << (log_n + 5), memlimit=1 << (log_n + 10))

    def parameters(self) -> tuple[int, int, int]:
        """(log2 N, r, p) exactly as libsodium's `pickparams` derives them."""
        opslimit = max(self.opslimit, 32768)
        r = 8
        if opslimit < self.memlimit // 32:
            p = 1
            max_n = opslimit // (r * 4)
            log_n = _smallest_log_n_above(max_n // 2)
        else:
            max_n = self.memlimit // (r * 128)
            log_n = _smallest_log_n_above(max_n // 2)
            max_rp = min((opslimit // 4) // (1 << log_n), 0x3FFFFFFF)
            p = max_rp // r
        return log_n, r, p


def _smallest_log_n_above(limit: int) -> int:
    log_n = 1
    while log_n < 63 and (1 << log_n) <= limit:
        log_n += 1
    return log_n


def _scrypt_stream(passphrase: str, salt: bytes, cost: _ScryptCost, length: int) -> bytes:
    log_n, r, p = cost.parameters()
    if log_n > _MAX_SCRYPT_LOG_N or p < 1 or p > 16:
        raise KeyStoreError(
            f"secret key asks for scrypt N=2**{log_n}, p={p}: more than this host allows"
        )
    memory = 128 * r * ((1 << log_n) + p + 2) + (1 << 20)
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=1 << log_n,
        r=r,
        p=p,
        maxmem=memory,
        dklen=length,
    )


def _checksum(key_id: bytes, secret_key: bytes) -> bytes:
    return hashlib.blake2b(_PUBLIC_ALG + key_id + secret_key, digest_size=32).digest()


def secret_key_text(
    secret: MinisignSecretKey,
    passphrase: str | None,
    *,
    scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N,
    comment: str = "minisign encrypted secret key",
) -> str:
    """The content of a `minisign.key` file; unencrypted (like `minisign -G -W`) without passphrase.

    `comment` is the untrusted first line; minisign ignores it, people read it.
    """
    _check_comment(comment, "untrusted")
    secret_key = secret.seed + secret.public.key  # libsodium's 64-byte form: seed || public key
    plain = secret.key_id + secret_key + _checksum(secret.key_id, secret_key)
    if passphrase is None:
        kdf, salt, cost, body = _KDF_NONE, bytes(32), _ScryptCost(0, 0), plain
    else:
        if not 10 <= scrypt_log_n <= _MAX_SCRYPT_LOG_N:
            raise KeyStoreError(f"scrypt cost 2**{scrypt_log_n} is outside 2**10..2**22")
        kdf, salt, cost = _KDF_SCRYPT, os.urandom(32), _ScryptCost.for_log_n(scrypt_log_n)
        stream = _scrypt_stream(passphrase, salt, cost, len(plain))
        body = bytes(a ^ b for a, b in zip(plain, stream, strict=True))
    raw = (
        _PUBLIC_ALG
        + kdf
        + _CHECKSUM_ALG
        + salt
        + struct.pack("<QQ", cost.opslimit, cost.memlimit)
        + body
    )
    return f"{_UNTRUSTED}{comment}\n{base64.b64encode(raw).decode('ascii')}\n"


def is_encrypted_secret_key(text: str | bytes) -> bool:
    """Whether a `minisign.key` file needs a passphrase."""
    return _parse_secret_key(text, "secret key")[0] == _KDF_SCRYPT


def load_secret_key(
    text: str | bytes, passphrase: str | None, *, name: str = "secret key"
) -> MinisignSecretKey:
    """Read a `minisign.key` file (ours or minisign's), decrypting it with `passphrase`.

    Raises KeyStoreError naming `name` for a garbled file, a missing or wrong passphrase.
    """
    kdf, salt, cost, body = _parse_secret_key(text, name)
    if kdf == _KDF_SCRYPT:
        if passphrase is None:
            raise KeyStoreError(f"{name} is encrypted: a passphrase is needed")
        stream = _scrypt_stream(passphrase, salt, cost, len(body))
        body = bytes(a ^ b for a, b in zip(body, stream, strict=True))
    key_id, secret_key, checksum = body[:8], body[8:72], body[72:]
    # minisign 0.11 leaves the checksum of an unencrypted (-W) key zeroed.
    if checksum != _checksum(key_id, secret_key) and not (kdf == _KDF_NONE and not any(checksum)):
        if kdf == _KDF_SCRYPT:
            raise KeyStoreError(f"wrong passphrase for {name}")
        raise KeyStoreError(f"{name} is damaged (checksum mismatch)")
    seed, public = secret_key[:32], secret_key[32:]
    key = MinisignSecretKey(key_id, seed)
    if key.public.key != public:
        raise KeyStoreError(f"{name} is damaged (public half does not match the secret)")
    return key


def _parse_secret_key(text: str | bytes, name: str) -> tuple[bytes, bytes, _ScryptCost, bytes]:
    try:
        content = text.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        raise KeyStoreError(f"{name} is not a minisign secret key (not UTF-8 text)") from None
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if len(lines) != 2 or not lines[0].startswith(_UNTRUSTED):
        raise KeyStoreError(f"{name} is not a minisign secret key (expected comment + key line)")
    raw = _b64(lines[1], what=name, error=KeyStoreError)
    if len(raw) != 158 or raw[:2] != _PUBLIC_ALG or raw[4:6] != _CHECKSUM_ALG:
        raise KeyStoreError(f"{name} is not an Ed25519 minisign secret key")
    kdf = raw[2:4]
    if kdf not in (_KDF_SCRYPT, _KDF_NONE):
        raise KeyStoreError(f"{name} uses an unknown key derivation {kdf!r}")
    opslimit, memlimit = struct.unpack("<QQ", raw[38:54])
    return kdf, raw[6:38], _ScryptCost(opslimit, memlimit), raw[54:]

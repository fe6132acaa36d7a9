"""Signing: minisign signatures, TUF metadata and the key ring, all pure functions over bytes.

- `feed.sign.minisign`: minisign's signature and key formats (`sign`, `verify`, key files);
- `feed.sign.comment`: the kpfeed trusted comment and the checks on it;
- `feed.sign.files`: signatures for a set of published files, and verification of one file;
- `feed.sign.keys`: the protected key ring (init, load, rotate, renew root, export public);
- `feed.sign.tuf`: the TUF repository over the published files (`TufRepository`).

Nothing here writes into the published directory: callers write the bytes returned.
"""

from feed.sign.comment import TrustedComment, check_trusted_comment, parse_trusted_comment
from feed.sign.files import SIGNATURE_SUFFIX, sign_files, verify_file
from feed.sign.keys import (
    Keyring,
    PublicKeys,
    Rotation,
    export_public,
    init_keys,
    keyring_is_encrypted,
    load_keyring,
    read_public,
    renew_root,
    rotate,
)
from feed.sign.minisign import (
    MinisignPublicKey,
    MinisignSecretKey,
    parse_public_key,
    public_key_text,
    sign,
    verify,
)
from feed.sign.tuf import (
    METADATA_DIR,
    TARGETS_DIR,
    TufExpiry,
    TufRepository,
    read_metadata,
    target_copy_path,
)

__all__ = [
    "METADATA_DIR",
    "SIGNATURE_SUFFIX",
    "TARGETS_DIR",
    "Keyring",
    "MinisignPublicKey",
    "MinisignSecretKey",
    "PublicKeys",
    "Rotation",
    "TrustedComment",
    "TufExpiry",
    "TufRepository",
    "check_trusted_comment",
    "export_public",
    "init_keys",
    "keyring_is_encrypted",
    "load_keyring",
    "parse_public_key",
    "parse_trusted_comment",
    "public_key_text",
    "read_metadata",
    "read_public",
    "renew_root",
    "rotate",
    "sign",
    "sign_files",
    "target_copy_path",
    "verify",
    "verify_file",
]

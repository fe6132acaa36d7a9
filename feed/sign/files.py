"""Detached minisign signatures for published files, and their verification, in one call each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from feed.sign.comment import TrustedComment, check_trusted_comment
from feed.sign.minisign import MinisignPublicKey, MinisignSecretKey, sign, verify

__all__ = ["SIGNATURE_SUFFIX", "sign_files", "verify_file"]

SIGNATURE_SUFFIX = ".minisig"


def sign_files(
    files: Mapping[str, bytes],
    key: MinisignSecretKey,
    *,
    catalogue: str,
    version: str,
    sequence: int,
    expires: datetime,
) -> dict[str, bytes]:
    """`{"package.json": data, ...}` -> `{"package.json.minisig": signature, ...}`.

    Names are paths relative to the published directory; each signature's trusted comment
    names its own file, so a signature moved onto another file is refused.
    """
    return {
        f"{name}{SIGNATURE_SUFFIX}": sign(
            data,
            key,
            trusted_comment=str(
                TrustedComment(
                    catalogue=catalogue,
                    version=version,
                    sequence=sequence,
                    file=name,
                    expires=expires,
                )
            ),
        )
        for name, data in sorted(files.items())
    }


def verify_file(
    data: bytes,
    signature: bytes,
    public_key: MinisignPublicKey,
    *,
    file_name: str,
    now: datetime | None,
    min_sequence: int | None = None,
    catalogue: str | None = None,
) -> TrustedComment:
    """Verify a file against its `.minisig` and check the trusted comment fits; return it.

    Raises BadSignatureError, UnknownKeyError, MixAndMatchError, RollbackError, ExpiredError
    or TrustError (see `minisign.verify` and `comment.check_trusted_comment`).
    """
    comment = verify(data, signature, public_key)
    return check_trusted_comment(
        comment,
        file_name=file_name,
        now=now,
        min_sequence=min_sequence,
        catalogue=catalogue,
    )

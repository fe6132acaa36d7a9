"""The trusted comment in each `.minisig`: which catalogue, release and file, until when.

    catalogue:euif-knowledge-package version:2022.2 sequence:2 file:package.json \
expires:2022-11-01T00:00:00Z

minisign's global signature covers this line, so a verifier that checks it refuses a file
signed for another catalogue or under another name (mix-and-match), an older release than
one it already trusts (rollback), and a signature past its expiry (freeze).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from feed.errors import ExpiredError, MixAndMatchError, RollbackError, TrustError
from feed.model.records import VERSION_PATTERN

__all__ = ["TrustedComment", "check_trusted_comment", "parse_trusted_comment"]

_CATALOGUE = r"[a-z0-9]+(?:-[a-z0-9]+)*"
# Path segments as the published directory has them: plain names, never `.`/`..` or empty.
_SEGMENT = r"[A-Za-z0-9_+-][A-Za-z0-9._+-]*"
_FILE = rf"{_SEGMENT}(?:/{_SEGMENT})*"
_COMMENT = re.compile(
    rf"^catalogue:(?P<catalogue>{_CATALOGUE}) "
    rf"version:(?P<version>{VERSION_PATTERN.strip('^$')}) "
    r"sequence:(?P<sequence>[1-9][0-9]{0,17}) "
    rf"file:(?P<file>{_FILE}) "
    r"expires:(?P<expires>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)$"
)


@dataclass(frozen=True)
class TrustedComment:
    """What a kpfeed signature vouches for besides the bytes.

    `file` is the path of the file relative to the published directory, with `/`
    (e.g. `package.json`, `releases/2022.1/package.json`).
    """

    catalogue: str
    version: str
    sequence: int
    file: str
    expires: datetime

    def __post_init__(self) -> None:
        if self.expires.tzinfo is None:
            raise ValueError("expires must be timezone-aware")
        text = str(self)
        if not _COMMENT.match(text):
            raise ValueError(f"not a valid kpfeed trusted comment: {text!r}")

    def __str__(self) -> str:
        expires = self.expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"catalogue:{self.catalogue} version:{self.version} sequence:{self.sequence} "
            f"file:{self.file} expires:{expires}"
        )


def parse_trusted_comment(comment: str) -> TrustedComment:
    """Read a verified trusted comment; TrustError if it is not in kpfeed's form."""
    match = _COMMENT.match(comment)
    if match is None:
        raise TrustError(
            f"trusted comment is not a kpfeed one (catalogue:… version:… sequence:… file:… "
            f"expires:…): {comment[:200]!r}"
        )
    expires = datetime.strptime(match["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return TrustedComment(
        catalogue=match["catalogue"],
        version=match["version"],
        sequence=int(match["sequence"]),
        file=match["file"],
        expires=expires,
    )


def check_trusted_comment(
    comment: str | TrustedComment,
    *,
    file_name: str,
    now: datetime | None,
    min_sequence: int | None = None,
    catalogue: str | None = None,
) -> TrustedComment:
    """Refuse a verified trusted comment that does not fit where and when the file is used.

    - MixAndMatchError: signed for another file name or another catalogue;
    - RollbackError: its sequence is below `min_sequence` (the newest release already trusted);
    - ExpiredError: `now` is past its expiry. `now=None` skips this one check, for an archived
      release under `releases/<version>/` whose signatures expired after a newer release.
    """
    parsed = comment if isinstance(comment, TrustedComment) else parse_trusted_comment(comment)
    if parsed.file != file_name:
        raise MixAndMatchError(
            f"signature is for file {parsed.file!r}, not for {file_name!r} "
            f"(release {parsed.version})"
        )
    if catalogue is not None and parsed.catalogue != catalogue:
        raise MixAndMatchError(
            f"{file_name}: signature is for catalogue {parsed.catalogue!r}, not {catalogue!r}"
        )
    if min_sequence is not None and parsed.sequence < min_sequence:
        raise RollbackError(
            f"{file_name}: release {parsed.version} has sequence {parsed.sequence}, older than "
            f"sequence {min_sequence} already trusted"
        )
    if now is not None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if now > parsed.expires:
            raise ExpiredError(
                f"{file_name}: signature of release {parsed.version} expired at "
                f"{parsed.expires.isoformat()} (freeze attack or a missed refresh)"
            )
    return parsed

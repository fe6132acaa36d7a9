"""What a published directory shows: its current release, read from the package heads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from feed.config import Settings
from feed.errors import PublishError
from feed.model import ReleaseInfo
from feed.publish import published_file
from feed.render import FeedLinks
from feed.sign import TufExpiry

__all__ = [
    "PublicationReport",
    "PublishOptions",
    "published_package_head",
    "published_release",
]

_RECORDS_KEY = b',"records":['
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_HEAD_CHUNK = 64 * 1024


@dataclass(frozen=True)
class PublishOptions:
    """Deployment settings a publication needs."""

    links: FeedLinks
    page_size: int = 20
    signature_days: int = 30
    tuf_expiry: TufExpiry = field(default_factory=TufExpiry)

    @classmethod
    def from_settings(cls, settings: Settings) -> PublishOptions:
        return cls(
            links=FeedLinks.from_settings(settings),
            page_size=settings.releases_page_size,
            signature_days=settings.signature_days,
            tuf_expiry=TufExpiry.from_settings(settings),
        )


@dataclass(frozen=True)
class PublicationReport:
    """What a publication or refresh wrote."""

    version: str
    sequence: int
    out_dir: Path
    generation: Path
    files: list[str]
    written: int
    linked: int
    finished_interrupted: bool = False
    tuf_versions: dict[str, int] = field(default_factory=dict)


def package_head(data: bytes, path: str) -> tuple[ReleaseInfo, str]:
    """The `release` object and `records_digest` of a package.json, without its records.

    `render_package` writes `format`, `release` and `records_digest` before `records`, so the
    head parses on its own; anything else falls back to the whole document.
    """
    cut = data.find(_RECORDS_KEY)
    try:
        head = orjson.loads(data[:cut] + b"}") if cut > 0 else orjson.loads(data)
        digest = head["records_digest"]
        if not isinstance(digest, str) or not _DIGEST.match(digest):
            raise ValueError(f"records_digest {digest!r} is not a SHA-256")
        return ReleaseInfo.model_validate(head["release"]), digest
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise PublishError(f"{path} does not hold a kpfeed release: {error}") from None


def _read_head(out_dir: Path, path: str) -> bytes | None:
    """The start of a published package.json, up to its records (or the whole file)."""
    found = published_file(out_dir, path)
    if found is None:
        return None
    chunks: list[bytes] = []
    with found.open("rb") as handle:
        while chunk := handle.read(_HEAD_CHUNK):
            chunks.append(chunk)
            if _RECORDS_KEY in b"".join(chunks[-2:]):
                break
    return b"".join(chunks)


def published_release(out_dir: Path) -> ReleaseInfo | None:
    """The release the published directory shows now (from its `package.json`), or None."""
    data = _read_head(out_dir, "package.json")
    return None if data is None else package_head(data, f"{out_dir}/package.json")[0]


def published_package_head(out_dir: Path, version: str) -> tuple[ReleaseInfo, str]:
    """Release metadata and records digest of `releases/<version>/package.json` in `out_dir`."""
    path = f"releases/{version}/package.json"
    data = _read_head(out_dir, path)
    if data is None:
        raise PublishError(
            f"{out_dir} lacks {path}: it is not the directory release {version} went to"
        )
    return package_head(data, path)

"""Every file of a publication as bytes: rendered once, checked, signed (no store, no writes).

The order is the design's: render each artifact once, validate the JSON ones against the
published schemas, then sign exactly those bytes (a `.minisig` per file and TUF metadata over
the same files). Nothing re-serializes a signed document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feed.errors import ImmutableReleaseError
from feed.model import ChangeSet, PublishedPackage, ReleaseInfo
from feed.publish import IMMUTABLE_PREFIX
from feed.render import FeedLinks, render_release_files
from feed.render.sources import ChangesSource, PackageSource
from feed.schemagen import SCHEMAS, render_schema, schema_file
from feed.sign import (
    SIGNATURE_SUFFIX,
    Keyring,
    TufExpiry,
    TufRepository,
    public_key_text,
    sign_files,
)

__all__ = [
    "MINISIGN_PUB",
    "SigningContext",
    "release_content",
    "schema_files",
    "sign_release_files",
    "signed_paths",
    "split_published",
    "tuf_files",
]

MINISIGN_PUB = "minisign.pub"
TUF_PREFIX = "tuf/"
SCHEMAS_DIR = "schemas"


def schema_files() -> dict[str, bytes]:
    """The published JSON Schemas as `schemas/<name>.schema.json`."""
    return {f"{SCHEMAS_DIR}/{schema_file(name)}": render_schema(name) for name in SCHEMAS}


def release_content(
    package: PublishedPackage | PackageSource,
    changes: ChangeSet | ChangesSource,
    history: Sequence[ReleaseInfo],
    links: FeedLinks,
    *,
    page_size: int,
) -> dict[str, bytes]:
    """Every content file of a publication (no signatures yet), by path: what `feed.render`
    renders for the release, plus the published JSON Schemas.

    The current documents and this release's immutable copies are the *same* bytes objects,
    so they are rendered once and the publisher hard-links them.
    """
    files = render_release_files(package, changes, history, links, page_size=page_size)
    files.update(schema_files())
    return files


def split_published(
    files: Mapping[str, bytes], published: Mapping[str, bytes | None]
) -> dict[str, bytes]:
    """Drop immutable files already published with the same bytes; refuse different bytes.

    `published` maps a path to its published bytes (None when not published). Archive pages
    and earlier releases' copies are re-rendered on every publication; they must come out
    byte-identical and keep the signature they were first published with.
    """
    fresh: dict[str, bytes] = {}
    for path, data in files.items():
        old = published.get(path) if path.startswith(IMMUTABLE_PREFIX) else None
        if old is None:
            fresh[path] = data
        elif old != data:
            raise ImmutableReleaseError(
                f"{path} is published already and would now be different; a published "
                "release never changes (did the catalogue title or a renderer change?)"
            )
    return fresh


@dataclass(frozen=True)
class SigningContext:
    """What the signatures of one publication vouch for, besides the bytes."""

    catalogue: str
    version: str
    sequence: int
    expires: datetime

    @classmethod
    def for_release(cls, release: ReleaseInfo, *, now: datetime, days: int) -> SigningContext:
        return cls(
            catalogue=release.catalogue,
            version=release.version,
            sequence=release.sequence,
            expires=now.replace(microsecond=0) + timedelta(days=days),
        )


def signed_paths(paths: Iterable[str]) -> list[str]:
    """The files that get a `.minisig`: every file but TUF's own, signatures and the key."""
    return sorted(
        p
        for p in paths
        if not p.startswith(TUF_PREFIX) and not p.endswith(SIGNATURE_SUFFIX) and p != MINISIGN_PUB
    )


def sign_release_files(
    files: Mapping[str, bytes], keyring: Keyring, context: SigningContext
) -> dict[str, bytes]:
    """A detached minisign signature `<path>.minisig` for each signable file, plus the key."""
    signatures = sign_files(
        {path: files[path] for path in signed_paths(files)},
        keyring.minisign_key,
        catalogue=context.catalogue,
        version=context.version,
        sequence=context.sequence,
        expires=context.expires,
    )
    signatures[MINISIGN_PUB] = public_key_text(keyring.minisign).encode()
    return signatures


def tuf_files(
    files: Mapping[str, bytes],
    keyring: Keyring,
    previous_metadata: Mapping[str, bytes],
    *,
    version: str,
    sequence: int,
    now: datetime,
    expiry: TufExpiry,
) -> tuple[dict[str, bytes], dict[str, int]]:
    """New TUF metadata (and content-addressed target copies) listing `files` as targets,
    and the version of each role after signing."""
    targets = {p: data for p, data in files.items() if not p.startswith(TUF_PREFIX)}
    custom = {p: {"kpfeed": {"version": version, "sequence": sequence}} for p in targets}
    repository = TufRepository(keyring, previous_metadata, expiry=expiry)
    return repository.publish(targets, custom, now=now), repository.versions

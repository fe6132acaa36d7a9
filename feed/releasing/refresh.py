"""Keeping an unchanged publication acceptable: fresh TUF timestamp, aging signatures renewed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from feed.errors import PublishError, TrustError
from feed.publish import current_generation, publish_files, published_paths, read_published
from feed.releasing.artifacts import SigningContext, sign_release_files, signed_paths
from feed.releasing.published import PublicationReport, PublishOptions, published_release
from feed.sign import (
    SIGNATURE_SUFFIX,
    Keyring,
    TufRepository,
    parse_trusted_comment,
    read_metadata,
    verify,
)

__all__ = ["refresh_publication"]


def _needs_signature(
    data: bytes, signature: bytes | None, keyring: Keyring, *, now: datetime, days: int
) -> bool:
    """Whether a current file's signature is missing, by another key, or past half its life."""
    if signature is None:
        return True
    try:
        comment = parse_trusted_comment(verify(data, signature, keyring.minisign))
    except TrustError:
        return True
    return comment.expires - now < timedelta(days=days) / 2


def refresh_publication(
    out_dir: Path, *, keyring: Keyring, options: PublishOptions, now: datetime
) -> PublicationReport:
    """Keep an unchanged publication acceptable: re-sign timestamp and snapshot (TUF), and the
    current files' minisign signatures once half their life is gone (or the key changed).

    Files under `releases/` keep their first signatures: they are immutable.
    """
    out_dir = Path(out_dir).absolute()
    release = published_release(out_dir)
    if release is None or current_generation(out_dir) is None:
        raise PublishError(f"{out_dir} holds no publication to refresh; publish a release first")
    paths = published_paths(out_dir)
    current = [p for p in signed_paths(paths) if not p.startswith("releases/")]
    stale: dict[str, bytes] = {}
    for path in current:
        data = paths[path].read_bytes()
        signature = read_published(out_dir, path + SIGNATURE_SUFFIX)
        if _needs_signature(data, signature, keyring, now=now, days=options.signature_days):
            stale[path] = data
    files: dict[str, bytes] = {}
    if stale:
        context = SigningContext.for_release(release, now=now, days=options.signature_days)
        files.update(sign_release_files(stale, keyring, context))
    repository = TufRepository(keyring, read_metadata(out_dir), expiry=options.tuf_expiry)
    if files:
        custom = {
            p: {"kpfeed": {"version": release.version, "sequence": release.sequence}} for p in files
        }
        files.update(repository.publish(files, custom, now=now))
    else:
        files.update(repository.refresh(now=now))
    result = publish_files(out_dir, files, keep=("",))
    return PublicationReport(
        version=release.version,
        sequence=release.sequence,
        out_dir=out_dir,
        generation=result.generation,
        files=sorted(files),
        written=result.written,
        linked=result.linked,
        tuf_versions=repository.versions,
    )

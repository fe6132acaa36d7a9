"""python-tuf's errors as kpfeed's: the same meaning, the original message, what was refused."""

from __future__ import annotations

from tuf.api import exceptions as tuf_errors
from tuf.api.serialization import DeserializationError

from feed.client.fetch import download_failure
from feed.errors import (
    BadSignatureError,
    ExpiredError,
    IntegrityError,
    KpfeedError,
    RollbackError,
    TrustError,
)

__all__ = ["refused"]

_REPOSITORY_ERRORS: tuple[tuple[type[Exception], type[TrustError], str], ...] = (
    (
        tuf_errors.ExpiredMetadataError,
        ExpiredError,
        "a freeze attack, or the publisher's `kpfeed refresh` job has stopped",
    ),
    (tuf_errors.BadVersionNumberError, RollbackError, "older than metadata already trusted"),
    (tuf_errors.UnsignedMetadataError, BadSignatureError, "not signed by the trusted keys"),
    (tuf_errors.LengthOrHashMismatchError, IntegrityError, "not the bytes that were signed"),
    (DeserializationError, TrustError, "not TUF metadata"),
)


def refused(error: Exception, what: str, *, content_type: str | None = None) -> KpfeedError:
    """`error` from python-tuf while fetching `what`, as the matching kpfeed error.

    `content_type` (of the last answer) helps explain an HTML page where JSON was expected.
    """
    if isinstance(error, tuf_errors.DownloadError):
        failure = download_failure(error, what)
        return type(failure)(f"{what} refused: {failure}")
    for tuf_class, kpfeed_class, meaning in _REPOSITORY_ERRORS:
        if isinstance(error, tuf_class):
            parsing = tuf_class is DeserializationError
            detail = str(error.__cause__ or error) if parsing else ""
            served = f"; the server sent {content_type}" if parsing and content_type else ""
            text = str(error) + (f" ({detail})" if detail and detail not in str(error) else "")
            return kpfeed_class(f"{what} refused ({meaning}): {text}{served}")
    if isinstance(error, tuf_errors.RepositoryError):
        return TrustError(f"{what} refused: {error}")
    raise TypeError(f"not a python-tuf error: {error!r}")  # pragma: no cover

"""HTTP conditional requests and content negotiation, as pure functions over header values."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

__all__ = ["accepts_gzip", "etag_matches", "not_modified_since"]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for it)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        if candidate.strip().removeprefix("W/") == bare:
            return True
    return False


def not_modified_since(if_modified_since: str | None, mtime: float) -> bool:
    """Whether a file last modified at `mtime` is unchanged since `If-Modified-Since`."""
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        return False
    return int(mtime) <= int(since.timestamp())


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether `Accept-Encoding` allows gzip (`gzip;q=0` refuses it; `*` allows it)."""
    if not accept_encoding or ("gzip" not in accept_encoding and "*" not in accept_encoding):
        return False
    allowed: bool | None = None
    star = False
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        q = 1.0
        params = params.strip().replace(" ", "")
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if coding == "gzip":
            allowed = q > 0
        elif coding == "*":
            star = q > 0
    return allowed if allowed is not None else star

"""Small pieces every renderer shares: safe text, UTC timestamps, stable ids, GC pausing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID, uuid5

from feed.gcpause import gc_paused
from feed.model.records import RECORD_NAMESPACE
from feed.model.release import ReleaseInfo

__all__ = [
    "FEED_NAMESPACE",
    "REPLACEMENT",
    "catalogue_feed_id",
    "clean_text",
    "gc_paused",
    "release_entry_id",
    "release_time",
    "releases_feed_id",
    "rfc3339",
    "utc",
]

#: Namespace of the UUID v5 ids of feeds and release entries; fixed forever, like record UUIDs.
FEED_NAMESPACE = uuid5(RECORD_NAMESPACE, "kpfeed feeds")

# Characters XML 1.0 does not allow (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF) and
# lone surrogates, which no UTF-8 document can carry. lxml refuses them outright, so one such
# character in a record would make the whole feed unrenderable; we show U+FFFD in its place.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD; otherwise unchanged."""
    if _NOT_XML.search(text) is None:  # the common case costs one scan and no copy
        return text
    return _NOT_XML.sub(REPLACEMENT, text)


def utc(moment: datetime) -> datetime:
    """`moment` in UTC; naive datetimes are UTC by the model's convention."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 timestamp in UTC with a `Z`, e.g. `2022-10-01T12:00:00Z`."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def release_time(release: ReleaseInfo) -> datetime:
    """When a release became what it is: its publication time, else the time it was frozen."""
    return utc(release.published or release.created)


def catalogue_feed_id(catalogue: str) -> UUID:
    """Id of the catalogue feed (`feed.json`/`feed.atom`): one feed across all releases."""
    return uuid5(FEED_NAMESPACE, f"catalogue-feed:{catalogue}")


def releases_feed_id(catalogue: str) -> UUID:
    """Id of the release index (`releases.json`/`.atom` and their archive pages)."""
    return uuid5(FEED_NAMESPACE, f"releases-feed:{catalogue}")


def release_entry_id(catalogue: str, version: str) -> UUID:
    """Id of one release's entry in the release index."""
    return uuid5(FEED_NAMESPACE, f"release:{catalogue}:{version}")

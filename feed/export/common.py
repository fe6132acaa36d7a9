"""Helpers every exporter shares: record times, English text, guidance as prose, language keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from feed.model import AnyRecord, ReleaseInfo

__all__ = [
    "dedupe",
    "english",
    "guidance_text",
    "language_key",
    "record_times",
    "utc",
]


def english(text: dict[str, str] | None) -> str:
    """The English (reference) version of a localized text, or '' when there is none."""
    return (text or {}).get("en", "")


def record_times(record: AnyRecord, release: ReleaseInfo) -> tuple[datetime, datetime]:
    """(created, modified) of a record in UTC.

    Published records carry both; a package assembled by hand (tests, the sample) may not,
    and then the release's own creation time stands in, so output stays deterministic.
    """
    created = utc(record.created or record.modified or release.created)
    modified = utc(record.modified or created)
    return created, max(created, modified)


def utc(moment: datetime) -> datetime:
    """A datetime in UTC; a naive one is taken to be UTC already (as the store writes them)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def guidance_text(record: AnyRecord) -> str:
    """Moderation guidance as plain text, for formats that have only a description field."""
    guidance = record.guidance
    lines = [f"Moderation guidance (ambiguity: {guidance.ambiguity.value}): {guidance.signals}"]
    if guidance.benign_uses:
        lines.append("Benign uses:")
        lines += [f"- {use}" for use in guidance.benign_uses]
    if guidance.known_collisions:
        lines.append("Known collisions:")
        lines += [f"- {collision}" for collision in guidance.known_collisions]
    return "\n".join(lines)


def language_key(tag: str | None) -> str:
    """The primary language subtag of a BCP 47 tag, lowercased; `und` when there is none.

    Keyword lists are per language, not per regional variant: `en-US` aliases belong in `en`.
    """
    if not tag:
        return "und"
    return tag.split("-", 1)[0].lower()


def dedupe(values: Iterable[str]) -> list[str]:
    """Values in first-seen order without repeats."""
    return list(dict.fromkeys(values))

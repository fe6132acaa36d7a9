"""Human-readable summaries of records and releases, as plain text and as escaped HTML.

A record's summary puts the moderation guidance first (what it signals, how ambiguous it is,
benign uses, known collisions), because that is what a moderator needs before acting; the
description of the thing follows. Every piece of record text goes through `clean_text` and,
for HTML, `html.escape`, so a record named `<script>` is shown, never run.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from feed.model.records import RecordBase, dump_record
from feed.model.release import ReleaseInfo
from feed.model.vocab import Ambiguity
from feed.render.common import clean_text

__all__ = [
    "AMBIGUITY_HANDLING",
    "data_summaries",
    "data_summary_text",
    "data_tags",
    "record_summaries",
    "record_summary_html",
    "record_summary_text",
    "record_tags",
    "release_summary_html",
    "release_summary_text",
]

#: What each ambiguity level means for handling (see `Guidance.ambiguity`).
AMBIGUITY_HANDLING = {
    Ambiguity.LOW: "may be actioned automatically",
    Ambiguity.MEDIUM: "context needed before acting",
    Ambiguity.HIGH: "every match must go to human review",
}


def record_tags(record: RecordBase) -> list[str]:
    """Tags of a record: its type, its ideologies, then `ambiguity:<level>`."""
    return data_tags(dump_record(record))


def data_tags(data: Mapping[str, Any]) -> list[str]:
    """`record_tags` of a record given as plain data (`dump_record`'s form)."""
    return [data["type"], *data["ideologies"], f"ambiguity:{data['guidance']['ambiguity']}"]


def _detail(data: Mapping[str, Any]) -> str | None:
    if data["type"] == "symbol":
        detail: str = data["category"]
        return detail
    if data["type"] == "group":
        kind: str = data["kind"]
        return kind
    return None


#: One block of a summary: a label and either a line of text or a list of items.
Block = tuple[str, str | list[str]]


def _blocks(data: Mapping[str, Any]) -> list[Block]:
    """The summary's content in reading order: guidance first, then the facts.

    Reads the record as plain data (`dump_record`'s form: what a release publishes), so the
    feeds render from a record's canonical JSON without building its model.
    """
    guidance = data["guidance"]
    ambiguity = guidance["ambiguity"]
    blocks: list[Block] = []
    retired_in = data.get("retired_in")
    if retired_in is not None:
        blocks.append(("Retired", f"in release {retired_in}; no longer in the catalogue"))
    blocks.append(("What it signals", guidance["signals"]))
    blocks.append(("Ambiguity", f"{ambiguity} ({AMBIGUITY_HANDLING[ambiguity]})"))
    if guidance.get("benign_uses"):
        blocks.append(("Benign uses", guidance["benign_uses"]))
    if guidance.get("known_collisions"):
        blocks.append(("Known collisions", guidance["known_collisions"]))
    blocks.append(("Summary", data["summary"]["en"]))
    kind, detail = data["type"], _detail(data)
    blocks.append(("Type", f"{kind} ({detail})" if detail else kind))
    blocks.append(("Status", data["status"]))
    if data.get("aliases"):
        blocks.append(("Aliases", "; ".join(a["value"] for a in data["aliases"])))
    if data.get("ideologies"):
        blocks.append(("Ideologies", ", ".join(data["ideologies"])))
    if data.get("regions"):
        blocks.append(("Regions", ", ".join(data["regions"])))
    blocks.append(("Marking", f"TLP:{data['tlp']}"))
    return blocks


def _raw_text(blocks: list[Block]) -> str:
    lines: list[str] = []
    for label, value in blocks:
        if isinstance(value, str):
            lines.append(f"{label}: {value}")
        else:
            lines.append(f"{label}:")
            lines.extend(f"- {item}" for item in value)
    return "\n".join(lines)


def _raw_html(blocks: list[Block]) -> str:
    parts: list[str] = []
    for label, value in blocks:
        if isinstance(value, str):
            parts.append(f"<p><strong>{label}:</strong> {escape(value)}</p>")
        else:
            items = "".join(f"<li>{escape(item)}</li>" for item in value)
            parts.append(f"<p><strong>{label}:</strong></p><ul>{items}</ul>")
    return "".join(parts)


def record_summary_text(record: RecordBase) -> str:
    """Plain-text summary, guidance first, one `Label: value` line (or list) per block."""
    return data_summary_text(dump_record(record))


def data_summary_text(data: Mapping[str, Any]) -> str:
    """`record_summary_text` of a record given as plain data."""
    return clean_text(_raw_text(_blocks(data)))


def record_summary_html(record: RecordBase) -> str:
    """HTML summary with the same content as the text one; all record text escaped."""
    return clean_text(_raw_html(_blocks(dump_record(record))))


def record_summaries(record: RecordBase) -> tuple[str, str]:
    """(text, html) summaries, sharing the work."""
    return data_summaries(dump_record(record))


def data_summaries(data: Mapping[str, Any]) -> tuple[str, str]:
    """`record_summaries` of a record given as plain data."""
    blocks = _blocks(data)
    raw = _raw_text(blocks)
    text = clean_text(raw)
    html = _raw_html(blocks)
    # The HTML holds the same record strings as the text (escaping touches no control
    # character), so when the text needed no cleaning neither does the HTML.
    return text, (html if text is raw else clean_text(html))


def _counts_line(release: ReleaseInfo) -> str:
    c = release.counts
    return f"{c.added} added, {c.changed} changed, {c.retired} retired; {c.total} records in all."


def release_summary_text(release: ReleaseInfo) -> str:
    """Plain-text summary of a release: counts, then the release notes as written."""
    head = f"Release {release.version} (sequence {release.sequence}): {_counts_line(release)}"
    notes = release.notes.strip()
    return clean_text(f"{head}\n\n{notes}" if notes else head)


def release_summary_html(release: ReleaseInfo) -> str:
    """HTML summary of a release; the notes are escaped text, one paragraph per blank line."""
    head = f"Release {release.version} (sequence {release.sequence}): {_counts_line(release)}"
    paragraphs = [p.strip() for p in release.notes.replace("\r\n", "\n").split("\n\n")]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p)
    return clean_text(f"<p>{escape(head)}</p>{body}")

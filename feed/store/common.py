"""Helpers the store's query modules share: clock, content hashing, rebuilding records, flushing."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlmodel import Session

from feed.model import AnyRecord, parse_record
from feed.store.db import translate_errors
from feed.store.tables import metadata

__all__ = [
    "StoredContent",
    "audit_table",
    "build_record",
    "content_hash",
    "flush",
    "members_table",
    "records_table",
    "releases_table",
    "revisions_table",
    "utcnow",
]

# Core handles on the tables, for the bulk paths that skip the ORM.
records_table = metadata.tables["records"]
revisions_table = metadata.tables["record_revisions"]
releases_table = metadata.tables["releases"]
members_table = metadata.tables["release_members"]
audit_table = metadata.tables["audit_log"]


@dataclass(frozen=True, slots=True)
class StoredContent:
    """A record at one revision as the store keeps it, with no model built: its content was
    validated when it was stored, and revisions never change."""

    id: str
    revision: int
    created: datetime  # when the record was first stored
    modified: datetime  # when this revision was stored
    content: dict[str, Any]  # the revision body: `content_of` the record


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def content_hash(body: dict[str, Any]) -> str:
    """SHA-256 of a revision body's canonical JSON (sorted keys): equal content, equal hash."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def build_record(
    body: Mapping[str, Any], *, revision: int, created: datetime, modified: datetime
) -> AnyRecord:
    """A record model from a stored body plus the lifecycle fields the rows hold."""
    data = dict(body)
    data["revision"] = revision
    data["created"] = created
    data["modified"] = modified
    return parse_record(data)


def flush(session: Session) -> None:
    """Send pending changes now, so a refused change surfaces as a kpfeed error right here."""
    with translate_errors():
        session.flush()

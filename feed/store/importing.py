"""Bulk import of validated records: batched reads and executemany writes, caller's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from feed.errors import ConflictError, StateError
from feed.gcpause import gc_paused
from feed.model import AnyRecord, EncodedRecord
from feed.store.audit import record_audit
from feed.store.bulk import bulk_insert, bulk_update
from feed.store.common import records_table, revisions_table, utcnow
from feed.store.db import translate_errors
from feed.store.tables import EditorialState

__all__ = ["BATCH_SIZE", "ImportResult", "import_records"]

#: Records handled per round trip: bounded memory, few statements, under SQLite's bind limit.
BATCH_SIZE = 1000


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    added: int
    changed: int
    unchanged: int
    approved: int

    @property
    def total(self) -> int:
        return self.added + self.changed + self.unchanged


@dataclass
class _Batch:
    new_records: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    approvals: list[dict[str, Any]]
    refused: list[str]


def _chunks(
    records: Iterable[AnyRecord | EncodedRecord], size: int
) -> Iterator[list[EncodedRecord]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield [r if isinstance(r, EncodedRecord) else EncodedRecord.of(r) for r in chunk]


class _Current(NamedTuple):
    revision: int
    state: str
    content_hash: str


def _existing(session: Session, ids: list[str]) -> dict[str, _Current]:
    r, v = records_table.c, revisions_table.c
    query = (
        sa.select(r.id, r.revision, r.state, v.content_hash)
        .select_from(
            records_table.join(revisions_table, (v.record_id == r.id) & (v.revision == r.revision))
        )
        .where(r.id.in_(ids))
    )
    return {
        record_id: _Current(revision, state, digest)
        for record_id, revision, state, digest in session.connection().execute(query)
    }


def _plan(
    session: Session,
    chunk: list[EncodedRecord],
    *,
    author: str,
    comment: str,
    approve: bool,
    at: datetime,
) -> _Batch:
    """Decide, for one batch, which records are new, changed, unchanged or refused."""
    existing = _existing(session, [record.id for record in chunk])
    batch = _Batch([], [], [], [], [])
    state = EditorialState.APPROVED if approve else EditorialState.DRAFT
    approval: dict[str, Any] = {"approved_by": author, "approved_at": at} if approve else {}
    for record in chunk:
        digest = hashlib.sha256(record.content).hexdigest()
        old = existing.get(record.id)
        if old is not None and old.content_hash == digest:
            if approve and old.state in (EditorialState.DRAFT, EditorialState.IN_REVIEW):
                batch.approvals.append(
                    {
                        "id": record.id,
                        "state": EditorialState.APPROVED.value,
                        "approved_revision": old.revision,
                    }
                    | approval
                )
            continue
        if old is not None and old.state == EditorialState.RETIRED:
            batch.refused.append(record.id)
            continue
        revision = 1 if old is None else old.revision + 1
        if old is None:
            batch.new_records.append(
                {
                    "id": record.id,
                    "type": record.type,
                    "uuid": record.uuid,
                    "name": record.name,
                    "revision": 1,
                    "state": state.value,
                    "approved_revision": 1 if approve else None,
                    "approved_by": author if approve else None,
                    "approved_at": at if approve else None,
                    "created": at,
                    "modified": at,
                }
            )
        else:
            update = {
                "id": record.id,
                "revision": revision,
                "name": record.name,
                "state": state.value,
                "modified": at,
            }
            if approve:
                update |= {"approved_revision": revision} | approval
            batch.updates.append(update)
        batch.revisions.append(
            {
                "record_id": record.id,
                "revision": revision,
                "body": record.content.decode(),
                "content_hash": digest,
                "author": author,
                "created": at,
                "comment": comment,
            }
        )
    return batch


def _write(session: Session, batch: _Batch) -> None:
    # Records first: revisions reference them.
    bulk_insert(session, records_table, batch.new_records)
    bulk_update(session, records_table, "id", batch.updates)
    bulk_insert(session, revisions_table, batch.revisions)
    bulk_update(session, records_table, "id", batch.approvals)


def import_records(
    session: Session,
    records: Iterable[AnyRecord | EncodedRecord],
    *,
    author: str,
    comment: str = "",
    approve: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Store many validated records (models, or encoded as validation hands them over) at once,
    in the caller's transaction.

    New content becomes a new revision by `author` (new records start at revision 1);
    unchanged content adds nothing. Without `approve`, new revisions are drafts; with it,
    every imported record's current revision is approved by `author` in bulk, bypassing four
    eyes on purpose, and the audit log says so. Changed content for a retired record is
    refused (StateError) after the whole input is checked, so nothing is half-imported when
    the caller rolls back. `progress` is called with the number of records just handled.
    """
    at = utcnow()
    seen: set[str] = set()
    added = changed = unchanged = approved = 0
    refused: list[str] = []
    with translate_errors(), gc_paused():
        for chunk in _chunks(records, batch_size):
            for record in chunk:
                if record.id in seen:
                    raise ConflictError(f"{record.id} appears twice in one import")
                seen.add(record.id)
            batch = _plan(session, chunk, author=author, comment=comment, approve=approve, at=at)
            refused += batch.refused
            if not refused:
                _write(session, batch)
            added += len(batch.new_records)
            changed += len(batch.updates)
            unchanged += len(chunk) - len(batch.revisions) - len(batch.refused)
            approved += len(batch.approvals) + (len(batch.revisions) if approve else 0)
            if progress is not None:
                progress(len(chunk))
    if refused:
        shown = ", ".join(refused[:10]) + (
            f" and {len(refused) - 10} more" if len(refused) > 10 else ""
        )
        raise StateError(f"retired records take no new content: {shown}")
    result = ImportResult(added=added, changed=changed, unchanged=unchanged, approved=approved)
    detail: dict[str, Any] = {
        "added": added,
        "changed": changed,
        "unchanged": unchanged,
        "comment": comment,
    }
    record_audit(
        session, actor=author, action="records.import", target="catalogue", detail=detail, at=at
    )
    if approve:
        record_audit(
            session,
            actor=author,
            action="records.bulk_approve",
            target="catalogue",
            detail={"approved": approved, "comment": comment, "four_eyes": False},
            at=at,
        )
    return result

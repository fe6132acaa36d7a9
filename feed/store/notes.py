"""Editorial-only notes and reviewer comments on records: kept in the store, never published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from feed.errors import NotFoundError
from feed.store.common import flush, utcnow
from feed.store.tables import NoteKind, RecordNoteRow, RecordRow

__all__ = ["Note", "add_note", "list_notes"]


@dataclass(frozen=True)
class Note:
    """An editorial-only note or reviewer comment; never reaches a published artifact."""

    id: int
    record_id: str
    revision: int | None
    kind: NoteKind
    author: str
    created: datetime
    text: str


def _record(session: Session, record_id: str) -> RecordRow:
    row = session.get(RecordRow, record_id)
    if row is None:
        raise NotFoundError(f"no record {record_id!r} in the store")
    return row


def add_note(
    session: Session,
    record_id: str,
    *,
    author: str,
    text: str,
    kind: NoteKind = NoteKind.INTERNAL_NOTE,
) -> int:
    """Attach an editorial-only note to a record's current revision; returns the note id."""
    return append_note(session, _record(session, record_id), author=author, text=text, kind=kind)


def append_note(
    session: Session,
    row: RecordRow,
    *,
    author: str,
    text: str,
    kind: NoteKind,
    at: datetime | None = None,
) -> int:
    """Attach a note to `row`'s current revision (for workflow steps that hold the row)."""
    note = RecordNoteRow(
        record_id=row.id,
        revision=row.revision,
        kind=kind.value,
        author=author,
        created=at or utcnow(),
        text=text,
    )
    session.add(note)
    flush(session)
    assert note.id is not None  # assigned by the flush
    return note.id


def list_notes(session: Session, record_id: str) -> list[Note]:
    """A record's editorial notes and reviewer comments, oldest first."""
    _record(session, record_id)
    query = (
        select(RecordNoteRow)
        .where(RecordNoteRow.record_id == record_id)
        .order_by(col(RecordNoteRow.id))
    )
    return [
        Note(
            id=note.id or 0,
            record_id=note.record_id,
            revision=note.revision,
            kind=NoteKind(note.kind),
            author=note.author,
            created=note.created,
            text=note.text,
        )
        for note in session.exec(query)
    ]

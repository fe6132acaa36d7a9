"""Editing records through the API: the same validation as `kpfeed validate`, then the store.

A record body sent by an editor is checked exactly like an editor file (schema, model,
catalogue rules, with relations resolved against the store) and every problem comes back
located under the request field it was sent in.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from feed.errors import ConflictError, InputError, Problem, ValidationFailed
from feed.messages import pydantic_problems
from feed.model import AnyRecord, dump_record, parse_record
from feed.source import SourceRecord
from feed.store.audit import stamp_token
from feed.store.notes import list_notes
from feed.store.records import get_record, get_summary, history, record_ids, save_revision
from feed.store.tables import EditorialState
from feed.validate import validate_items

__all__ = [
    "draft_record",
    "edit_record",
    "record_detail",
    "stamp_audit_token",
    "validated_record",
]


def stamp_audit_token(session: Session, token_id: str) -> None:
    """Make every audit entry this session writes name `token_id`, unless it names one.

    The store's record workflow writes its own audit entries but knows nothing of tokens;
    the API knows which token made the request. Stamping the session keeps the two apart.
    """
    stamp_token(session, token_id)


def validated_record(session: Session, data: Any, *, at: str = "/record") -> AnyRecord:
    """`data` as a record, checked like an editor file; ValidationFailed lists every problem
    with its pointer under `at` (the request field the record came in)."""
    if not isinstance(data, dict):
        raise ValidationFailed([Problem(None, None, at, "a record is a JSON object of fields")])
    records, found = validate_items(
        [SourceRecord("<request>", data)], known_ids=record_ids(session)
    )
    if found or not records:
        problems = found or [Problem(None, None, at, "the record could not be read")]
        raise ValidationFailed(
            [Problem(None, p.record_id, at + p.pointer, p.message) for p in problems]
        )
    try:
        return parse_record(data)
    except ValidationError as error:  # pragma: no cover - validate_items parsed it already
        raise ValidationFailed(pydantic_problems(error, file=None, record_id=None)) from None


def draft_record(session: Session, data: Any, *, actor: str, comment: str = "") -> tuple[str, int]:
    """Store a new record as a draft (revision 1); ConflictError when the id is taken."""
    record = validated_record(session, data)
    if record.id in record_ids(session):
        raise ConflictError(
            f"{record.id} exists already (ids are never reused); edit it with PUT instead"
        )
    revision = save_revision(session, record, author=actor, comment=comment)
    return record.id, revision


def edit_record(
    session: Session,
    record_id: str,
    data: Any,
    *,
    actor: str,
    comment: str = "",
    expected_revision: int | None = None,
) -> int:
    """Store a new revision of an existing record (back to draft); returns its number.

    `expected_revision` refuses the edit (ConflictError) when someone saved a newer revision
    meanwhile. Content equal to the current revision makes no new revision.
    """
    get_summary(session, record_id)
    record = validated_record(session, data)
    if record.id != record_id:
        raise InputError(f"the record's id is {record.id}, but this is {record_id}")
    return save_revision(
        session,
        record,
        author=actor,
        comment=comment,
        state=EditorialState.DRAFT,
        expected_revision=expected_revision,
    )


def record_detail(session: Session, record_id: str) -> dict[str, Any]:
    """A record as editors see it: state, current content, history and editorial notes."""
    summary = get_summary(session, record_id)
    record = get_record(session, record_id)
    return {
        "id": summary.id,
        "type": summary.type,
        "name": summary.name,
        "state": summary.state.value,
        "revision": summary.revision,
        "approved_revision": summary.approved_revision,
        "approved_by": summary.approved_by,
        "record": dump_record(record),
        "history": [
            {
                "revision": step.revision,
                "author": step.author,
                "created": step.created,
                "comment": step.comment,
            }
            for step in history(session, record_id)
        ],
        "notes": [
            {
                "kind": note.kind.value,
                "revision": note.revision,
                "author": note.author,
                "created": note.created,
                "text": note.text,
            }
            for note in list_notes(session, record_id)
        ],
    }

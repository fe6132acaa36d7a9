"""`/api/v1/editor/records`: drafts, edits (each a revision), review, approval, retirement."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session
from starlette.responses import Response

from feed.api.deps import EditorPrincipal, SessionDep
from feed.api.editor_deps import AuditedSession
from feed.api.routes_editor_feedback import EDITOR_ONLY
from feed.api.routes_feedback import problem
from feed.editing import draft_record, edit_record, record_detail
from feed.model.records import ID_PATTERN
from feed.model.vocab import RecordType
from feed.store.records import (
    approve_record,
    list_records,
    reject_record,
    retire_record,
    submit_for_review,
)
from feed.store.tables import EditorialState

__all__ = ["router"]


router = APIRouter(prefix="/api/v1/editor", tags=["editor: records"])

RecordIdPath = Annotated[
    str, Path(pattern=ID_PATTERN, max_length=200, examples=["symbol:synthetic-0000001"])
]
WRITE: dict[int | str, dict[str, Any]] = {
    **EDITOR_ONLY,
    404: problem("No such record."),
    409: problem("Not allowed in the record's state, or changed meanwhile."),
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: A small, valid, obviously synthetic record in the editor file format.
RECORD_EXAMPLE: dict[str, Any] = {
    "id": "symbol:synthetic-example",
    "type": "symbol",
    "name": "Synthetic example symbol",
    "category": "numeric",
    "summary": {"en": "A synthetic symbol that shows the editor API."},
    "status": "active",
    "guidance": {"signals": "Synthetic: what the symbol would signal.", "ambiguity": "high"},
    "indicators": {"numeric_codes": [{"value": "9017", "meaning": "Synthetic number code."}]},
    "sources": [
        {
            "title": "Synthetic source",
            "publisher": "kpfeed examples",
            "url": "https://example.org/synthetic/example",
            "accessed": "2024-01-01",
        }
    ],
    "tlp": "CLEAR",
    "confidence": "medium",
}


class RecordIn(_In):
    """A record's content, as in an editor file, with a comment for the history."""

    record: dict[str, Any] = Field(
        description="The record as in an editor file (see the published JSON Schemas): no "
        "lifecycle fields (`created`, `modified`, `revision`); checked like `kpfeed validate` "
        "checks files.",
        examples=[RECORD_EXAMPLE],
    )
    comment: str = Field(
        default="",
        max_length=2000,
        description="Why, for the history.",
        examples=["New symbol reported by two platforms."],
    )


class RecordEditIn(RecordIn):
    """A new revision of a record."""

    expected_revision: int | None = Field(
        default=None,
        ge=1,
        description="The revision the edit was made on; refused (409) if a newer one exists.",
    )


class CommentIn(_In):
    """A comment for the history or the reviewer."""

    comment: str = Field(
        default="", max_length=2000, description="Comment.", examples=["Sources checked."]
    )


class ReviewIn(_In):
    """A reviewer's reason for sending a record back."""

    comment: str = Field(
        min_length=1,
        max_length=2000,
        description="What to change.",
        examples=["Add the source for the second alias."],
    )


class RevisionStep(BaseModel):
    """One revision of a record."""

    revision: int
    author: str
    created: datetime
    comment: str


class NoteOut(BaseModel):
    """An editorial note or reviewer comment (editors only; never published)."""

    kind: str
    revision: int | None
    author: str
    created: datetime
    text: str


class RecordStateOut(BaseModel):
    """A record as editors see it."""

    id: str = Field(description="Record id.", examples=["symbol:synthetic-example"])
    type: str = Field(description="Record type.", examples=["symbol"])
    name: str = Field(description="Name.", examples=["Synthetic example symbol"])
    state: EditorialState = Field(
        description="draft, in_review, approved or retired.", examples=["in_review"]
    )
    revision: int = Field(description="Current revision.", examples=[2])
    approved_revision: int | None = Field(
        description="Revision the next release would carry.", examples=[1]
    )
    approved_by: str | None = Field(description="Who approved that revision.", examples=["bob"])
    record: dict[str, Any] = Field(description="Current content.")
    history: list[RevisionStep] = Field(description="Every revision, oldest first.")
    notes: list[NoteOut] = Field(description="Editorial notes and review comments.")


class RecordSummaryOut(BaseModel):
    """A record's state, without content."""

    id: str = Field(examples=["symbol:synthetic-example"])
    type: str = Field(examples=["symbol"])
    name: str = Field(examples=["Synthetic example symbol"])
    state: EditorialState = Field(examples=["approved"])
    revision: int = Field(examples=[2])
    approved_revision: int | None = Field(examples=[2])
    approved_by: str | None = Field(examples=["bob"])
    modified: datetime = Field(examples=["2024-03-01T12:00:00Z"])


class RecordSummaryList(BaseModel):
    """Records, sorted by id."""

    items: list[RecordSummaryOut]


def _detail(session: Session, record_id: str, status: int = 200, **headers: str) -> Response:
    out = RecordStateOut.model_validate(record_detail(session, record_id))
    return Response(
        out.model_dump_json(), status_code=status, headers=headers, media_type="application/json"
    )


@router.get(
    "/records",
    operation_id="editor_list_records",
    summary="Records in the store, with their editorial state",
    response_model=RecordSummaryList,
    responses=EDITOR_ONLY,
)
def get_records(
    _editor: EditorPrincipal,
    session: SessionDep,
    state: Annotated[EditorialState | None, Query(description="Only this state.")] = None,
    type: Annotated[RecordType | None, Query(description="Only this type.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Records per page.")] = 100,
    offset: Annotated[int, Query(ge=0, description="Records to skip.")] = 0,
) -> RecordSummaryList:
    """Every record, sorted by id, optionally of one state or type."""
    rows = list_records(
        session,
        type=type.value if type else None,
        state=state,
        limit=limit,
        offset=offset,
    )
    return RecordSummaryList(items=[RecordSummaryOut.model_validate(row.__dict__) for row in rows])


@router.post(
    "/records",
    operation_id="editor_create_record",
    summary="Create a draft record",
    status_code=201,
    response_model=RecordStateOut,
    responses={
        **EDITOR_ONLY,
        409: problem("The id exists already."),
        422: problem("The record breaks the schema or a rule (located problems)."),
    },
)
def post_record(editor: EditorPrincipal, session: AuditedSession, body: RecordIn) -> Response:
    """A new record, stored as a draft at revision 1."""
    record_id, _ = draft_record(session, body.record, actor=editor.actor, comment=body.comment)
    return _detail(session, record_id, 201, Location=f"/api/v1/editor/records/{record_id}")


@router.get(
    "/records/{record_id}",
    operation_id="editor_get_record",
    summary="One record with history and notes",
    response_model=RecordStateOut,
    responses={**EDITOR_ONLY, 404: problem("No such record.")},
)
def get_one_record(
    _editor: EditorPrincipal, session: SessionDep, record_id: RecordIdPath
) -> Response:
    """The current revision, the editorial state, every revision and the editorial notes."""
    return _detail(session, record_id)


@router.put(
    "/records/{record_id}",
    operation_id="editor_edit_record",
    summary="Edit a record (a new revision)",
    response_model=RecordStateOut,
    responses={
        **WRITE,
        400: problem("The body names another record."),
        422: problem("The record breaks the schema or a rule (located problems)."),
    },
)
def put_record(
    editor: EditorPrincipal, session: AuditedSession, record_id: RecordIdPath, body: RecordEditIn
) -> Response:
    """Save new content as a new revision; the record goes back to draft."""
    edit_record(
        session,
        record_id,
        body.record,
        actor=editor.actor,
        comment=body.comment,
        expected_revision=body.expected_revision,
    )
    return _detail(session, record_id)


@router.post(
    "/records/{record_id}/submit",
    operation_id="editor_submit_record",
    summary="Submit a draft for review",
    response_model=RecordStateOut,
    responses=WRITE,
)
def post_submit(
    editor: EditorPrincipal, session: AuditedSession, record_id: RecordIdPath
) -> Response:
    """Ask another editor to review the current revision (draft -> in_review)."""
    submit_for_review(session, record_id, actor=editor.actor)
    return _detail(session, record_id)


@router.post(
    "/records/{record_id}/approve",
    operation_id="editor_approve_record",
    summary="Approve a record in review (another editor)",
    response_model=RecordStateOut,
    responses={**WRITE, 403: problem("The approver wrote the revision (four eyes).")},
)
def post_approve(
    editor: EditorPrincipal,
    session: AuditedSession,
    record_id: RecordIdPath,
    body: Annotated[CommentIn | None, Body()] = None,
) -> Response:
    """Approve the current revision; the author of that revision cannot approve it."""
    approve_record(
        session, record_id, approver=editor.actor, comment=(body.comment if body else None) or None
    )
    return _detail(session, record_id)


@router.post(
    "/records/{record_id}/reject",
    operation_id="editor_reject_record",
    summary="Send a record in review back to draft",
    response_model=RecordStateOut,
    responses=WRITE,
)
def post_reject(
    editor: EditorPrincipal, session: AuditedSession, record_id: RecordIdPath, body: ReviewIn
) -> Response:
    """Back to draft, with the reviewer's comment."""
    reject_record(session, record_id, reviewer=editor.actor, comment=body.comment)
    return _detail(session, record_id)


@router.post(
    "/records/{record_id}/retire",
    operation_id="editor_retire_record",
    summary="Retire a record",
    response_model=RecordStateOut,
    responses=WRITE,
)
def post_retire(
    editor: EditorPrincipal,
    session: AuditedSession,
    record_id: RecordIdPath,
    body: Annotated[CommentIn | None, Body()] = None,
) -> Response:
    """The record leaves the next release; it stays in the store as a tombstone."""
    retire_record(session, record_id, actor=editor.actor, comment=body.comment if body else "")
    return _detail(session, record_id)

"""Editors' record pages: review queue, draft editor, submit, approve (another editor), retire.

Every action calls what the editor API calls (`feed.editing`, `feed.store.records`), in one
transaction whose audit entries name the session's token (or its session label).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.responses import Response

from feed.api.problems import status_for
from feed.console.forms import Located
from feed.console.record_form import RecordForm, form_for, locate_problems, record_from_form
from feed.console.sessions import CheckedForm, EditorVisit, audited
from feed.console.web import PREFIX, page, redirect
from feed.editing import draft_record, edit_record, record_detail
from feed.errors import KpfeedError, Problem, ValidationFailed
from feed.model.records import ID_PATTERN
from feed.model.vocab import RecordType
from feed.store.console import ConsoleSession
from feed.store.db import transaction
from feed.store.records import (
    approve_record,
    history,
    list_records,
    reject_record,
    retire_record,
    submit_for_review,
)
from feed.store.tables import EditorialState

__all__ = ["router"]

router = APIRouter(prefix=f"{PREFIX}/editor", include_in_schema=False)

RecordIdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=200)]
_TYPES = [t.value for t in RecordType]


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@router.get("")
def queue(request: Request, visitor: EditorVisit) -> Response:
    """Records waiting for a second editor, and drafts being written."""
    with transaction(_engine(request)) as session:
        in_review = list_records(session, state=EditorialState.IN_REVIEW)
        drafts = list_records(session, state=EditorialState.DRAFT)
        authors = {
            summary.id: history(session, summary.id)[-1].author for summary in [*in_review, *drafts]
        }
    return page(
        request,
        "editor_queue.html",
        in_review=in_review,
        drafts=drafts,
        authors=authors,
        types=_TYPES,
    )


def _editor_page(
    request: Request,
    record_id: str,
    *,
    form: RecordForm | None = None,
    action_error: str | None = None,
    status: int = 200,
    comment: str = "",
) -> Response:
    with transaction(_engine(request)) as session:
        detail = record_detail(session, record_id)
    if form is None:
        form = form_for(detail["type"], detail["record"])
    author = detail["history"][-1]["author"] if detail["history"] else ""
    return page(
        request,
        "editor_record.html",
        code=status,
        detail=detail,
        form=form,
        creating=False,
        author=author,
        action_error=action_error,
        comment=comment,
    )


@router.get("/records/new")
def new_record(
    request: Request,
    visitor: EditorVisit,
    type: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """A blank draft of the chosen type (choose the type first)."""
    rtype = type if type in _TYPES else None
    form = form_for(rtype, {"type": rtype}) if rtype else None
    return page(
        request,
        "editor_record.html",
        detail=None,
        form=form,
        creating=True,
        types=_TYPES,
        author="",
        action_error=None,
        comment="",
    )


def _refused_form(rtype: str, form: CheckedForm, problems: list[Problem]) -> RecordForm:
    data, other, _ = record_from_form(rtype, form)
    located = locate_problems(rtype, data, problems)
    return form_for(rtype, data, other=other, located=located)


def _more_rows(rtype: str, form: CheckedForm) -> RecordForm:
    data, other, _ = record_from_form(rtype, form)
    shown = form_for(rtype, data, other=other)
    shown.rows = {name: count + 2 for name, count in shown.rows.items()}
    return shown


@router.post("/records/new")
def post_new_record(request: Request, visitor: EditorVisit, form: CheckedForm) -> Response:
    """Store the form as a new draft (revision 1), or show it again with its problems."""
    rtype = form.text("type")
    if rtype not in _TYPES:
        return redirect(f"{PREFIX}/editor/records/new")
    data, other, problems = record_from_form(rtype, form)
    if form.text("action") == "rows" or problems:
        shown = _more_rows(rtype, form) if not problems else _refused_form(rtype, form, problems)
        return _new_page(
            request, shown, status=422 if problems else 200, comment=form.text("comment")
        )
    try:
        with audited(_engine(request), visitor) as session:
            record_id, _ = draft_record(
                session, data, actor=visitor.principal.actor, comment=form.text("comment")
            )
    except ValidationFailed as failed:
        shown = form_for(
            rtype, data, other=other, located=locate_problems(rtype, data, failed.problems)
        )
        return _new_page(request, shown, status=422, comment=form.text("comment"))
    except KpfeedError as error:
        shown = form_for(rtype, data, other=other)
        return _new_page(
            request, shown, status=status_for(error), comment=form.text("comment"), error=str(error)
        )
    return redirect(f"{PREFIX}/editor/records/{record_id}", done="created")


def _new_page(
    request: Request, form: RecordForm, *, status: int, comment: str, error: str | None = None
) -> Response:
    return page(
        request,
        "editor_record.html",
        code=status,
        detail=None,
        form=form,
        creating=True,
        types=_TYPES,
        author="",
        action_error=error,
        comment=comment,
    )


@router.get("/records/{record_id}")
def edit_page(request: Request, visitor: EditorVisit, record_id: RecordIdPath) -> Response:
    """The draft editor: the record's current revision as a form, its state and history."""
    return _editor_page(request, record_id)


@router.post("/records/{record_id}")
def save_record(
    request: Request, visitor: EditorVisit, form: CheckedForm, record_id: RecordIdPath
) -> Response:
    """Save the form as a new revision (back to draft), or show it with located problems."""
    with transaction(_engine(request)) as session:
        rtype = record_detail(session, record_id)["type"]
    data, other, problems = record_from_form(rtype, form)
    comment = form.text("comment")
    if form.text("action") == "rows":
        return _editor_page(request, record_id, form=_more_rows(rtype, form), comment=comment)
    if problems:
        shown = form_for(rtype, data, other=other, located=locate_problems(rtype, data, problems))
        return _editor_page(request, record_id, form=shown, status=422, comment=comment)
    expected = form.text("revision")
    try:
        with audited(_engine(request), visitor) as session:
            edit_record(
                session,
                record_id,
                data,
                actor=visitor.principal.actor,
                comment=comment,
                expected_revision=int(expected) if expected.isdigit() else None,
            )
    except ValidationFailed as failed:
        located = locate_problems(rtype, data, failed.problems)
        shown = form_for(rtype, data, other=other, located=located)
        return _editor_page(request, record_id, form=shown, status=422, comment=comment)
    except KpfeedError as error:
        shown = form_for(rtype, data, other=other, located=Located())
        return _editor_page(
            request,
            record_id,
            form=shown,
            status=status_for(error),
            action_error=str(error),
            comment=comment,
        )
    return redirect(f"{PREFIX}/editor/records/{record_id}", done="saved")


def _act(
    request: Request,
    visitor: ConsoleSession,
    record_id: str,
    action: Callable[[Session], object],
    done: str,
) -> Response:
    try:
        with audited(_engine(request), visitor) as session:
            action(session)
    except KpfeedError as error:
        return _editor_page(request, record_id, action_error=str(error), status=status_for(error))
    return redirect(f"{PREFIX}/editor/records/{record_id}", done=done)


@router.post("/records/{record_id}/submit")
def post_submit(
    request: Request, visitor: EditorVisit, form: CheckedForm, record_id: RecordIdPath
) -> Response:
    """Ask another editor to review the current revision."""
    actor = visitor.principal.actor
    return _act(
        request,
        visitor,
        record_id,
        lambda s: submit_for_review(s, record_id, actor=actor),
        "submitted",
    )


@router.post("/records/{record_id}/approve")
def post_approve(
    request: Request, visitor: EditorVisit, form: CheckedForm, record_id: RecordIdPath
) -> Response:
    """Approve the revision in review; refused to the editor who wrote it (four eyes)."""
    actor, comment = visitor.principal.actor, form.text("comment").strip() or None
    return _act(
        request,
        visitor,
        record_id,
        lambda s: approve_record(s, record_id, approver=actor, comment=comment),
        "approved",
    )


@router.post("/records/{record_id}/reject")
def post_reject(
    request: Request, visitor: EditorVisit, form: CheckedForm, record_id: RecordIdPath
) -> Response:
    """Send the record back to draft with what to change."""
    actor, comment = visitor.principal.actor, form.text("comment").strip()
    if not comment:
        return _editor_page(
            request,
            record_id,
            action_error="Say what to change: a record is sent back with a comment.",
            status=422,
        )
    return _act(
        request,
        visitor,
        record_id,
        lambda s: reject_record(s, record_id, reviewer=actor, comment=comment),
        "rejected",
    )


@router.post("/records/{record_id}/retire")
def post_retire(
    request: Request, visitor: EditorVisit, form: CheckedForm, record_id: RecordIdPath
) -> Response:
    """Retire the record: the next release leaves it out; it stays as a tombstone."""
    actor, comment = visitor.principal.actor, form.text("comment").strip()
    if form.text("confirm") != "yes":
        return _editor_page(
            request,
            record_id,
            action_error="Tick the box to confirm the retirement.",
            status=422,
        )
    return _act(
        request,
        visitor,
        record_id,
        lambda s: retire_record(s, record_id, actor=actor, comment=comment),
        "retired",
    )

"""Editors' feedback pages: the triage board, one submission with its triage form, proposals.

Status changes and drafts from proposals go through `feed.feedback` (what the editor API calls).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.engine import Engine
from starlette.responses import Response

from feed.api.problems import status_for
from feed.api.routes_feedback import FEEDBACK_ID
from feed.console.feedback_form import KINDS
from feed.console.forms import Located, locate
from feed.console.routes_feedback import STATUS_LABELS
from feed.console.sessions import CheckedForm, EditorVisit, audited
from feed.console.web import PREFIX, page, redirect
from feed.errors import KpfeedError, ValidationFailed
from feed.feedback import TRANSITIONS, Decision, draft_from_proposal, editor_view, triage_feedback
from feed.model.records import ID_PATTERN
from feed.store import list_releases
from feed.store.db import transaction
from feed.store.feedback import FeedbackStatus, get_submission, list_cycles, triage_history
from feed.store.feedback_queries import (
    FeedbackFilter,
    iter_submissions,
    organisation_names,
    submissions_page,
)

__all__ = ["router"]

router = APIRouter(prefix=f"{PREFIX}/editor", include_in_schema=False)

FeedbackIdPath = Annotated[str, Path(pattern=FEEDBACK_ID)]
COLUMN_SIZE = 50
_RECORD_ID = re.compile(ID_PATTERN)
_TRIAGE_FIELDS = ["status", "reason", "note", "addressed_in", "record_change"]


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@router.get("/feedback")
def board(
    request: Request,
    visitor: EditorVisit,
    cycle: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    record: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Submissions in one column per status, newest first (retracted ones left out)."""
    kind = kind if kind in KINDS else None
    columns: dict[str, list[dict[str, Any]]] = {}
    with transaction(_engine(request)) as session:
        cycles = [c.name for c in list_cycles(session)]
        for status in FeedbackStatus:
            where = FeedbackFilter(
                cycle=cycle or None,
                kind=kind,
                status=status.value,
                record_id=record or None,
                retracted=False,
            )
            rows = submissions_page(session, where, limit=COLUMN_SIZE)
            names = organisation_names(session, {r.organisation_id for r in rows})
            columns[status.value] = [editor_view(r, names.get(r.organisation_id, "")) for r in rows]
    return page(
        request,
        "triage_board.html",
        columns=columns,
        statuses=STATUS_LABELS,
        kinds=KINDS,
        cycles=cycles,
        chosen={"cycle": cycle or "", "kind": kind or "", "record": record or ""},
        column_size=COLUMN_SIZE,
    )


def _one_page(
    request: Request,
    feedback_id: str,
    *,
    located: Located | None = None,
    values: dict[str, str] | None = None,
    action_error: str | None = None,
    status: int = 200,
) -> Response:
    with transaction(_engine(request)) as session:
        row = get_submission(session, feedback_id)
        names = organisation_names(session, {row.organisation_id})
        item = editor_view(row, names.get(row.organisation_id, ""), triage_history(session, row.id))
        releases = [r.version for r in reversed(list_releases(session))]
    proposal = item["submission"].get("proposal")
    can_draft = (
        item["kind"] == "suggestion"
        and isinstance(proposal, dict)
        and proposal.get("what") == "new-record"
        and item["record_change"] is None
        and item["status"] in ("received", "under_review")
        and item["retracted_by"] is None
    )
    return page(
        request,
        "triage_one.html",
        code=status,
        item=item,
        kinds=KINDS,
        statuses=STATUS_LABELS,
        next_statuses=[s.value for s in sorted(TRANSITIONS[FeedbackStatus(item["status"])])],
        releases=releases,
        located=located or Located(),
        values=values or {},
        action_error=action_error,
        can_draft=can_draft,
    )


@router.get("/feedback/{feedback_id}")
def one(request: Request, visitor: EditorVisit, feedback_id: FeedbackIdPath) -> Response:
    """A submission, who sent it, its triage history, and the form to move it along."""
    return _one_page(request, feedback_id)


def _record_change(record: str, revision: str) -> tuple[str, int] | str | None:
    if not record and not revision:
        return None
    if not revision.isdigit() or int(revision) < 1:
        return "give the record's revision number (a whole number, 1 or more)"
    return record, int(revision)


@router.post("/feedback/{feedback_id}/triage")
def post_triage(
    request: Request, visitor: EditorVisit, form: CheckedForm, feedback_id: FeedbackIdPath
) -> Response:
    """Change the status, with the reason the submitter reads and an internal note."""
    values = {name: form.text(name) for name in (*_TRIAGE_FIELDS, "record", "revision")}
    try:
        status = FeedbackStatus(values["status"])
    except ValueError:
        located = Located(by_field={"status": ["choose the new status"]})
        return _one_page(request, feedback_id, located=located, values=values, status=422)
    record = values["record"].strip()
    change = _record_change(record, values["revision"].strip())
    if isinstance(change, str) or (record and not _valid_id(record)):
        why = change if isinstance(change, str) else f"{record!r} is not a record id"
        located = Located(by_field={"record_change": [why]})
        return _one_page(request, feedback_id, located=located, values=values, status=422)
    decision = Decision(
        status=status,
        reason=values["reason"].strip() or None,
        note=values["note"].strip() or None,
        addressed_in=values["addressed_in"].strip() or None,
        record_change=change,
    )
    principal = visitor.principal
    try:
        with audited(_engine(request), visitor) as session:
            triage_feedback(
                session, feedback_id, decision, actor=principal.actor, token_id=principal.token_id
            )
    except ValidationFailed as failed:
        located = locate(failed.problems, _TRIAGE_FIELDS)
        return _one_page(request, feedback_id, located=located, values=values, status=422)
    except KpfeedError as error:
        return _one_page(
            request, feedback_id, values=values, action_error=str(error), status=status_for(error)
        )
    return redirect(f"{PREFIX}/editor/feedback/{feedback_id}", done="triaged")


def _valid_id(record: str) -> bool:
    return _RECORD_ID.match(record) is not None


@router.post("/feedback/{feedback_id}/draft")
def post_draft(
    request: Request, visitor: EditorVisit, form: CheckedForm, feedback_id: FeedbackIdPath
) -> Response:
    """Turn a contributor's new-record proposal into a draft record, linked to the proposal."""
    principal = visitor.principal
    try:
        with audited(_engine(request), visitor) as session:
            record_id, _ = draft_from_proposal(
                session, feedback_id, actor=principal.actor, token_id=principal.token_id
            )
    except ValidationFailed as failed:
        problems = "; ".join(f"{p.pointer}: {p.message}" for p in failed.problems)
        return _one_page(
            request,
            feedback_id,
            action_error=f"The proposed record does not validate: {problems}",
            status=422,
        )
    except KpfeedError as error:
        return _one_page(request, feedback_id, action_error=str(error), status=status_for(error))
    return redirect(f"{PREFIX}/editor/records/{record_id}", done="drafted")


@router.get("/proposals")
def proposals(request: Request, visitor: EditorVisit) -> Response:
    """Contributors' proposals of new records, to turn into drafts."""
    items: list[dict[str, Any]] = []
    with transaction(_engine(request)) as session:
        for row in iter_submissions(session, FeedbackFilter(kind="suggestion", retracted=False)):
            proposal = row.body.get("proposal")
            if isinstance(proposal, dict) and proposal.get("what") == "new-record":
                items.append({"row": row, "record": proposal.get("record") or {}})
            if len(items) >= 200:
                break
        names = organisation_names(session, {i["row"].organisation_id for i in items})
    views = [
        {**editor_view(i["row"], names.get(i["row"].organisation_id, "")), "proposed": i["record"]}
        for i in items
    ]
    return page(request, "proposals.html", items=views, statuses=STATUS_LABELS)

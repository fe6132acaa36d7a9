"""Organisations' pages: submit each kind of feedback, follow what became of it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.engine import Engine
from starlette.responses import Response

from feed.api.readmodel import ReadModel
from feed.api.routes_feedback import FEEDBACK_ID
from feed.config import Settings
from feed.console.feedback_form import KINDS, fields_for, submission_from
from feed.console.forms import Located, locate
from feed.console.sessions import CheckedForm, Form, OrganisationVisit
from feed.console.web import PREFIX, page, redirect
from feed.errors import CycleClosedError, FeedbackError, NotFoundError, ValidationFailed
from feed.feedback import Submitter, submit_feedback, submitter_view
from feed.feedback.views import page_cursor, parse_page_cursor
from feed.store.db import transaction
from feed.store.feedback import FeedbackStatus, SubmissionRow
from feed.store.feedback_queries import FeedbackFilter, submissions_page

__all__ = ["STATUS_LABELS", "router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False)

FeedbackIdPath = Annotated[str, Path(pattern=FEEDBACK_ID)]
#: Statuses in the order a submission goes through them, as people read them.
STATUS_LABELS: dict[str, str] = {
    FeedbackStatus.RECEIVED.value: "received",
    FeedbackStatus.UNDER_REVIEW.value: "under review",
    FeedbackStatus.ACCEPTED.value: "accepted",
    FeedbackStatus.DECLINED.value: "declined",
}
PAGE_SIZE = 50


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@router.get("/feedback")
def my_feedback(
    request: Request,
    visitor: OrganisationVisit,
    status: Annotated[FeedbackStatus | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Your organisation's submissions, newest first, with their status."""
    where = FeedbackFilter(
        organisation_id=visitor.principal.id, status=status.value if status else None
    )
    before = parse_page_cursor(cursor) if cursor else None
    with transaction(_engine(request)) as session:
        rows = submissions_page(session, where, limit=PAGE_SIZE, before=before)
        items = [submitter_view(row) for row in rows]
    return page(
        request,
        "feedback_list.html",
        items=items,
        kinds=KINDS,
        chosen_status=status.value if status else "",
        statuses=STATUS_LABELS,
        next_cursor=page_cursor(rows[-1]) if len(rows) == PAGE_SIZE else None,
    )


def _releases(request: Request) -> list[str]:
    model: ReadModel = request.app.state.read_model
    return [r["version"] for r in model.releases(_engine(request))["items"]]


def _form_page(
    request: Request,
    kind: str,
    values: dict[str, str],
    *,
    located: Located | None = None,
    closed: str | None = None,
    status: int = 200,
) -> Response:
    releases = _releases(request)
    if not values.get("release") and releases:
        values["release"] = releases[0]
    return page(
        request,
        "feedback_form.html",
        code=status,
        kind=kind,
        kinds=KINDS,
        fields=fields_for(kind),
        values=values,
        releases=releases,
        located=located or Located(),
        closed=closed,
        idempotency_key=values.get("idempotency_key") or uuid.uuid4().hex,
    )


@router.get("/feedback/new")
def new_feedback(
    request: Request,
    visitor: OrganisationVisit,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Choose a kind, then fill in its form (a record page's buttons preselect both)."""
    params = request.query_params
    values = {k: params.get(k, "") for k in ("record", "release", "reason", "retracts")}
    return _form_page(request, kind if kind in KINDS else "", values)


def _submit(
    engine: Engine, visitor: OrganisationVisit, body: bytes, key: str, settings: Settings
) -> str:
    principal = visitor.principal
    with transaction(engine, writes=True) as session:
        receipt = submit_feedback(
            session,
            Submitter(principal.id, principal.token_id, principal.actor),
            body,
            idempotency_key=key or None,
            rate_per_minute=settings.feedback_rate_per_minute,
        )
    return receipt.submission_id


def _values(form: Form, kind: str) -> dict[str, str]:
    names = [spec.name for spec in fields_for(kind)] + ["idempotency_key"]
    return {name: form.text(name) for name in names if form.text(name)}


@router.post("/feedback/new")
def post_feedback(request: Request, visitor: OrganisationVisit, form: CheckedForm) -> Response:
    """Build the submission the API would take, and submit it through the same code."""
    kind = form.text("kind")
    if kind not in KINDS:
        return _form_page(request, "", {}, status=422)
    body = submission_from(kind, form)
    values = _values(form, kind)
    settings: Settings = request.app.state.settings
    try:
        submission_id = _submit(
            _engine(request), visitor, orjson.dumps(body), form.text("idempotency_key"), settings
        )
    except ValidationFailed as failed:
        fields = [spec.name for spec in fields_for(kind)]
        labels = {spec.name: spec.label for spec in fields_for(kind)}
        located = locate(failed.problems, fields, labels=labels)
        return _form_page(request, kind, values, located=located, status=422)
    except CycleClosedError as closed:
        return _form_page(request, kind, values, closed=str(closed), status=409)
    except FeedbackError as refused:
        return _form_page(request, kind, values, closed=str(refused), status=422)
    return redirect(f"{PREFIX}/feedback/{submission_id}", done="feedback")


@router.get("/feedback/{feedback_id}")
def one_feedback(
    request: Request, visitor: OrganisationVisit, feedback_id: FeedbackIdPath
) -> Response:
    """One of your organisation's submissions, what it said and what became of it."""
    with transaction(_engine(request)) as session:
        row = session.get(SubmissionRow, feedback_id)
        if row is None or row.organisation_id != visitor.principal.id:
            # The API's rule: unknown ids and other organisations' ids get the same answer.
            raise NotFoundError(f"no feedback {feedback_id!r} from your organisation")
        item: dict[str, Any] = submitter_view(row)
    return page(request, "feedback_one.html", item=item, kinds=KINDS, statuses=STATUS_LABELS)

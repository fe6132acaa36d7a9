"""`/api/v1/feedback`: organisations submit feedback and follow what became of it."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Query, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from feed.accounts import Principal
from feed.api.deps import (
    EngineDep,
    OrganisationPrincipal,
    OrganisationWrite,
    RawBody,
    SessionDep,
    SettingsDep,
    in_transaction,
)
from feed.api.feedback_schemas import SUBMISSION_EXAMPLES, FeedbackOut, FeedbackPage
from feed.api.openapi_extra import body_schema, json_body
from feed.api.problems import PROBLEM_MEDIA_TYPE, ProblemDocument
from feed.errors import NotFoundError
from feed.feedback import Receipt, Submitter, submit_feedback, submitter_view
from feed.feedback.views import page_cursor, parse_page_cursor
from feed.model.feedback import FEEDBACK_ADAPTER, FeedbackKind
from feed.model.records import ID_PATTERN, VERSION_PATTERN
from feed.store.feedback import FeedbackStatus, SubmissionRow
from feed.store.feedback_queries import FeedbackFilter, submissions_page

__all__ = ["COMPONENTS", "FEEDBACK_ID", "RawBody", "router"]

FEEDBACK_ID = r"^[0-9a-f]{32}$"
COMPONENTS = body_schema("FeedbackSubmission", FEEDBACK_ADAPTER)

_PROBLEM = {"model": ProblemDocument, "content": {PROBLEM_MEDIA_TYPE: {}}}


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a problem document."""
    return {**_PROBLEM, "description": description}


router = APIRouter(prefix="/api/v1", tags=["feedback"])


FeedbackId = Annotated[
    str, Path(pattern=FEEDBACK_ID, examples=["9f1c0d6e2b7a4c3d8e5f6a7b8c9d0e1f"])
]


def json_response(data: object, status_code: int = 200, **headers: str) -> Response:
    """Plain data as a JSON response, keys sorted: a replayed answer (read back from the
    store, which keeps JSON with sorted keys) then has the very bytes of the first."""
    return Response(
        orjson.dumps(data, option=orjson.OPT_SORT_KEYS),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


@router.post(
    "/feedback",
    operation_id="submit_feedback",
    summary="Submit feedback",
    status_code=201,
    openapi_extra=json_body("FeedbackSubmission", SUBMISSION_EXAMPLES),
    responses={
        201: {
            "model": FeedbackOut,
            "description": "Stored (or, for a repeated Idempotency-Key, stored before).",
            "headers": {
                "Location": {"description": "URL of the submission.", "schema": {"type": "string"}},
                "Idempotent-Replayed": {
                    "description": "`true` when this is the stored answer to an earlier try.",
                    "schema": {"type": "string"},
                },
            },
        },
        401: problem("No valid token."),
        403: problem("The token is not an organisation's."),
        409: problem("No feedback window is open (says when the next opens)."),
        413: problem("The body is too large."),
        422: problem(
            "The submission is refused (located problems), or the Idempotency-Key was used "
            "for a different submission."
        ),
        429: problem("Too many submissions this minute (see Retry-After)."),
    },
)
async def post_feedback(
    request: Request,
    caller: OrganisationWrite,
    engine: EngineDep,
    settings: SettingsDep,
    body: RawBody,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="A key unique to this submission (e.g. a UUID): a retry with the same "
            "key returns the first answer and stores nothing new.",
        ),
    ] = None,
) -> Response:
    """Submit one piece of feedback about a release and, for most kinds, one of its records.

    The submission joins the open feedback cycle. Send an `Idempotency-Key` so a retry after a
    timeout or a dropped connection is stored once: the same key with the same body returns
    the first answer; the same key with another body is refused.
    """
    releases = request.app.state.published_releases

    def submit(session: Session, principal: Principal) -> Receipt:
        return submit_feedback(
            session,
            Submitter(principal.id, principal.token_id, principal.actor),
            body,
            idempotency_key=idempotency_key,
            rate_per_minute=settings.feedback_rate_per_minute,
            releases=releases,
        )

    # Everything that blocks (token check, submission, commit) in one trip to the threadpool;
    # the body was read before, so a slow client never holds SQLite's write lock.
    receipt = await run_in_threadpool(in_transaction, engine, caller, submit)
    headers = {"Location": f"/api/v1/feedback/{receipt.submission_id}"}
    if receipt.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(receipt.view, 201, **headers)


Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
]
Limit = Annotated[int, Query(ge=1, le=200, description="Submissions per page.")]


@router.get(
    "/feedback",
    operation_id="list_feedback",
    summary="Your organisation's feedback",
    response_model=FeedbackPage,
    responses={401: problem("No valid token."), 403: problem("Not an organisation's token.")},
)
def list_feedback(
    principal: OrganisationPrincipal,
    session: SessionDep,
    cycle: Annotated[str | None, Query(max_length=64, description="Only this cycle.")] = None,
    kind: Annotated[FeedbackKind | None, Query(description="Only this kind.")] = None,
    status: Annotated[FeedbackStatus | None, Query(description="Only this status.")] = None,
    record: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=200, description="Only this record.")
    ] = None,
    release: Annotated[
        str | None, Query(pattern=VERSION_PATTERN, description="Only about this release.")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Submissions of your organisation, newest first, with their status."""
    where = FeedbackFilter(
        organisation_id=principal.id,
        cycle=cycle,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        record_id=record,
        release=release,
    )
    before = parse_page_cursor(cursor) if cursor else None
    rows = submissions_page(session, where, limit=limit, before=before)
    next_cursor = page_cursor(rows[-1]) if len(rows) == limit else None
    return json_response(
        {"items": [submitter_view(row) for row in rows], "next_cursor": next_cursor}
    )


@router.get(
    "/feedback/{feedback_id}",
    operation_id="get_feedback",
    summary="One of your organisation's submissions",
    response_model=FeedbackOut,
    responses={
        401: problem("No valid token."),
        403: problem("Not an organisation's token."),
        404: problem("Your organisation sent no such submission."),
    },
)
def get_feedback(
    principal: OrganisationPrincipal, session: SessionDep, feedback_id: FeedbackId
) -> Response:
    """A submission of your organisation and its status: received, under review, accepted
    (with the release or record change that addresses it) or declined (with a reason)."""
    row = session.get(SubmissionRow, feedback_id)
    if row is None or row.organisation_id != principal.id:
        # One answer for unknown ids and other organisations' ids: neither is confirmed.
        raise NotFoundError(f"no feedback {feedback_id!r} from your organisation")
    return json_response(submitter_view(row))

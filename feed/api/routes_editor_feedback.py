"""`/api/v1/editor/feedback` and `/api/v1/editor/cycles`: editors' view of all feedback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session
from starlette.responses import Response, StreamingResponse

from feed.api.deps import EditorPrincipal, SessionDep
from feed.api.editor_deps import AuditedSession
from feed.api.feedback_schemas import (
    AggregatesOut,
    DraftOut,
    FeedbackEditorOut,
    FeedbackEditorPage,
    TriageIn,
)
from feed.api.routes_feedback import FeedbackId, json_response, problem
from feed.feedback import (
    Decision,
    aggregates_csv,
    draft_from_proposal,
    editor_view,
    feedback_aggregates,
    triage_feedback,
)
from feed.feedback.cycles import CYCLE_NAME
from feed.feedback.stats import RecordAggregate, rows_csv
from feed.feedback.views import iso, page_cursor, parse_page_cursor
from feed.model.feedback import FeedbackKind
from feed.model.records import ID_PATTERN, VERSION_PATTERN
from feed.store.feedback import (
    FeedbackStatus,
    SubmissionRow,
    get_cycle,
    get_submission,
    triage_history,
)
from feed.store.feedback_queries import (
    FeedbackFilter,
    iter_submissions,
    organisation_names,
    submissions_page,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/editor", tags=["editor: feedback"])

EDITOR_ONLY: dict[int | str, dict[str, Any]] = {
    401: problem("No valid token."),
    403: problem("Not an editor's token."),
}
CycleName = Annotated[str, Path(pattern=CYCLE_NAME, examples=["2022"])]


def _filter(
    cycle: Annotated[str | None, Query(max_length=64, description="Only this cycle.")] = None,
    kind: Annotated[FeedbackKind | None, Query(description="Only this kind.")] = None,
    status: Annotated[FeedbackStatus | None, Query(description="Only this status.")] = None,
    record: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=200, description="Only this record.")
    ] = None,
    release: Annotated[
        str | None, Query(pattern=VERSION_PATTERN, description="Only about this release.")
    ] = None,
    organisation: Annotated[
        int | None, Query(ge=1, description="Only from this organisation (id).")
    ] = None,
    retracted: Annotated[
        bool | None, Query(description="Only retracted (true) or not retracted (false).")
    ] = None,
    since: Annotated[datetime | None, Query(description="Received at or after (UTC).")] = None,
    until: Annotated[datetime | None, Query(description="Received before (UTC).")] = None,
) -> FeedbackFilter:
    return FeedbackFilter(
        organisation_id=organisation,
        cycle=cycle,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        record_id=record,
        release=release,
        retracted=retracted,
        since=since,
        until=until,
    )


FeedbackFilterDep = Annotated[FeedbackFilter, Depends(_filter)]


def _views(session: Session, rows: list[SubmissionRow]) -> list[dict[str, object]]:
    names = organisation_names(session, {row.organisation_id for row in rows})
    return [editor_view(row, names.get(row.organisation_id, "")) for row in rows]


def _one(session: Session, row: SubmissionRow) -> dict[str, object]:
    names = organisation_names(session, {row.organisation_id})
    return editor_view(row, names.get(row.organisation_id, ""), triage_history(session, row.id))


@router.get(
    "/feedback",
    operation_id="editor_list_feedback",
    summary="All feedback, filtered",
    response_model=FeedbackEditorPage,
    responses=EDITOR_ONLY,
)
def list_all_feedback(
    _editor: EditorPrincipal,
    session: SessionDep,
    where: FeedbackFilterDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Submissions per page.")] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> Response:
    """Every organisation's submissions, newest first, with who sent them."""
    before = parse_page_cursor(cursor) if cursor else None
    rows = submissions_page(session, where, limit=limit, before=before)
    next_cursor = page_cursor(rows[-1]) if len(rows) == limit else None
    return json_response({"items": _views(session, rows), "next_cursor": next_cursor})


_CSV_COLUMNS = [
    "id",
    "created",
    "organisation",
    "cycle",
    "kind",
    "release",
    "record",
    "status",
    "status_reason",
    "addressed_in",
    "retracted_by",
    "reason",
    "count",
    "field",
    "comment",
]


_EXAMPLE_AGGREGATE = RecordAggregate(
    record="symbol:synthetic-0000001",
    true_positives=12,
    false_positives=3,
    false_positive_reasons={"news-or-research": 2, "quotation": 1},
    sighting_reports=2,
    sightings=420,
    label_disputes=1,
    organisations=4,
)
AGGREGATES_EXAMPLE: dict[str, Any] = {
    "cycle": "2022",
    "totals": {
        "submissions": 18,
        "by_kind": {"true-positive": 12, "false-positive": 3, "sighting": 2, "label-dispute": 1},
        "organisations": 4,
        "records": 1,
        "disputed_records": 1,
        "sightings": 420,
    },
    "records": [_EXAMPLE_AGGREGATE.to_dict()],
}
AGGREGATES_CSV_EXAMPLE = aggregates_csv([_EXAMPLE_AGGREGATE])
FEEDBACK_CSV_EXAMPLE = "".join(
    rows_csv(
        _CSV_COLUMNS,
        [
            [
                "9f1c0d6e2b7a4c3d8e5f6a7b8c9d0e1f",
                "2022-02-01T09:30:00Z",
                "Example Platform Ltd",
                "2022",
                "false-positive",
                "2022.1",
                "symbol:synthetic-0000001",
                "declined",
                "News use is a listed benign use.",
                "",
                "",
                "news-or-research",
                "",
                "",
                "Matched in a news report.",
            ]
        ],
    )
)


def _csv_rows(session: Session, where: FeedbackFilter) -> Iterator[list[object]]:
    names: dict[int, str] = {}
    for row in iter_submissions(session, where):
        if row.organisation_id not in names:
            names.update(organisation_names(session, {row.organisation_id}))
        body = row.body
        yield [
            row.id,
            iso(row.created),
            names.get(row.organisation_id, ""),
            row.cycle,
            row.kind,
            row.release,
            row.record_id,
            row.status,
            row.status_reason,
            row.addressed_in,
            row.retracted_by,
            body.get("reason"),
            body.get("count"),
            body.get("field"),
            body.get("comment"),
        ]


@router.get(
    "/feedback.csv",
    operation_id="editor_export_feedback",
    summary="All feedback, filtered, as CSV",
    response_class=StreamingResponse,
    responses={
        **EDITOR_ONLY,
        200: {"content": {"text/csv": {"example": FEEDBACK_CSV_EXAMPLE}}, "description": "CSV"},
    },
)
def export_feedback(
    _editor: EditorPrincipal, session: SessionDep, where: FeedbackFilterDep
) -> Response:
    """Submissions as CSV, one per line (text that a spreadsheet would run is quoted)."""
    text = "".join(rows_csv(_CSV_COLUMNS, _csv_rows(session, where)))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="feedback.csv"'},
    )


def _aggregates(session: Session, cycle: str | None, record: str | None) -> AggregatesOut:
    if cycle is not None:
        get_cycle(session, cycle)
    totals, records = feedback_aggregates(session, FeedbackFilter(cycle=cycle, record_id=record))
    return AggregatesOut.model_validate(
        {
            "cycle": cycle,
            "totals": totals.__dict__,
            "records": [agg.to_dict() for agg in records],
        }
    )


AggCycle = Annotated[
    str | None, Query(max_length=64, description="Only this cycle (default: every cycle).")
]
AggRecord = Annotated[
    str | None, Query(pattern=ID_PATTERN, max_length=200, description="Only this record.")
]


@router.get(
    "/feedback/aggregates",
    operation_id="editor_feedback_aggregates",
    summary="Aggregates per record and cycle",
    response_model=AggregatesOut,
    responses={
        **EDITOR_ONLY,
        200: {
            "description": "Totals and per-record aggregates.",
            "content": {"application/json": {"example": AGGREGATES_EXAMPLE}},
        },
        404: problem("No such cycle."),
    },
)
def get_aggregates(
    _editor: EditorPrincipal,
    session: SessionDep,
    cycle: AggCycle = None,
    record: AggRecord = None,
) -> AggregatesOut:
    """True and false positives (by reason), disputed records, sightings, corrections,
    suggestions and how many organisations spoke, per record; totals for the cycle."""
    return _aggregates(session, cycle, record)


@router.get(
    "/feedback/aggregates.csv",
    operation_id="editor_feedback_aggregates_csv",
    summary="Aggregates per record as CSV",
    response_class=StreamingResponse,
    responses={
        **EDITOR_ONLY,
        404: problem("No such cycle."),
        200: {
            "content": {"text/csv": {"example": AGGREGATES_CSV_EXAMPLE}},
            "description": "CSV, one line per record",
        },
    },
)
def get_aggregates_csv(
    _editor: EditorPrincipal,
    session: SessionDep,
    cycle: AggCycle = None,
    record: AggRecord = None,
) -> Response:
    """The per-record aggregates as CSV, one column per false-positive reason."""
    if cycle is not None:
        get_cycle(session, cycle)
    _, records = feedback_aggregates(session, FeedbackFilter(cycle=cycle, record_id=record))
    name = f"feedback-aggregates-{cycle or 'all'}.csv"
    return Response(
        aggregates_csv(records),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/feedback/{feedback_id}",
    operation_id="editor_get_feedback",
    summary="One submission with its triage history",
    response_model=FeedbackEditorOut,
    responses={**EDITOR_ONLY, 404: problem("No such submission.")},
)
def get_one_feedback(
    _editor: EditorPrincipal, session: SessionDep, feedback_id: FeedbackId
) -> Response:
    """A submission, who sent it, and every status change with its internal note."""
    return json_response(_one(session, get_submission(session, feedback_id)))


@router.post(
    "/feedback/{feedback_id}/triage",
    operation_id="editor_triage_feedback",
    summary="Change a submission's status",
    response_model=FeedbackEditorOut,
    responses={
        **EDITOR_ONLY,
        404: problem("No such submission."),
        409: problem("The status cannot change that way."),
        422: problem("A reason, release or record change is missing or unknown."),
    },
)
def post_triage(
    editor: EditorPrincipal, session: SessionDep, feedback_id: FeedbackId, body: TriageIn
) -> Response:
    """Move a submission along: under review, accepted (naming the release and/or record
    revision that addresses it) or declined (with a reason the submitter reads)."""
    change = body.record_change
    decision = Decision(
        status=body.status,
        reason=body.reason,
        note=body.note,
        addressed_in=body.addressed_in,
        record_change=(change.record, change.revision) if change else None,
    )
    row = triage_feedback(
        session, feedback_id, decision, actor=editor.actor, token_id=editor.token_id
    )
    return json_response(_one(session, row))


@router.post(
    "/feedback/{feedback_id}/draft",
    operation_id="editor_draft_from_proposal",
    summary="Turn a new-record proposal into a draft record",
    status_code=201,
    response_model=DraftOut,
    responses={
        **EDITOR_ONLY,
        404: problem("No such submission."),
        409: problem("Not a new-record proposal, or triaged already."),
        422: problem("The proposed record no longer validates (located problems)."),
    },
)
def post_draft(
    editor: EditorPrincipal, session: AuditedSession, feedback_id: FeedbackId
) -> Response:
    """Create a draft record from a contributor's proposal; the submission goes under review,
    linked to the draft. Edit, submit and approve the draft with the records endpoints."""
    record_id, revision = draft_from_proposal(
        session, feedback_id, actor=editor.actor, token_id=editor.token_id
    )
    row = get_submission(session, feedback_id)
    return json_response(
        {"record": record_id, "revision": revision, "feedback": _one(session, row)},
        201,
        Location=f"/api/v1/editor/records/{record_id}",
    )

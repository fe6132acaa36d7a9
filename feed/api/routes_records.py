"""`/api/v1/records`: records of a published release, filtered, searched and paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from feed.api.deps import EngineDep, FeedReader
from feed.api.problems import PROBLEM_MEDIA_TYPE, ProblemDocument
from feed.api.readmodel import ReadModel
from feed.api.responses import json_with_etag
from feed.api.schemas import RecordDetail, RecordPage
from feed.model.records import ID_PATTERN, VERSION_PATTERN
from feed.model.vocab import Ambiguity, Ideology, RecordType, Status
from feed.store.search import MemberFilter

__all__ = ["ReadModelDep", "router"]


def get_read_model(request: Request) -> ReadModel:
    """The process's read model (its caches outlive requests)."""
    model: ReadModel = request.app.state.read_model
    return model


ReadModelDep = Annotated[ReadModel, Depends(get_read_model)]

_PROBLEM = {"model": ProblemDocument, "content": {PROBLEM_MEDIA_TYPE: {}}}
PROBLEMS: dict[int | str, dict[str, object]] = {
    400: {**_PROBLEM, "description": "A cursor or search text that cannot be used."},
    401: {**_PROBLEM, "description": "The deployment restricts the feed; no valid token came."},
    404: {**_PROBLEM, "description": "No such published release or record."},
    422: {**_PROBLEM, "description": "A parameter is malformed."},
}
ETAG = {"description": "Not modified: the ETag in If-None-Match is current."}

router = APIRouter(prefix="/api/v1", tags=["records"])

ReleaseParam = Annotated[
    str | None,
    Query(
        pattern=VERSION_PATTERN,
        description="Release to read (default: the newest published).",
        examples=["2024.2"],
    ),
]


@router.get(
    "/records",
    operation_id="list_records",
    summary="Records of a release",
    response_model=RecordPage,
    responses={**PROBLEMS, 304: ETAG},
)
def list_records(
    request: Request,
    engine: EngineDep,
    model: ReadModelDep,
    _reader: FeedReader,
    release: ReleaseParam = None,
    type: Annotated[RecordType | None, Query(description="Only this type.")] = None,
    ideology: Annotated[Ideology | None, Query(description="Carrying this ideology.")] = None,
    region: Annotated[
        str | None, Query(pattern=r"^[A-Z]{2}$", description="Active in this country (ISO 3166).")
    ] = None,
    status: Annotated[Status | None, Query(description="Only this status.")] = None,
    ambiguity: Annotated[Ambiguity | None, Query(description="Only this ambiguity.")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Search names, aliases and numeric codes, ignoring case, accents and "
            "separators (`sonnen rad` finds `Sonnenrad`).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Records per page.")] = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=400, description="`next_cursor` of the previous page."),
    ] = None,
) -> Response:
    """Records of a published release sorted by id, one page at a time.

    The cursor pins the release, so paging goes on over the same release even when a newer
    one is published meanwhile. Send the same filters with each page.
    """
    where = MemberFilter(
        type=type.value if type else None,
        status=status.value if status else None,
        ambiguity=ambiguity.value if ambiguity else None,
        ideology=ideology.value if ideology else None,
        region=region,
        query=q,
    )
    page = model.records_page(engine, release=release, cursor=cursor, where=where, limit=limit)
    return json_with_etag(request, page)


@router.get(
    "/records/{record_id}",
    operation_id="get_record",
    summary="One record, with its history by release",
    response_model=RecordDetail,
    responses={**PROBLEMS, 304: ETAG},
)
def get_record(
    request: Request,
    engine: EngineDep,
    model: ReadModelDep,
    _reader: FeedReader,
    record_id: Annotated[
        str, Path(pattern=ID_PATTERN, max_length=200, examples=["symbol:synthetic-0000001"])
    ],
    release: ReleaseParam = None,
) -> Response:
    """A record as a published release holds it; the feeds link here with `?release=`."""
    return json_with_etag(request, model.record_detail(engine, record_id, release))

"""`/api/v1/releases` and `/api/v1/diff`: published releases and what changed between two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from feed.api.deps import EngineDep, FeedReader
from feed.api.responses import json_with_etag
from feed.api.routes_records import ETAG, PROBLEMS, ReadModelDep
from feed.api.schemas import DiffPage, ReleaseList, ReleaseOut
from feed.model.records import VERSION_PATTERN

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["releases"])

Version = Annotated[str, Path(pattern=VERSION_PATTERN, examples=["2024.2"])]


@router.get(
    "/releases",
    operation_id="list_releases",
    summary="Published releases",
    response_model=ReleaseList,
    responses={401: PROBLEMS[401], 304: ETAG},
)
def list_releases(
    request: Request, engine: EngineDep, model: ReadModelDep, _reader: FeedReader
) -> Response:
    """Every published release, newest first, with notes and counts."""
    return json_with_etag(request, model.releases(engine))


@router.get(
    "/releases/{version}",
    operation_id="get_release",
    summary="One published release",
    response_model=ReleaseOut,
    responses={**PROBLEMS, 304: ETAG},
)
def get_release(
    request: Request, engine: EngineDep, model: ReadModelDep, _reader: FeedReader, version: Version
) -> Response:
    """A published release's metadata, notes and counts."""
    return json_with_etag(request, model.release_doc(engine, version))


@router.get(
    "/diff",
    operation_id="diff_releases",
    summary="What changed between two releases",
    response_model=DiffPage,
    responses={**PROBLEMS, 304: ETAG},
)
def diff_releases(
    request: Request,
    engine: EngineDep,
    model: ReadModelDep,
    _reader: FeedReader,
    from_version: Annotated[
        str, Query(alias="from", pattern=VERSION_PATTERN, description="Compare from this.")
    ],
    to_version: Annotated[
        str, Query(alias="to", pattern=VERSION_PATTERN, description="Compare to this.")
    ],
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page.")] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    """Records added, changed (with the fields that differ) or removed between any two
    published releases, in either direction, sorted by id and paged."""
    page = model.diff_page(
        engine, from_version=from_version, to_version=to_version, cursor=cursor, limit=limit
    )
    return json_with_etag(request, page)

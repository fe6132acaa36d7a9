"""Catalogue pages: browse and search published records, one record, releases and their diffs.

They read through the read API's `ReadModel` (the same search, filters and history), so the
console shows exactly what `/api/v1` serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy.engine import Engine
from starlette.responses import Response

from feed.api.readmodel import ReadModel
from feed.console.diffview import change_views, previous_records
from feed.console.sessions import ReaderVisit
from feed.console.web import PREFIX, page, redirect
from feed.errors import InputError, NotFoundError
from feed.model.records import ID_PATTERN, VERSION_PATTERN
from feed.model.vocab import Ambiguity, Ideology, RecordType, Status
from feed.releasing import release_changes
from feed.store import get_release, release_member_revisions
from feed.store.db import transaction
from feed.store.search import MemberFilter, revision_records
from feed.store.tables import ReleaseState

__all__ = ["FILTERS", "router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False)

RecordIdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=200)]
VersionPath = Annotated[str, Path(pattern=VERSION_PATTERN)]
_RECORD_ID = re.compile(ID_PATTERN)
_VERSION = re.compile(VERSION_PATTERN)
_REGION = re.compile(r"^[A-Z]{2}$")
PAGE_SIZE = 50

#: The catalogue's filters: query parameter -> vocabulary.
FILTERS: dict[str, type[StrEnum]] = {
    "type": RecordType,
    "ideology": Ideology,
    "status": Status,
    "ambiguity": Ambiguity,
}


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _model(request: Request) -> ReadModel:
    model: ReadModel = request.app.state.read_model
    return model


@router.get("/")
def home(request: Request) -> Response:
    """The console starts at the catalogue."""
    return redirect(f"{PREFIX}/records")


@dataclass(frozen=True)
class Search:
    """The catalogue form as sent, and what was wrong with it."""

    values: dict[str, str]
    where: MemberFilter
    release: str | None
    problems: list[str]


def _search(request: Request) -> Search:
    params = request.query_params
    values = {k: params.get(k, "").strip() for k in ("q", "release", "region", *FILTERS)}
    problems: list[str] = []
    chosen: dict[str, str | None] = {}
    for name, vocabulary in FILTERS.items():
        value = values[name]
        allowed = {v.value for v in vocabulary}
        if value and value not in allowed:
            problems.append(f"{name} {value!r} is not one of: {', '.join(sorted(allowed))}")
            value = ""
        chosen[name] = value or None
    region = values["region"].upper()
    if region and not _REGION.match(region):
        problems.append(f"region {values['region']!r} is not a two-letter country code (ISO 3166)")
        region = ""
    release = values["release"]
    if release and not _VERSION.match(release):
        problems.append(f"release {release!r} is not a version like 2024.2")
        release = ""
    query = values["q"][:200] or None
    where = MemberFilter(region=region or None, query=query, **chosen)
    return Search(values, where, release or None, problems)


@router.get("/records")
def catalogue(request: Request, visitor: ReaderVisit) -> Response:
    """Search names, aliases in any language and numeric codes; filter; page through."""
    search = _search(request)
    engine, model = _engine(request), _model(request)
    cursor = request.query_params.get("cursor") or None
    problems = list(search.problems)
    result: dict[str, Any] = {"release": None, "items": [], "next_cursor": None}
    releases: list[dict[str, Any]] = []
    try:
        releases = model.releases(engine)["items"]
        query = search.where.query or ""
        if query and _RECORD_ID.match(query) and cursor is None:
            # A record id typed into the search box opens that record directly.
            model.record_detail(engine, query, search.release)
            return redirect(f"{PREFIX}/records/{query}" + _release_query(search.release))
        result = model.records_page(
            engine,
            release=search.release,
            cursor=cursor,
            where=search.where,
            limit=PAGE_SIZE,
        )
    except (InputError, NotFoundError) as error:
        problems.append(str(error))
    return page(
        request,
        "catalogue.html",
        code=400 if problems and not result["items"] else 200,
        search=search.values,
        filters={name: [v.value for v in vocab] for name, vocab in FILTERS.items()},
        releases=releases,
        result=result,
        problems=problems,
    )


def _release_query(release: str | None) -> str:
    return f"?release={release}" if release else ""


def _related_names(engine: Engine, version: str, record: dict[str, Any]) -> dict[str, str]:
    targets = {rel["target"] for rel in record.get("relations", [])}
    targets |= set(record.get("affiliates", []))
    if not targets:
        return {}
    with transaction(engine) as session:
        members = release_member_revisions(session, version)
        keys = [(rid, members[rid]) for rid in sorted(targets) if rid in members]
        return {r.id: r.name for r in revision_records(session, keys)}


@router.get("/records/{record_id}")
def record_page(
    request: Request, visitor: ReaderVisit, record_id: RecordIdPath, release: str | None = None
) -> Response:
    """Guidance first, then aliases, indicators, designations, relations, sources, history."""
    if release is not None and not _VERSION.match(release):
        raise InputError(f"release {release!r} is not a version like 2024.2")
    engine = _engine(request)
    detail = _model(request).record_detail(engine, record_id, release)
    record = detail["record"]
    aliases: dict[str, list[dict[str, Any]]] = {}
    for alias in record.get("aliases", []):
        aliases.setdefault(alias["language"], []).append(alias)
    return page(
        request,
        "record.html",
        detail=detail,
        record=record,
        aliases=dict(sorted(aliases.items())),
        related=_related_names(engine, detail["release"], record),
    )


@router.get("/releases")
def releases_page(request: Request, visitor: ReaderVisit) -> Response:
    """Every published release, newest first, with its notes and counts."""
    return page(request, "releases.html", releases=_model(request).releases(_engine(request)))


@router.get("/releases/{version}")
def release_page(request: Request, visitor: ReaderVisit, version: VersionPath) -> Response:
    """A published release: its notes and what it changed against the release before."""
    engine = _engine(request)
    with transaction(engine) as session:
        stored = get_release(session, version)
        if stored.state != ReleaseState.PUBLISHED:
            raise NotFoundError(f"no published release {version!r}")
        changes = release_changes(session, version)
        touched = {c.id for c in changes if c.op != "ADD"}
        previous = previous_records(session, stored.previous_version, touched)
    return page(request, "release.html", release=stored, changes=change_views(changes, previous))

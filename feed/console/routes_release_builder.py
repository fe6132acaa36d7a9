"""The release builder: preview the next release's diff, write notes, create, approve, publish.

Creating freezes the approved records (`feed.releasing.create_release`, what `kpfeed release
create` calls); a publisher who did not create it approves it (four eyes) and publishes it
with the server's signing keys (`feed.releasing.publish_release`, what `kpfeed publish` calls).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.engine import Engine
from starlette.responses import Response

from feed.api.problems import status_for
from feed.config import Settings
from feed.console.diffview import ChangeView, change_views, previous_records
from feed.console.sessions import CheckedForm, EditorVisit, PublisherVisit, audited
from feed.console.web import PREFIX, page, redirect
from feed.errors import KeyStoreError, KpfeedError
from feed.model import parse_version
from feed.model.records import VERSION_PATTERN
from feed.releasing import (
    PublishOptions,
    approve_release,
    create_release,
    plan_release,
    publish_release,
    release_changes,
)
from feed.sign.keys import keyring_is_encrypted, load_keyring
from feed.store import StoredRelease, get_release, latest_release, list_releases
from feed.store.db import transaction
from feed.store.tables import ReleaseState

__all__ = ["next_version", "router"]

router = APIRouter(prefix=f"{PREFIX}/editor", include_in_schema=False)

VersionPath = Annotated[str, Path(pattern=VERSION_PATTERN)]
_log = logging.getLogger("kpfeed.console")


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _now() -> datetime:
    return datetime.now(UTC)


def next_version(latest: str | None, today: datetime) -> str:
    """The version to suggest after `latest`: the year's next number, `YYYY.N`."""
    if latest is None:
        return f"{today.year}.1"
    year, number = parse_version(latest)
    return f"{year}.{number + 1}" if year >= today.year else f"{today.year}.1"


def _builder(
    request: Request,
    *,
    version: str | None = None,
    notes: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    preview: list[ChangeView] = []
    counts = None
    problem = None
    with transaction(_engine(request)) as session:
        releases = list(reversed(list_releases(session)))
        latest = latest_release(session)
        pending = latest if latest and latest.state != ReleaseState.PUBLISHED else None
        version = version or next_version(latest.version if latest else None, _now())
        if pending is None:
            try:
                before, snapshot = plan_release(session, version)
                touched = {c.id for c in snapshot.changes if c.op != "ADD"}
                previous = previous_records(session, before.version if before else None, touched)
                preview = change_views(snapshot.changes, previous)
                counts = snapshot.counts
            except KpfeedError as refused:
                problem = str(refused)
    return page(
        request,
        "release_builder.html",
        code=status,
        releases=releases,
        pending=pending,
        version=version,
        notes=notes,
        preview=preview,
        counts=counts,
        problem=problem,
        error=error,
    )


@router.get("/releases")
def builder(
    request: Request,
    visitor: EditorVisit,
    version: Annotated[str | None, Query(pattern=VERSION_PATTERN)] = None,
) -> Response:
    """What the next release would add, change and retire, and the form to create it."""
    return _builder(request, version=version)


@router.post("/releases")
def post_release(request: Request, visitor: EditorVisit, form: CheckedForm) -> Response:
    """Freeze the approved records as a draft release with the notes written."""
    version, notes = form.text("version").strip(), form.text("notes").strip()
    if not notes:
        return _builder(
            request,
            version=version,
            error="Write the release notes: they are published with the release.",
            status=422,
        )
    try:
        with audited(_engine(request), visitor) as session:
            create_release(
                session, version, notes=notes, created_by=visitor.principal.actor, now=_now()
            )
    except KpfeedError as error:
        return _builder(
            request, version=version, notes=notes, error=str(error), status=status_for(error)
        )
    return redirect(f"{PREFIX}/editor/releases/{version}", done="release-created")


def _needs_passphrase(settings: Settings) -> bool:
    if settings.key_passphrase is not None:
        return False
    try:
        return keyring_is_encrypted(settings.key_dir)
    except KeyStoreError:
        return False  # publishing will say what is wrong with the keys


def _release_page(
    request: Request, version: str, *, error: str | None = None, status: int = 200
) -> Response:
    with transaction(_engine(request)) as session:
        stored: StoredRelease = get_release(session, version)
        changes = release_changes(session, version)
        touched = {c.id for c in changes if c.op != "ADD"}
        previous = previous_records(session, stored.previous_version, touched)
    settings: Settings = request.app.state.settings
    return page(
        request,
        "editor_release.html",
        code=status,
        release=stored,
        changes=change_views(changes, previous),
        error=error,
        needs_passphrase=_needs_passphrase(settings),
    )


@router.get("/releases/{version}")
def release_view(request: Request, visitor: EditorVisit, version: VersionPath) -> Response:
    """A stored release: notes, diff, who created and approved it, what is left to do."""
    return _release_page(request, version)


@router.post("/releases/{version}/approve")
def post_approve(
    request: Request, visitor: PublisherVisit, form: CheckedForm, version: VersionPath
) -> Response:
    """The second pair of eyes: a publisher who did not create the release approves it."""
    try:
        with audited(_engine(request), visitor) as session:
            approve_release(session, version, approver=visitor.principal.actor, now=_now())
    except KpfeedError as error:
        return _release_page(request, version, error=str(error), status=status_for(error))
    return redirect(f"{PREFIX}/editor/releases/{version}", done="release-approved")


@router.post("/releases/{version}/publish")
def post_publish(
    request: Request, visitor: PublisherVisit, form: CheckedForm, version: VersionPath
) -> Response:
    """Render, sign and atomically publish the approved release into the published directory."""
    settings: Settings = request.app.state.settings
    passphrase = (
        settings.key_passphrase.get_secret_value()
        if settings.key_passphrase is not None
        else form.text("passphrase") or None
    )
    try:
        keyring = load_keyring(settings.key_dir, passphrase)
        publish_release(
            _engine(request),
            version,
            settings.public_dir,
            keyring=keyring,
            options=PublishOptions.from_settings(settings),
            now=_now(),
            actor=visitor.principal.actor,
            token_id=visitor.principal.token_id,
        )
    except KpfeedError as error:
        message = str(error) if status_for(error) < 500 else _server_side(error)
        return _release_page(request, version, error=message, status=status_for(error))
    return redirect(f"{PREFIX}/editor/releases/{version}", done="release-published")


def _server_side(error: KpfeedError) -> str:
    # Server-side failures may name paths or keys: say what kind of failure, and log the rest.
    _log.error("publish failed: %s: %s", type(error).__name__, error)
    first = (type(error).__doc__ or "").strip().splitlines()
    return f"Publishing failed: {first[0] if first else type(error).__name__} (see the server log)."

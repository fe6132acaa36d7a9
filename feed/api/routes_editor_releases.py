"""`/api/v1/editor/releases`: editors freeze a release, a publisher approves and publishes it.

The same library calls as `kpfeed release create|approve` and `kpfeed publish`: four eyes (the
approver is never the creator), one chain of releases, and a publication that is rendered,
signed and switched atomically into the directory this server serves (`KPFEED_PUBLIC_DIR`),
with the keys in `KPFEED_KEY_DIR` (`KPFEED_KEY_PASSPHRASE` unlocks encrypted ones). The feed,
the read API and the hosted matcher show the new release from the next request on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.responses import Response

from feed.api.deps import EditorPrincipal, EngineDep, PublisherPrincipal, SessionDep, SettingsDep
from feed.api.routes_editor_feedback import EDITOR_ONLY
from feed.api.routes_feedback import json_response, problem
from feed.editing import stamp_audit_token
from feed.model import Counts
from feed.model.records import VERSION_PATTERN
from feed.releasing import (
    PublishOptions,
    approve_release,
    create_release,
    publish_release,
    release_changes,
)
from feed.sign.keys import load_keyring
from feed.store import ReleaseState, StoredRelease, get_release, list_releases

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/editor", tags=["editor: releases"])

Version = Annotated[str, Path(pattern=VERSION_PATTERN, examples=["2022.3"])]
PUBLISHER_ONLY: dict[int | str, dict[str, Any]] = {
    401: problem("No valid token."),
    403: problem("Not a publisher's token, or (four eyes) the publisher created the release."),
}


class ReleaseIn(BaseModel):
    """A new release: its version and notes."""

    version: str = Field(
        pattern=VERSION_PATTERN,
        description="`YYYY.N`, the next in sequence after the latest release.",
        examples=["2022.3"],
    )
    notes: str = Field(
        min_length=1,
        max_length=20_000,
        description="Release notes (Markdown), published with the release.",
        examples=["Autumn update: corrections from the 2022 feedback cycle."],
    )


class ChangeOut(BaseModel):
    """One entry of the release's changes against the release before it."""

    op: str = Field(description="`ADD`, `MOD` or `DEL`.", examples=["MOD"])
    id: str = Field(description="Record id.", examples=["symbol:sonnenrad"])
    revision: int = Field(description="Record revision after the change.", examples=[3])
    fields: list[str] = Field(description="For MOD: top-level fields that changed.")


class EditorReleaseOut(BaseModel):
    """A release as editors see it, drafts included, with who created and approved it."""

    version: str = Field(examples=["2022.3"])
    sequence: int = Field(examples=[3])
    state: ReleaseState = Field(description="`draft`, `approved` or `published`.")
    previous_version: str | None = Field(description="The release this one follows.")
    notes: str = Field(description="Release notes (Markdown).")
    counts: Counts = Field(description="Records added, changed, retired, and in all.")
    created_by: str = Field(description="Who created it.", examples=["editor-alice"])
    created_at: datetime
    approved_by: str | None = Field(description="The second pair of eyes.")
    approved_at: datetime | None
    published_at: datetime | None


class EditorReleaseDetail(EditorReleaseOut):
    """A release with its changes against the release before it."""

    changes: list[ChangeOut]


class EditorReleaseList(BaseModel):
    """Every release, oldest first."""

    items: list[EditorReleaseOut]


class PublicationOut(BaseModel):
    """What a publication wrote."""

    version: str = Field(examples=["2022.3"])
    sequence: int = Field(examples=[3])
    files: int = Field(
        description="Files this publication rendered and signed (feeds, package, changes, "
        "signatures, TUF metadata).",
        examples=[69],
    )
    written: int = Field(description="Files written new.", examples=[25])
    linked: int = Field(
        description="Files hard-linked unchanged from the previous state, earlier releases' "
        "frozen copies included.",
        examples=[115],
    )
    tuf_versions: dict[str, int] = Field(description="TUF metadata versions signed.")
    finished_interrupted: bool = Field(
        description="True when this finished a publication a crash had interrupted."
    )


def _release_doc(stored: StoredRelease) -> dict[str, Any]:
    return EditorReleaseOut.model_validate(stored, from_attributes=True).model_dump(mode="json")


def _detail(session: Session, version: str) -> dict[str, Any]:
    changes = [
        {"op": c.op, "id": c.id, "revision": c.revision, "fields": c.fields}
        for c in release_changes(session, version)
    ]
    return _release_doc(get_release(session, version)) | {"changes": changes}


def _now() -> datetime:
    return datetime.now(UTC)


@router.get(
    "/releases",
    operation_id="editor_list_releases",
    summary="Releases, drafts included",
    response_model=EditorReleaseList,
    responses=EDITOR_ONLY,
)
def get_releases(_editor: EditorPrincipal, session: SessionDep) -> Response:
    """Every release in the store, oldest first: drafts, approved and published."""
    return json_response({"items": [_release_doc(r) for r in list_releases(session)]})


@router.post(
    "/releases",
    operation_id="editor_create_release",
    summary="Create a draft release",
    status_code=201,
    response_model=EditorReleaseDetail,
    responses={
        **EDITOR_ONLY,
        409: problem(
            "The version is not the next in sequence, the previous release is not published "
            "yet, or nothing changed since it."
        ),
    },
)
def post_release(editor: EditorPrincipal, session: SessionDep, body: ReleaseIn) -> Response:
    """Freeze the approved records as a draft release, with its changes against the latest
    release. A publisher (never its creator) approves and publishes it."""
    stamp_audit_token(session, editor.token_id)
    create_release(session, body.version, notes=body.notes, created_by=editor.actor, now=_now())
    return json_response(
        _detail(session, body.version), 201, Location=f"/api/v1/editor/releases/{body.version}"
    )


@router.get(
    "/releases/{version}",
    operation_id="editor_get_release",
    summary="One release with its changes",
    response_model=EditorReleaseDetail,
    responses={**EDITOR_ONLY, 404: problem("No such release.")},
)
def get_one_release(_editor: EditorPrincipal, session: SessionDep, version: Version) -> Response:
    """A release in any state, with its ADD/MOD/DEL changes against the release before it."""
    return json_response(_detail(session, version))


@router.post(
    "/releases/{version}/approve",
    operation_id="editor_approve_release",
    summary="Approve a draft release (four eyes)",
    response_model=EditorReleaseOut,
    responses={
        **PUBLISHER_ONLY,
        404: problem("No such release."),
        409: problem("The release is published already."),
    },
)
def post_approve_release(
    publisher: PublisherPrincipal, session: SessionDep, version: Version
) -> Response:
    """The second pair of eyes on a draft release: a publisher who did not create it."""
    stamp_audit_token(session, publisher.token_id)
    stored = approve_release(session, version, approver=publisher.actor, now=_now())
    return json_response(_release_doc(stored))


@router.post(
    "/releases/{version}/publish",
    operation_id="editor_publish_release",
    summary="Sign and publish an approved release",
    response_model=PublicationOut,
    responses={
        **PUBLISHER_ONLY,
        404: problem("No such release."),
        409: problem("Not approved, not the next release, or published already."),
        500: problem("Signing or writing the published directory failed (logged)."),
    },
)
def post_publish_release(
    publisher: PublisherPrincipal, engine: EngineDep, settings: SettingsDep, version: Version
) -> Response:
    """Render, validate, sign and atomically publish an approved release into the directory this
    server serves; the feed, the read API and the matcher show it from the next request on.
    Publishing the release again after a crash finishes the interrupted publication."""
    passphrase = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    report = publish_release(
        engine,
        version,
        settings.public_dir,
        keyring=load_keyring(settings.key_dir, passphrase),
        options=PublishOptions.from_settings(settings),
        now=_now(),
        actor=publisher.actor,
        token_id=publisher.token_id,
    )
    return json_response(
        {
            "version": report.version,
            "sequence": report.sequence,
            "files": len(report.files),
            "written": report.written,
            "linked": report.linked,
            "tuf_versions": report.tuf_versions,
            "finished_interrupted": report.finished_interrupted,
        }
    )

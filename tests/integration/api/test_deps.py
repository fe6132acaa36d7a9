"""The dependencies later routers build on: one transaction per request, role checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter

from feed.accounts import Role
from feed.api import create_app
from feed.api.deps import (
    AdminPrincipal,
    CompanyPrincipal,
    EditorPrincipal,
    OrganisationPrincipal,
    PublisherPrincipal,
    SessionDep,
)
from feed.errors import ConflictError
from feed.store.audit import list_audit, record_audit
from feed.store.db import make_engine, transaction
from tests.integration.api.common import bearer, running, settings_for

pytestmark = pytest.mark.anyio


def _router() -> APIRouter:
    router = APIRouter(prefix="/test")

    @router.post("/write", status_code=201)
    def write(session: SessionDep, who: EditorPrincipal) -> dict[str, str]:
        record_audit(
            session, actor=who.actor, action="test.write", target="t", token_id=who.token_id
        )
        return {"ok": "yes"}

    @router.post("/write-then-fail")
    def write_then_fail(session: SessionDep, who: EditorPrincipal) -> None:
        record_audit(session, actor=who.actor, action="test.fail", target="t")
        raise ConflictError("synthetic conflict after a write")

    @router.get("/editor")
    def editor(who: EditorPrincipal) -> str:
        return who.role

    @router.get("/publisher")
    def publisher(who: PublisherPrincipal) -> str:
        return who.role

    @router.get("/admin")
    def admin(who: AdminPrincipal) -> str:
        return who.role

    @router.get("/organisation")
    def organisation(who: OrganisationPrincipal) -> str:
        return who.role

    @router.get("/company")
    def company(who: CompanyPrincipal) -> str:
        return who.role

    return router


async def test_a_request_transaction_commits_before_the_response_or_rolls_back_on_error(
    tmp_path: Path, store_url: str, tokens: dict[Role, str]
) -> None:
    app = create_app(settings_for(tmp_path, store_url))
    app.include_router(_router())
    async with running(app) as client:
        created = await client.post("/test/write", headers=bearer(tokens[Role.EDITOR]))
        # visible to another connection as soon as the response arrived
        engine = make_engine(store_url)
        with transaction(engine) as session:
            written = list_audit(session, action="test.write")
        failed = await client.post("/test/write-then-fail", headers=bearer(tokens[Role.EDITOR]))
        with transaction(engine) as session:
            rolled_back = list_audit(session, action="test.fail")
        engine.dispose()
    assert created.status_code == 201
    assert [(e.actor, e.token_id) for e in written] == [
        ("synthetic-editor", tokens[Role.EDITOR].split("_")[1])
    ]
    assert failed.status_code == 409
    assert rolled_back == []


@pytest.mark.parametrize(
    ("route", "allowed"),
    [
        ("/test/editor", {Role.EDITOR, Role.PUBLISHER}),
        ("/test/publisher", {Role.PUBLISHER}),
        ("/test/admin", {Role.ADMIN}),
        ("/test/organisation", {Role.COMPANY, Role.CONTRIBUTOR}),
        ("/test/company", {Role.COMPANY}),
    ],
)
async def test_role_dependencies_admit_exactly_their_roles(
    tmp_path: Path, store_url: str, tokens: dict[Role, str], route: str, allowed: set[Role]
) -> None:
    app = create_app(settings_for(tmp_path, store_url))
    app.include_router(_router())
    async with running(app) as client:
        statuses = {
            role: (await client.get(route, headers=bearer(token))).status_code
            for role, token in tokens.items()
        }
        anonymous = (await client.get(route)).status_code
    assert statuses == {role: 200 if role in allowed else 403 for role in tokens}
    assert anonymous == 401

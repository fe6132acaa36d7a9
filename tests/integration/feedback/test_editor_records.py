"""The editor workflow over HTTP: draft, edit (revisions), review, four eyes, retire, proposals."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from feed.accounts import Role
from feed.store.db import make_engine
from tests.integration.api.common import bearer, client_for
from tests.integration.feedback.common import every_kind, new_record_body
from tests.integration.feedback.conftest import Workspace

pytestmark = pytest.mark.anyio


def _audit(url: str, target: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT action, actor, token_id FROM audit_log WHERE target = :t ORDER BY id"
                ),
                {"t": target},
            )
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


async def test_a_record_goes_from_draft_through_review_to_approval_and_retirement(
    store: Workspace,
) -> None:
    editor = bearer(store.tokens[Role.EDITOR])
    publisher = bearer(store.tokens[Role.PUBLISHER])
    body = new_record_body("synthetic-workflow")
    rid = body["id"]
    url = f"/api/v1/editor/records/{rid}"
    async with client_for(store.settings) as client:
        created = await client.post(
            "/api/v1/editor/records", json={"record": body, "comment": "new"}, headers=editor
        )
        again = await client.post("/api/v1/editor/records", json={"record": body}, headers=editor)
        edited_body = {**body, "name": "Synthetic workflow, renamed"}
        edited = await client.put(
            url, json={"record": edited_body, "expected_revision": 1}, headers=editor
        )
        stale = await client.put(
            url, json={"record": {**body, "name": "Lost"}, "expected_revision": 1}, headers=editor
        )
        early = await client.post(f"{url}/approve", headers=publisher)
        submitted = await client.post(f"{url}/submit", headers=editor)
        own = await client.post(f"{url}/approve", headers=editor)
        approved = await client.post(
            f"{url}/approve", json={"comment": "Sources check out."}, headers=publisher
        )
        retired = await client.post(f"{url}/retire", json={"comment": "Merged."}, headers=editor)
        listed = await client.get(
            "/api/v1/editor/records", headers=editor, params={"state": "retired"}
        )
    assert created.status_code == 201
    assert created.headers["location"] == url
    assert (created.json()["state"], created.json()["revision"]) == ("draft", 1)
    assert again.status_code == 409
    assert edited.json()["revision"] == 2
    assert edited.json()["record"]["name"] == "Synthetic workflow, renamed"
    assert [step["revision"] for step in edited.json()["history"]] == [1, 2]
    assert stale.status_code == 409
    assert early.status_code == 409
    assert submitted.json()["state"] == "in_review"
    assert own.status_code == 403  # four eyes: the author of revision 2 cannot approve it
    assert approved.json()["state"] == "approved"
    assert approved.json()["approved_by"] == "synthetic-publisher"
    assert approved.json()["notes"][0]["text"] == "Sources check out."
    assert retired.json()["state"] == "retired"
    assert [item["id"] for item in listed.json()["items"]] == [rid]
    editor_token = store.tokens[Role.EDITOR].split("_")[1]
    publisher_token = store.tokens[Role.PUBLISHER].split("_")[1]
    assert _audit(store.url, rid) == [
        ("record.create", "synthetic-editor", editor_token),
        ("record.revise", "synthetic-editor", editor_token),
        ("record.submit", "synthetic-editor", editor_token),
        ("record.approve", "synthetic-publisher", publisher_token),
        ("record.retire", "synthetic-editor", editor_token),
    ]


async def test_an_invalid_record_is_refused_with_the_problems_the_cli_reports(
    store: Workspace,
) -> None:
    editor = bearer(store.tokens[Role.EDITOR])
    body = new_record_body("synthetic-broken")
    body["status"] = "dormant"
    body["aliases"] = [{"value": "x", "language": "english", "kind": "translation"}]
    body["revision"] = 4
    body["relations"] = [{"type": "associated-with", "target": "group:nowhere-to-be-found"}]
    async with client_for(store.settings) as client:
        refused = await client.post("/api/v1/editor/records", json={"record": body}, headers=editor)
        missing = await client.get(f"/api/v1/editor/records/{body['id']}", headers=editor)
    assert refused.status_code == 422
    pointers = {e["pointer"]: e["message"] for e in refused.json()["errors"]}
    assert "'dormant'" in pointers["/record/status"]
    assert "/record/aliases/0/language" in pointers
    assert "store" in pointers["/record/revision"]
    assert missing.status_code == 404


async def test_a_contributor_proposal_becomes_a_draft(store: Workspace) -> None:
    contributor = bearer(store.tokens[Role.CONTRIBUTOR])
    editor = bearer(store.tokens[Role.EDITOR])
    proposal = every_kind()["suggestion-new-record"]
    rid = proposal["proposal"]["record"]["id"]
    async with client_for(store.settings) as client:
        sent = await client.post("/api/v1/feedback", json=proposal, headers=contributor)
        feedback_id = sent.json()["id"]
        drafted = await client.post(f"/api/v1/editor/feedback/{feedback_id}/draft", headers=editor)
        twice = await client.post(f"/api/v1/editor/feedback/{feedback_id}/draft", headers=editor)
        record = await client.get(f"/api/v1/editor/records/{rid}", headers=editor)
        followed = await client.get(f"/api/v1/feedback/{feedback_id}", headers=contributor)
        not_a_proposal = await client.post(
            "/api/v1/feedback", json=every_kind()["true-positive"], headers=contributor
        )
        refused = await client.post(
            f"/api/v1/editor/feedback/{not_a_proposal.json()['id']}/draft", headers=editor
        )
    assert sent.status_code == 201
    assert drafted.status_code == 201
    assert drafted.json()["record"] == rid
    assert drafted.json()["revision"] == 1
    assert twice.status_code == 409
    assert "drafted already" in twice.json()["detail"]
    assert record.json()["state"] == "draft"
    assert record.json()["history"][0]["comment"] == f"drafted from feedback {feedback_id}"
    assert followed.json()["status"] == "under_review"
    assert followed.json()["record_change"] == {"record": rid, "revision": 1}
    assert refused.status_code == 409
    editor_token = store.tokens[Role.EDITOR].split("_")[1]
    assert _audit(store.url, rid) == [("record.create", "synthetic-editor", editor_token)]

"""Nobody sees another organisation's feedback except editors; internal notes stay internal."""

from __future__ import annotations

import pytest

from feed.accounts import Role
from tests.integration.api.common import bearer, client_for
from tests.integration.feedback.common import every_kind
from tests.integration.feedback.conftest import Workspace

pytestmark = pytest.mark.anyio

CANARY = "CANARY-7f3e-internal-triage-note"


async def test_an_organisation_sees_only_its_own_feedback_and_editors_see_all(
    store: Workspace,
) -> None:
    company = bearer(store.tokens[Role.COMPANY])
    contributor = bearer(store.tokens[Role.CONTRIBUTOR])
    async with client_for(store.settings) as client:
        mine = await client.post(
            "/api/v1/feedback", json=every_kind()["true-positive"], headers=company
        )
        theirs = await client.post(
            "/api/v1/feedback", json=every_kind()["inconclusive"], headers=contributor
        )
        my_list = await client.get("/api/v1/feedback", headers=company)
        peek = await client.get(theirs.headers["location"], headers=company)
        unknown = await client.get("/api/v1/feedback/" + "0" * 32, headers=company)
        filtered = await client.get(
            "/api/v1/feedback", headers=company, params={"kind": "inconclusive"}
        )
        everyone = await client.get(
            "/api/v1/editor/feedback", headers=bearer(store.tokens[Role.EDITOR])
        )
        as_editor = await client.get(
            f"/api/v1/editor/feedback/{theirs.json()['id']}",
            headers=bearer(store.tokens[Role.PUBLISHER]),
        )
    assert [item["id"] for item in my_list.json()["items"]] == [mine.json()["id"]]
    # Another organisation's submission is answered exactly like one that does not exist.
    assert peek.status_code == unknown.status_code == 404
    assert peek.json()["title"] == unknown.json()["title"]
    assert filtered.json()["items"] == []
    assert {item["organisation"]["name"] for item in everyone.json()["items"]} == {
        "Synthetic company",
        "Synthetic contributor",
    }
    assert as_editor.json()["organisation"]["name"] == "Synthetic contributor"
    assert as_editor.json()["token_id"] == store.tokens[Role.CONTRIBUTOR].split("_")[1]


async def test_internal_triage_notes_never_reach_the_submitter(store: Workspace) -> None:
    company = bearer(store.tokens[Role.COMPANY])
    editor = bearer(store.tokens[Role.EDITOR])
    async with client_for(store.settings) as client:
        sent = await client.post(
            "/api/v1/feedback",
            json=every_kind()["false-positive"],
            headers={**company, "Idempotency-Key": "canary-run"},
        )
        feedback_id = sent.json()["id"]
        for step in (
            {"status": "under_review", "note": CANARY},
            {"status": "declined", "reason": "Matches are in scope.", "note": CANARY},
        ):
            triaged = await client.post(
                f"/api/v1/editor/feedback/{feedback_id}/triage", json=step, headers=editor
            )
            assert triaged.status_code == 200, triaged.text
        seen_by_company = [
            await client.get(f"/api/v1/feedback/{feedback_id}", headers=company),
            await client.get("/api/v1/feedback", headers=company),
            await client.get("/api/v1/feedback", headers=company, params={"status": "declined"}),
            await client.post(
                "/api/v1/feedback",
                json=every_kind()["false-positive"],
                headers={**company, "Idempotency-Key": "canary-run"},
            ),
        ]
        seen_by_editor = await client.get(f"/api/v1/editor/feedback/{feedback_id}", headers=editor)
    for response in seen_by_company:
        assert response.status_code in (200, 201)
        assert CANARY not in response.text
    assert seen_by_company[0].json()["status"] == "declined"
    assert seen_by_company[0].json()["status_reason"] == "Matches are in scope."
    assert CANARY in seen_by_editor.text

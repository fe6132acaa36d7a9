"""Editors triage feedback, link it to what addresses it, and read aggregates and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from feed.accounts import Role
from feed.store.db import make_engine
from tests.integration.api.common import bearer, client_for
from tests.integration.feedback.common import RECORD, every_kind
from tests.integration.feedback.conftest import Workspace

pytestmark = pytest.mark.anyio


async def _send(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> str:
    response = await client.post("/api/v1/feedback", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_triage_moves_a_submission_and_its_submitter_sees_the_outcome(
    store: Workspace,
) -> None:
    company = store.tokens[Role.COMPANY]
    editor = bearer(store.tokens[Role.EDITOR])
    async with client_for(store.settings) as client:
        one = await _send(client, company, every_kind()["correction"])
        two = await _send(client, company, every_kind()["label-dispute"])
        url = f"/api/v1/editor/feedback/{one}/triage"
        review = await client.post(url, json={"status": "under_review"}, headers=editor)
        unaddressed = await client.post(url, json={"status": "accepted"}, headers=editor)
        unknown = await client.post(
            url, json={"status": "accepted", "addressed_in": "2031.1"}, headers=editor
        )
        no_revision = await client.post(
            url,
            json={"status": "accepted", "record_change": {"record": RECORD, "revision": 99}},
            headers=editor,
        )
        accepted = await client.post(
            url,
            json={
                "status": "accepted",
                "reason": "The alias is in the next release.",
                "addressed_in": "2024.2",
                # the catalogue stored RECORD once: revision 1
                "record_change": {"record": RECORD, "revision": 1},
            },
            headers=editor,
        )
        backwards = await client.post(url, json={"status": "received"}, headers=editor)
        no_reason = await client.post(
            f"/api/v1/editor/feedback/{two}/triage", json={"status": "declined"}, headers=editor
        )
        declined = await client.post(
            f"/api/v1/editor/feedback/{two}/triage",
            json={"status": "declined", "reason": "The ambiguity is already high."},
            headers=editor,
        )
        seen = await client.get(f"/api/v1/feedback/{one}", headers=bearer(company))
        seen_declined = await client.get(f"/api/v1/feedback/{two}", headers=bearer(company))
        history = await client.get(f"/api/v1/editor/feedback/{one}", headers=editor)
        accepted_only = await client.get(
            "/api/v1/editor/feedback", headers=editor, params={"status": "accepted"}
        )
    assert review.json()["status"] == "under_review"
    assert unaddressed.status_code == 422
    assert unaddressed.json()["errors"][0]["pointer"] == "/addressed_in"
    assert unknown.status_code == 422
    assert "2031.1" in unknown.json()["errors"][0]["message"]
    assert no_revision.status_code == 422
    assert no_revision.json()["errors"][0]["pointer"] == "/record_change"
    assert accepted.status_code == 200
    assert backwards.status_code == 409
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["pointer"] == "/reason"
    assert declined.json()["status"] == "declined"
    assert seen.json()["status"] == "accepted"
    assert seen.json()["addressed_in"] == "2024.2"
    assert seen.json()["record_change"] == {"record": RECORD, "revision": 1}
    assert seen.json()["status_reason"] == "The alias is in the next release."
    assert seen_declined.json()["status_reason"] == "The ambiguity is already high."
    steps = history.json()["history"]
    assert [(s["from_status"], s["to_status"]) for s in steps] == [
        ("received", "under_review"),
        ("under_review", "accepted"),
    ]
    assert all(s["actor"] == "synthetic-editor" for s in steps)
    assert [item["id"] for item in accepted_only.json()["items"]] == [one]
    engine = make_engine(store.url)
    with engine.connect() as connection:
        audit = connection.execute(
            sa.text("SELECT action, actor, token_id FROM audit_log WHERE target = :t ORDER BY id"),
            {"t": f"feedback:{one}"},
        ).all()
    engine.dispose()
    company_token = company.split("_")[1]
    editor_token = store.tokens[Role.EDITOR].split("_")[1]
    assert [tuple(row) for row in audit] == [
        ("feedback.submit", "organisation:Synthetic company", company_token),
        ("feedback.triage", "synthetic-editor", editor_token),
        ("feedback.triage", "synthetic-editor", editor_token),
    ]


async def test_aggregates_per_record_and_cycle_and_their_csv(store: Workspace) -> None:
    company = store.tokens[Role.COMPANY]
    contributor = store.tokens[Role.CONTRIBUTOR]
    editor = bearer(store.tokens[Role.EDITOR])
    kinds = every_kind()
    async with client_for(store.settings) as client:
        await _send(client, company, kinds["true-positive"])
        await _send(client, company, kinds["sighting"])
        await _send(client, contributor, kinds["false-positive"])
        await _send(client, contributor, {**kinds["sighting"], "count": 5})
        await _send(client, contributor, kinds["correction"])
        await _send(client, company, kinds["usage-report"])
        withdrawn = await _send(client, company, {**kinds["false-positive"], "reason": "outdated"})
        await _send(client, company, {"kind": "retraction", "retracts": withdrawn})
        comment = {**kinds["inconclusive"], "comment": '=HYPERLINK("https://example.org")'}
        await _send(client, company, comment)
        aggregates = await client.get(
            "/api/v1/editor/feedback/aggregates", headers=editor, params={"cycle": "2024"}
        )
        as_csv = await client.get(
            "/api/v1/editor/feedback/aggregates.csv", headers=editor, params={"cycle": "2024"}
        )
        export = await client.get("/api/v1/editor/feedback.csv", headers=editor)
        no_cycle = await client.get(
            "/api/v1/editor/feedback/aggregates", headers=editor, params={"cycle": "1999"}
        )
    data = aggregates.json()
    assert data["totals"] == {
        "submissions": 7,
        "by_kind": {
            "true-positive": 1,
            "false-positive": 1,
            "sighting": 2,
            "correction": 1,
            "usage-report": 1,
            "inconclusive": 1,
        },
        "organisations": 2,
        "records": 1,
        "disputed_records": 1,
        "sightings": 22,
    }
    [record] = data["records"]
    assert record == {
        "record": RECORD,
        "true_positives": 1,
        "false_positives": 1,
        "false_positive_reasons": {"counter-speech": 1},
        "inconclusive": 1,
        "sighting_reports": 2,
        "sightings": 22,
        "label_disputes": 0,
        "corrections": 1,
        "suggestions": 0,
        "organisations": 2,
        "disputed": True,
    }
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 1
    assert rows[0]["record"] == RECORD
    assert rows[0]["disputed"] == "true"
    assert rows[0]["sightings"] == "22"
    assert rows[0]["false_positive:counter-speech"] == "1"
    assert rows[0]["false_positive:outdated"] == "0"
    exported = list(csv.DictReader(io.StringIO(export.text)))
    assert len(exported) == 9
    assert {r["organisation"] for r in exported} == {"Synthetic company", "Synthetic contributor"}
    formula = next(r for r in exported if r["kind"] == "inconclusive")
    assert formula["comment"] == '\'=HYPERLINK("https://example.org")'
    assert next(r for r in exported if r["id"] == withdrawn)["retracted_by"] != ""
    assert no_cycle.status_code == 404

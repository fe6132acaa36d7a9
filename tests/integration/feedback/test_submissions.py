"""Submitting feedback: every kind is taken in, every malformed variant refused, located."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from feed.accounts import Role
from feed.store.db import make_engine
from tests.integration.api.common import bearer, client_for
from tests.integration.feedback.common import (
    DROPPED,
    RECORD,
    RELEASE,
    UNRELEASED,
    every_kind,
    new_record_body,
)
from tests.integration.feedback.conftest import Workspace

pytestmark = pytest.mark.anyio


def stored_rows(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT * FROM feedback_submissions"))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


async def test_every_kind_is_stored_and_its_submitter_follows_it(store: Workspace) -> None:
    company = bearer(store.tokens[Role.COMPANY])
    submissions = every_kind()
    async with client_for(store.settings) as client:
        created: dict[str, dict[str, Any]] = {}
        for name, body in submissions.items():
            response = await client.post("/api/v1/feedback", json=body, headers=company)
            assert response.status_code == 201, (name, response.text)
            location = response.headers["location"]
            assert location == f"/api/v1/feedback/{response.json()['id']}"
            followed = await client.get(location, headers=company)
            assert followed.json() == response.json()
            created[name] = response.json()
        retracted_id = created["false-positive"]["id"]
        retraction = await client.post(
            "/api/v1/feedback",
            json={"kind": "retraction", "retracts": retracted_id, "comment": "Sent by mistake."},
            headers=company,
        )
        listed = await client.get("/api/v1/feedback", headers=company, params={"limit": 200})
        retracted = await client.get(f"/api/v1/feedback/{retracted_id}", headers=company)

    for name, body in submissions.items():
        view = created[name]
        assert view["kind"] == body["kind"]
        assert view["status"] == "received"
        assert view["cycle"] == "2024"
        assert view["release"] == RELEASE
        assert view["record"] == body.get("record")
        assert view["submission"] == body
    assert retraction.status_code == 201
    assert retraction.json()["record"] == RECORD  # taken from the retracted submission
    assert retracted.json()["retracted_by"] == retraction.json()["id"]
    items = listed.json()["items"]
    assert len(items) == len(submissions) + 1
    assert [i["created"] for i in items] == sorted((i["created"] for i in items), reverse=True)
    rows = stored_rows(store.url)
    assert len(rows) == len(submissions) + 1
    sighting = next(r for r in rows if r["kind"] == "sighting")
    assert sighting["sighting_count"] == 17


def _with(kind: str, **changes: Any) -> dict[str, Any]:
    body = dict(every_kind()[kind])
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


#: (what is wrong, body, the pointer the problem must name, words the message must hold)
INVALID: list[tuple[str, Any, str, str]] = [
    ("not JSON", "{kind: oops", "", "not valid JSON"),
    ("not an object", ["true-positive"], "", "object"),
    ("no kind", {"release": RELEASE, "record": RECORD}, "/kind", "missing"),
    ("unknown kind", {"kind": "praise", "release": RELEASE}, "/kind", "'praise' is not a known"),
    ("unknown field", _with("true-positive", score=5), "/score", "unknown field 'score'"),
    ("no record", _with("true-positive", record=None), "/record", "missing"),
    ("malformed record id", _with("inconclusive", record="Symbol X"), "/record", ""),
    ("malformed release", _with("true-positive", release="2024"), "/release", ""),
    ("unpublished release", _with("true-positive", release="2024.3"), "/release", "no published"),
    ("unknown release", _with("true-positive", release="2031.1"), "/release", "2031.1"),
    ("record not in release", _with("true-positive", record=DROPPED), "/record", "not in release"),
    ("record never released", _with("sighting", record=UNRELEASED), "/record", "not in release"),
    ("no reason", _with("false-positive", reason=None), "/reason", "missing"),
    ("unknown reason", _with("false-positive", reason="annoying"), "/reason", "benign-collision"),
    ("count as text", _with("sighting", count="17"), "/count", "integer"),
    ("count zero", _with("sighting", count=0), "/count", "greater than or equal to 1"),
    (
        "period backwards",
        _with("sighting", period={"start": "2024-02-01", "end": "2024-01-01"}),
        "/period/end",
        "before it starts",
    ),
    (
        "bad date",
        _with("sighting", period={"start": "2024-13-01", "end": "2024-12-01"}),
        "/period/start",
        "date",
    ),
    ("bad region", _with("sighting", regions=["Germany"]), "/regions/0", ""),
    ("dispute without argument", _with("label-dispute", argument=None), "/argument", "missing"),
    (
        "disputed field unknown",
        _with("label-dispute", field="/guidance/ambigity"),
        "/field",
        "did you mean 'ambiguity'",
    ),
    ("correction of unknown field", _with("correction", field="/colour"), "/field", "not a field"),
    ("correction of the id", _with("correction", field="/id"), "/field", "cannot be corrected"),
    (
        "correction into a list by name",
        _with("correction", field="/aliases/first"),
        "/field",
        "index",
    ),
    ("correction not a pointer", _with("correction", field="aliases"), "/field", "JSON Pointer"),
    (
        "proposed value of the wrong shape",
        _with("correction", proposed_value={"value": "x", "language": "en", "kind": "nickname"}),
        "/proposed_value/kind",
        "not allowed",
    ),
    (
        "evidence over http",
        _with("correction", evidence="http://example.org/x"),
        "/evidence",
        "https",
    ),
    ("no evidence", _with("correction", evidence=None), "/evidence", "missing"),
    (
        "alias suggestion without record",
        _with("suggestion-alias", record=None),
        "/record",
        "names the record",
    ),
    (
        "alias with unknown kind",
        _with(
            "suggestion-alias",
            proposal={
                "what": "alias",
                "alias": {"value": "x", "language": "de", "kind": "pet-name"},
            },
        ),
        "/proposal/alias/kind",
        "",
    ),
    (
        "unknown proposal",
        _with("suggestion-alias", proposal={"what": "poem"}),
        "/proposal/what",
        "not a known",
    ),
    (
        "new record naming a record",
        _with("suggestion-new-record", record=RECORD),
        "/record",
        "no existing record",
    ),
    (
        "new record breaking the schema",
        _with(
            "suggestion-new-record",
            proposal={"what": "new-record", "record": {**new_record_body(), "status": "dormant"}},
        ),
        "/proposal/record/status",
        "dormant",
    ),
    (
        "new record with a taken id",
        _with(
            "suggestion-new-record",
            proposal={
                "what": "new-record",
                "record": {**new_record_body(), "id": RECORD, "type": RECORD.split(":")[0]},
            },
        ),
        "/proposal/record/id",
        "exists already",
    ),
    (
        "usage without integration",
        _with("usage-report", integration=None),
        "/integration",
        "missing",
    ),
    ("usage naming a record", _with("usage-report", record=RECORD), "/record", "unknown field"),
    (
        "retraction of nothing",
        {"kind": "retraction", "retracts": "0" * 32},
        "/retracts",
        "no feedback",
    ),
]


async def test_each_invalid_variant_is_refused_with_a_located_problem(store: Workspace) -> None:
    company = bearer(store.tokens[Role.COMPANY])
    wrong: list[str] = []
    async with client_for(store.settings) as client:
        for what, body, pointer, words in INVALID:
            content = body if isinstance(body, str) else None
            response = await client.post(
                "/api/v1/feedback",
                content=content,
                json=None if content is not None else body,
                headers={**company, "Content-Type": "application/json"},
            )
            problem = response.json()
            found = {e["pointer"]: e["message"] for e in problem.get("errors", [])}
            if response.status_code != 422 or response.headers["content-type"] != (
                "application/problem+json"
            ):
                wrong.append(f"{what}: {response.status_code} {response.text[:200]}")
            elif pointer not in found or words not in found[pointer]:
                wrong.append(f"{what}: wanted {pointer} ~ {words!r}, got {found}")
    assert wrong == []
    assert stored_rows(store.url) == []


async def test_another_organisations_submission_cannot_be_retracted(store: Workspace) -> None:
    async with client_for(store.settings) as client:
        sent = await client.post(
            "/api/v1/feedback",
            json=every_kind()["true-positive"],
            headers=bearer(store.tokens[Role.COMPANY]),
        )
        refused = await client.post(
            "/api/v1/feedback",
            json={"kind": "retraction", "retracts": sent.json()["id"]},
            headers=bearer(store.tokens[Role.CONTRIBUTOR]),
        )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/retracts"
    assert [row["retracted_by"] for row in stored_rows(store.url)] == [None]

"""The console's forms go through the API's code: the same refusals at the same places, nothing
stored when refused, four eyes, proposals becoming drafts, triage rules."""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlmodel import func, select

from feed.console.record_form import form_for
from feed.editing import record_detail
from feed.model import content_of, parse_record
from feed.store import get_summary, make_engine, transaction
from feed.store.feedback import SubmissionRow
from feed.synthetic import synthetic_record_data
from tests.integration.console.common import sign_in
from tests.integration.console.workspace import COMPANY, CONTRIBUTOR, Workspace
from tests.unit.console.browser import browser_form

EDITOR_A = "synthetic-editor-a"
EDITOR_B = "synthetic-editor-b"


def _submissions(workspace: Workspace) -> int:
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            return int(session.exec(select(func.count()).select_from(SubmissionRow)).one())
    finally:
        engine.dispose()


def _detail(workspace: Workspace, record_id: str) -> dict[str, Any]:
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            return record_detail(session, record_id)
    finally:
        engine.dispose()


def _sent(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields as httpx sends them (a field given twice is a list)."""
    out: dict[str, list[str]] = {}
    for name, value in fields:
        out.setdefault(name, []).append(value)
    return out


def _error_ids(html: str) -> set[str]:
    return set(re.findall(r'<ul class="errors" id="([^"]+)-errors"', html))


def test_the_feedback_form_refuses_what_the_api_refuses_at_the_same_places(
    client: TestClient, workspace: Workspace
) -> None:
    before = _submissions(workspace)
    csrf = sign_in(client, workspace.tokens[COMPANY])
    form = {
        "csrf": csrf,
        "kind": "sighting",
        "release": "2024.2",
        "record": "symbol:synthetic-0000007",
        "count": "0",
        "period.start": "2024-02-01",
        "period.end": "2024-01-01",
        "regions": "DE",
    }
    answer = client.post("/console/feedback/new", data=form)
    assert answer.status_code == 422
    assert _error_ids(answer.text) == {"f-count", "f-period-end"}
    assert (
        'id="f-count" value="0" aria-describedby="f-count-errors" aria-invalid="true"'
        in answer.text
    )
    body = {
        "kind": "sighting",
        "release": "2024.2",
        "record": "symbol:synthetic-0000007",
        "count": 0,
        "period": {"start": "2024-02-01", "end": "2024-01-01"},
        "regions": ["DE"],
    }
    api = client.post(
        "/api/v1/feedback",
        content=orjson.dumps(body),
        headers={"Authorization": f"Bearer {workspace.tokens[COMPANY]}"},
    )
    assert api.status_code == 422
    assert {e["pointer"] for e in api.json()["errors"]} == {"/count", "/period/end"}
    assert _submissions(workspace) == before


def test_a_record_that_is_not_in_the_release_is_refused_beside_the_record_input(
    client: TestClient, workspace: Workspace
) -> None:
    csrf = sign_in(client, workspace.tokens[COMPANY])
    answer = client.post(
        "/console/feedback/new",
        data={
            "csrf": csrf,
            "kind": "true-positive",
            "release": "2024.2",
            "record": "symbol:synthetic-0000010",  # retired in 2024.2
        },
    )
    assert answer.status_code == 422
    assert _error_ids(answer.text) == {"f-record"}
    assert "is not in release 2024.2" in answer.text


def test_sending_the_feedback_form_twice_stores_it_once(
    client: TestClient, workspace: Workspace
) -> None:
    csrf = sign_in(client, workspace.tokens[COMPANY])
    form = client.get("/console/feedback/new", params={"kind": "true-positive"}).text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', form).group(1)  # type: ignore[union-attr]
    data = {
        "csrf": csrf,
        "kind": "true-positive",
        "release": "2024.2",
        "record": "manifesto:synthetic-0000002",
        "idempotency_key": key,
    }
    before = _submissions(workspace)
    first = client.post("/console/feedback/new", data=data, follow_redirects=False)
    second = client.post("/console/feedback/new", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert _submissions(workspace) == before + 1


def test_the_draft_editor_shows_the_validators_problem_beside_its_input_and_saves_nothing(
    client: TestClient, workspace: Workspace
) -> None:
    record_id = "manifesto:synthetic-0000005"
    before = _detail(workspace, record_id)
    csrf = sign_in(client, workspace.tokens[EDITOR_A])
    shown = form_for(before["type"], before["record"])
    fields = [
        (k, "not a language" if k == "aliases.0.language" else v) for k, v in browser_form(shown)
    ]
    fields += [("csrf", csrf), ("revision", str(before["revision"])), ("action", "save")]
    refused = client.post(f"/console/editor/records/{record_id}", data=_sent(fields))
    assert refused.status_code == 422
    assert _error_ids(refused.text) == {"f-aliases-0-language"}
    assert '<a href="#f-aliases-0-language">Aliases, row 1: Language</a>' in refused.text
    assert _detail(workspace, record_id)["revision"] == before["revision"]

    fixed = [(k, "de" if k == "aliases.0.language" else v) for k, v in fields]
    saved = client.post(
        f"/console/editor/records/{record_id}",
        data=_sent(fixed),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    after = _detail(workspace, record_id)
    assert after["revision"] == before["revision"] + 1
    assert after["state"] == "draft"
    expected = dict(before["record"])
    expected["aliases"] = [{**expected["aliases"][0], "language": "de"}, *expected["aliases"][1:]]
    # Only the alias changed: everything the form showed, and what it did not, came back as it was.
    strip = {"revision", "modified", "created"}
    assert {k: v for k, v in after["record"].items() if k not in strip} == {
        k: v for k, v in expected.items() if k not in strip
    }


def test_a_new_record_from_the_form_is_a_draft_at_revision_one(
    client: TestClient, workspace: Workspace
) -> None:
    data = synthetic_record_data(40)  # a symbol the workspace does not hold
    data.pop("relations")
    record = parse_record(data)
    csrf = sign_in(client, workspace.tokens[EDITOR_A])
    fields = [*browser_form(form_for("symbol", content_of(record))), ("csrf", csrf)]
    answer = client.post("/console/editor/records/new", data=_sent(fields), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/editor/records/{record.id}?done=created"
    detail = _detail(workspace, record.id)
    assert (detail["revision"], detail["state"]) == (1, "draft")
    assert detail["history"][0]["author"] == EDITOR_A


def test_the_author_cannot_approve_and_another_editor_can(
    client: TestClient, workspace: Workspace
) -> None:
    record_id = "group:synthetic-0000006"
    csrf = sign_in(client, workspace.tokens[EDITOR_A])
    detail = _detail(workspace, record_id)
    fields = [*browser_form(form_for(detail["type"], detail["record"])), ("csrf", csrf)]
    fields.append(("comment", "A synthetic edit"))
    fields = [(k, "Renamed synthetic group" if k == "name" else v) for k, v in fields]
    client.post(f"/console/editor/records/{record_id}", data=_sent(fields))
    client.post(f"/console/editor/records/{record_id}/submit", data={"csrf": csrf})
    own = client.post(f"/console/editor/records/{record_id}/approve", data={"csrf": csrf})
    assert own.status_code == 403
    assert "another editor must approve it" in own.text
    other = sign_in(client, workspace.tokens[EDITOR_B])
    approved = client.post(
        f"/console/editor/records/{record_id}/approve",
        data={"csrf": other, "comment": "Looks right."},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    after = _detail(workspace, record_id)
    assert (after["state"], after["approved_by"]) == ("approved", EDITOR_B)
    assert after["notes"][-1]["text"] == "Looks right."


def test_a_contributors_proposal_becomes_a_draft_record(
    client: TestClient, workspace: Workspace
) -> None:
    proposed = synthetic_record_data(41)
    proposed.pop("relations")
    csrf = sign_in(client, workspace.tokens[CONTRIBUTOR])
    sent = client.post(
        "/console/feedback/new",
        data={
            "csrf": csrf,
            "kind": "suggestion",
            "release": "2024.2",
            "proposal.what": "new-record",
            "proposal.record": orjson.dumps(proposed).decode(),  # JSON is YAML too
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    feedback_id = sent.headers["location"].split("/")[-1].split("?")[0]
    editor = sign_in(client, workspace.tokens[EDITOR_B])
    assert proposed["name"] in client.get("/console/editor/proposals").text
    drafted = client.post(
        f"/console/editor/feedback/{feedback_id}/draft",
        data={"csrf": editor},
        follow_redirects=False,
    )
    assert drafted.headers["location"] == f"/console/editor/records/{proposed['id']}?done=drafted"
    assert _detail(workspace, proposed["id"])["state"] == "draft"
    sign_in(client, workspace.tokens[CONTRIBUTOR])
    assert "under review" in client.get(f"/console/feedback/{feedback_id}").text


def test_declining_feedback_without_a_reason_is_refused_beside_the_reason(
    client: TestClient, workspace: Workspace
) -> None:
    csrf = sign_in(client, workspace.tokens[EDITOR_B])
    board = client.get("/console/editor/feedback", params={"kind": "true-positive"}).text
    feedback_id = re.findall(r"/console/editor/feedback/([0-9a-f]{32})", board)[0]
    refused = client.post(
        f"/console/editor/feedback/{feedback_id}/triage",
        data={"csrf": csrf, "status": "declined", "note": "internal"},
    )
    assert refused.status_code == 422
    assert _error_ids(refused.text) == {"f-reason"}
    declined = client.post(
        f"/console/editor/feedback/{feedback_id}/triage",
        data={"csrf": csrf, "status": "declined", "reason": "Not about this record."},
        follow_redirects=False,
    )
    assert declined.status_code == 303


def test_whoever_created_a_release_cannot_approve_it(
    client: TestClient, workspace: Workspace
) -> None:
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            approved_now = get_summary(session, "group:synthetic-0000006").state.value
    finally:
        engine.dispose()
    assert approved_now == "approved"  # from the four-eyes test above: there is a change
    csrf = sign_in(client, workspace.tokens["synthetic-publisher-a"])
    builder = client.get("/console/editor/releases").text
    version = re.search(r'id="f-preview-version" value="([0-9.]+)"', builder).group(1)  # type: ignore[union-attr]
    made = client.post(
        "/console/editor/releases",
        data={"csrf": csrf, "version": version, "notes": "Synthetic notes."},
        follow_redirects=False,
    )
    assert made.status_code == 303
    own = client.post(f"/console/editor/releases/{version}/approve", data={"csrf": csrf})
    assert own.status_code == 403
    assert "a second person must approve it" in own.text
    editor = sign_in(client, workspace.tokens[EDITOR_B])
    refused = client.post(f"/console/editor/releases/{version}/approve", data={"csrf": editor})
    assert refused.status_code == 403  # editors create releases; publishers approve them

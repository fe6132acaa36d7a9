"""Limits: feedback windows, body size (413) and the per-organisation rate (429), in the DB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from feed.accounts import Role
from feed.feedback import create_cycle
from feed.store.db import make_engine, transaction
from tests.integration.api.common import bearer, client_for, settings_for
from tests.integration.feedback.common import clear_of_minute_boundary, every_kind
from tests.integration.feedback.conftest import Workspace
from tests.integration.feedback.test_submissions import stored_rows

pytestmark = pytest.mark.anyio


def plan_cycle(url: str, name: str, start: datetime) -> None:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            create_cycle(
                session,
                name,
                window_start=start,
                window_end=start + timedelta(days=90),
                release_target="autumn",
                actor="synthetic-editor",
            )
    finally:
        engine.dispose()


async def test_outside_a_window_the_answer_says_when_the_next_opens(
    closed_store: Workspace,
) -> None:
    company = bearer(closed_store.tokens[Role.COMPANY])
    body = every_kind()["true-positive"]
    async with client_for(closed_store.settings) as client:
        nothing_planned = await client.post("/api/v1/feedback", json=body, headers=company)
        opens = datetime(2031, 1, 1, tzinfo=UTC)
        plan_cycle(closed_store.url, "2031", opens)
        planned = await client.post("/api/v1/feedback", json=body, headers=company)
    assert nothing_planned.status_code == 409
    assert nothing_planned.json()["type"] == "urn:kpfeed:problem:cycle-closed"
    assert "none is planned" in nothing_planned.json()["detail"]
    assert planned.status_code == 409
    assert planned.json()["next_window_opens"] == "2031-01-01T00:00:00Z"
    assert "2031-01-01T00:00:00Z" in planned.json()["detail"]
    assert stored_rows(closed_store.url) == []


async def test_editors_open_and_close_cycles_and_submissions_follow(
    closed_store: Workspace,
) -> None:
    editor = bearer(closed_store.tokens[Role.EDITOR])
    company = bearer(closed_store.tokens[Role.COMPANY])
    body = every_kind()["true-positive"]
    now = datetime.now(UTC)
    cycle = {
        "name": "2024",
        "window_start": (now - timedelta(hours=1)).isoformat(),
        "window_end": (now + timedelta(days=60)).isoformat(),
        "release_target": "2024.3",
    }
    async with client_for(closed_store.settings) as client:
        created = await client.post("/api/v1/editor/cycles", json=cycle, headers=editor)
        before = await client.post("/api/v1/feedback", json=body, headers=company)
        opened = await client.post("/api/v1/editor/cycles/2024/open", headers=editor)
        during = await client.post("/api/v1/feedback", json=body, headers=company)
        plan = {**cycle, "name": "2025"}
        await client.post("/api/v1/editor/cycles", json=plan, headers=editor)
        second = await client.post("/api/v1/editor/cycles/2025/open", headers=editor)
        closed = await client.post("/api/v1/editor/cycles/2024/close", headers=editor)
        after = await client.post("/api/v1/feedback", json=body, headers=company)
        again = await client.post("/api/v1/editor/cycles/2024/close", headers=editor)
        listed = await client.get("/api/v1/editor/cycles", headers=editor)
        backwards = await client.post(
            "/api/v1/editor/cycles",
            json={**cycle, "name": "2026", "window_end": cycle["window_start"]},
            headers=editor,
        )
    assert created.status_code == 201
    assert created.headers["location"] == "/api/v1/editor/cycles/2024"
    assert created.json()["state"] == "planned"
    assert before.status_code == 409
    assert opened.json()["state"] == "open"
    assert during.status_code == 201
    assert during.json()["cycle"] == "2024"
    assert second.status_code == 409
    assert "2024 is open" in second.json()["detail"]
    assert closed.json()["state"] == "closed"
    assert after.status_code == 409
    assert again.status_code == 409
    assert [c["name"] for c in listed.json()["items"]] == ["2024", "2025"]
    assert backwards.status_code == 400
    engine = make_engine(closed_store.url)
    with engine.connect() as connection:
        audit = connection.execute(
            sa.text("SELECT action, token_id FROM audit_log WHERE target = 'cycle:2024'")
        ).all()
    engine.dispose()
    editor_token_id = closed_store.tokens[Role.EDITOR].split("_")[1]
    actions = ["cycle.create", "cycle.open", "cycle.close"]
    assert sorted(tuple(row) for row in audit) == sorted((a, editor_token_id) for a in actions)


async def test_an_oversized_body_is_refused_with_413_and_nothing_is_stored(
    tmp_path: Path, store: Workspace
) -> None:
    settings = settings_for(tmp_path, store.url, max_body_bytes=2048)
    body = {**every_kind()["true-positive"], "comment": "x" * 3000}
    async with client_for(settings) as client:
        response = await client.post(
            "/api/v1/feedback", json=body, headers=bearer(store.tokens[Role.COMPANY])
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "2048" in response.json()["detail"]
    assert stored_rows(store.url) == []


async def test_the_rate_limit_holds_across_workers_sharing_the_database(
    tmp_path: Path, store: Workspace
) -> None:
    limit = 4
    # Two apps with their own engines and pools, as two worker processes would have.
    settings = [
        settings_for(tmp_path / name, store.url, feedback_rate_per_minute=limit)
        for name in ("worker-a", "worker-b")
    ]
    company = bearer(store.tokens[Role.COMPANY])
    body = every_kind()["true-positive"]
    clear_of_minute_boundary()
    async with client_for(settings[0]) as a, client_for(settings[1]) as b:
        answers = [
            await client.post("/api/v1/feedback", json=body, headers=company)
            for client in (a, b, a, b, a, b)
        ]
        other_org = await b.post(
            "/api/v1/feedback", json=body, headers=bearer(store.tokens[Role.CONTRIBUTOR])
        )
    assert [r.status_code for r in answers] == [201] * limit + [429, 429]
    refused = answers[-1]
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert refused.json()["retry_after"] == retry_after
    assert refused.json()["type"] == "urn:kpfeed:problem:rate-limited"
    assert other_org.status_code == 201
    assert len(stored_rows(store.url)) == limit + 1

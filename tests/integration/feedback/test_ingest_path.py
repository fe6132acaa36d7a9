"""The submission path's shortcuts keep their promises: a token checked in the write's own
transaction, and only published releases remembered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from feed.accounts import Role
from feed.feedback import close_cycle
from feed.store.accounts import revoke_token
from feed.store.audit import list_audit
from feed.store.db import make_engine, transaction
from feed.store.feedback import IdempotencyRow, SubmissionRow
from feed.store.ingest import NewSubmission, store_submission
from feed.store.releases import set_release_approved, set_release_published
from tests.integration.api.common import bearer, client_for, settings_for
from tests.integration.feedback.common import (
    RECORD,
    UNRELEASED,
    clear_of_minute_boundary,
    every_kind,
)
from tests.integration.feedback.conftest import Workspace

pytestmark = pytest.mark.anyio


def submission_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(sa.text("SELECT count(*) FROM feedback_submissions"))
            return int(count.scalar_one())
    finally:
        engine.dispose()


async def test_a_token_revoked_between_two_submissions_cannot_send_the_second(
    store: Workspace,
) -> None:
    token = store.tokens[Role.COMPANY]
    body = every_kind()["true-positive"]
    async with client_for(store.settings) as client:
        first = await client.post("/api/v1/feedback", json=body, headers=bearer(token))
        engine = make_engine(store.url)
        with transaction(engine) as session:
            revoke_token(session, token.split("_")[1], actor="synthetic-admin")
        engine.dispose()
        second = await client.post(
            "/api/v1/feedback", json=body, headers={**bearer(token), "Idempotency-Key": "after"}
        )
    assert first.status_code == 201
    assert second.status_code == 401
    assert second.json()["type"] == "urn:kpfeed:problem:unauthenticated"
    assert submission_count(store.url) == 1


async def test_a_submission_is_audited_with_its_token(store: Workspace) -> None:
    token = store.tokens[Role.CONTRIBUTOR]
    async with client_for(store.settings) as client:
        answer = await client.post(
            "/api/v1/feedback", json=every_kind()["true-positive"], headers=bearer(token)
        )
    engine = make_engine(store.url)
    with transaction(engine) as session:
        entries = list_audit(session, action="feedback.submit")
    engine.dispose()
    assert answer.status_code == 201
    assert [(e.target, e.token_id, e.detail) for e in entries] == [
        (
            f"feedback:{answer.json()['id']}",
            token.split("_")[1],
            {"kind": "true-positive", "cycle": "2024", "record": RECORD},
        )
    ]


async def test_a_release_refused_as_unpublished_is_taken_once_it_is_published(
    store: Workspace,
) -> None:
    company = bearer(store.tokens[Role.COMPANY])
    body = {"kind": "true-positive", "release": "2024.3", "record": UNRELEASED}
    async with client_for(store.settings) as client:
        before = await client.post("/api/v1/feedback", json=body, headers=company)
        engine = make_engine(store.url)
        now = datetime.now(UTC)
        with transaction(engine) as session:
            set_release_approved(session, "2024.3", approver="synthetic-publisher", at=now)
            set_release_published(session, "2024.3", at=now)
        engine.dispose()
        after = await client.post("/api/v1/feedback", json=body, headers=company)
    assert before.status_code == 422
    assert [p["pointer"] for p in before.json()["errors"]] == ["/release"]
    assert after.status_code == 201
    assert after.json()["release"] == "2024.3"
    assert submission_count(store.url) == 1


async def test_a_retry_after_the_cycle_closed_gets_its_first_answer(store: Workspace) -> None:
    headers = {**bearer(store.tokens[Role.COMPANY]), "Idempotency-Key": "before-closing"}
    body = every_kind()["true-positive"]
    async with client_for(store.settings) as client:
        first = await client.post("/api/v1/feedback", json=body, headers=headers)
        engine = make_engine(store.url)
        with transaction(engine) as session:
            close_cycle(session, "2024", actor="synthetic-editor")
        engine.dispose()
        retry = await client.post("/api/v1/feedback", json=body, headers=headers)
        other = {**headers, "Idempotency-Key": "after-closing"}
        new = await client.post("/api/v1/feedback", json=body, headers=other)
    assert first.status_code == 201
    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry.headers["idempotent-replayed"] == "true"
    assert new.status_code == 409
    assert submission_count(store.url) == 1


async def test_a_retry_past_the_rate_limit_gets_its_first_answer_and_is_not_counted(
    tmp_path: Path, store: Workspace
) -> None:
    settings = settings_for(tmp_path, store.url, feedback_rate_per_minute=2)
    company = bearer(store.tokens[Role.COMPANY])
    body = every_kind()["true-positive"]
    clear_of_minute_boundary()
    async with client_for(settings) as client:
        keyed = {**company, "Idempotency-Key": "counted-once"}
        first = await client.post("/api/v1/feedback", json=body, headers=keyed)
        second = await client.post("/api/v1/feedback", json=body, headers=company)
        retry = await client.post("/api/v1/feedback", json=body, headers=keyed)
        third = await client.post("/api/v1/feedback", json=body, headers=company)
    assert [first.status_code, second.status_code, retry.status_code] == [201, 201, 201]
    assert retry.content == first.content
    assert third.status_code == 429
    assert submission_count(store.url) == 2


def test_a_submission_stored_by_the_ingest_path_reads_back_like_one_stored_by_the_orm(
    store: Workspace,
) -> None:
    at = datetime(2024, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)
    engine = make_engine(store.url)
    try:
        with transaction(engine) as session:
            token_id = store.tokens[Role.COMPANY].split("_")[1]
            org = int(
                session.connection()
                .execute(
                    sa.text("SELECT organisation_id FROM tokens WHERE id = :t"), {"t": token_id}
                )
                .scalar_one()
            )
            fields: dict[str, Any] = {
                "organisation_id": org,
                "token_id": token_id,
                "cycle": "2024",
                "kind": "sighting",
                "release": "2024.2",
                "record_id": RECORD,
                "sighting_count": 7,
                "body": {"kind": "sighting", "note": "synthétique", "n": [1, None]},
                "status": "received",
                "created": at,
                "updated": at,
            }
            session.add(SubmissionRow(id="a" * 32, **fields))
            session.flush()
            stored = store_submission(
                session,
                NewSubmission(id="b" * 32, **fields),
                key="synthetic-key",
                request_sha256="0" * 64,
                answer={"id": "b" * 32, "none": None},
                minute=1,
                audit={
                    "at": at,
                    "actor": "synthetic",
                    "action": "feedback.submit",
                    "target": "t",
                    "detail": {"a": None},
                    "token_id": token_id,
                },
            )
        with engine.connect() as connection:
            rows = [
                dict(row) | {"id": None}
                for row in connection.execute(
                    sa.text("SELECT * FROM feedback_submissions ORDER BY id")
                ).mappings()
            ]
        with transaction(engine) as session:
            orm, ingested = (session.get(SubmissionRow, i) for i in ("a" * 32, "b" * 32))
            key = session.get(IdempotencyRow, (org, "synthetic-key"))
    finally:
        engine.dispose()
    assert stored.count == 1
    assert rows[0] == rows[1]  # the very values (on SQLite, the very text) the ORM stores
    assert orm is not None
    assert ingested is not None
    assert key is not None
    assert ingested.model_dump(exclude={"id"}) == orm.model_dump(exclude={"id"})
    assert ingested.created == at
    assert (key.submission_id, key.response, key.created) == (
        "b" * 32,
        {"id": "b" * 32, "none": None},
        at,
    )

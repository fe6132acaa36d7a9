"""Idempotency-Key: a retried submission is stored once and answered the same way."""

from __future__ import annotations

import asyncio

import pytest

from feed.accounts import Role
from tests.integration.api.common import bearer, client_for
from tests.integration.feedback.common import every_kind
from tests.integration.feedback.conftest import Workspace
from tests.integration.feedback.test_submissions import stored_rows

pytestmark = pytest.mark.anyio


async def test_the_same_key_twice_stores_one_submission_and_answers_the_same(
    store: Workspace,
) -> None:
    headers = {**bearer(store.tokens[Role.COMPANY]), "Idempotency-Key": "retry-me-1"}
    body = every_kind()["sighting"]
    # The same content with other key order and spacing is the same submission.
    reordered = "{" + ", ".join(f'"{k}": {v!r}' for k, v in reversed(body.items())) + "}"
    reordered = reordered.replace("'", '"')
    async with client_for(store.settings) as client:
        first = await client.post("/api/v1/feedback", json=body, headers=headers)
        second = await client.post("/api/v1/feedback", json=body, headers=headers)
        third = await client.post(
            "/api/v1/feedback",
            content=reordered,
            headers={**headers, "Content-Type": "application/json"},
        )
    assert first.status_code == second.status_code == third.status_code == 201
    assert second.content == first.content
    assert third.content == first.content
    assert second.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert len(stored_rows(store.url)) == 1


async def test_the_same_key_with_another_body_is_refused_and_nothing_is_stored(
    store: Workspace,
) -> None:
    headers = {**bearer(store.tokens[Role.COMPANY]), "Idempotency-Key": "retry-me-2"}
    async with client_for(store.settings) as client:
        first = await client.post(
            "/api/v1/feedback", json=every_kind()["true-positive"], headers=headers
        )
        other = await client.post(
            "/api/v1/feedback", json=every_kind()["inconclusive"], headers=headers
        )
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["type"] == "urn:kpfeed:problem:idempotency"
    assert "retry-me-2" in other.json()["detail"]
    assert [row["kind"] for row in stored_rows(store.url)] == ["true-positive"]


async def test_keys_are_per_organisation(store: Workspace) -> None:
    body = every_kind()["true-positive"]
    async with client_for(store.settings) as client:
        for role in (Role.COMPANY, Role.CONTRIBUTOR):
            headers = {**bearer(store.tokens[role]), "Idempotency-Key": "shared-key"}
            response = await client.post("/api/v1/feedback", json=body, headers=headers)
            assert response.status_code == 201
    assert len({row["organisation_id"] for row in stored_rows(store.url)}) == 2


async def test_concurrent_tries_with_one_key_store_one_submission(store: Workspace) -> None:
    headers = {**bearer(store.tokens[Role.COMPANY]), "Idempotency-Key": "raced"}
    body = every_kind()["false-positive"]
    async with client_for(store.settings) as client:
        answers = await asyncio.gather(
            *(client.post("/api/v1/feedback", json=body, headers=headers) for _ in range(12))
        )
    assert [a.status_code for a in answers] == [201] * 12
    assert len({a.content for a in answers}) == 1
    assert sum(1 for a in answers if "idempotent-replayed" not in a.headers) == 1
    assert len(stored_rows(store.url)) == 1


async def test_a_malformed_key_is_refused(store: Workspace) -> None:
    headers = {**bearer(store.tokens[Role.COMPANY]), "Idempotency-Key": "has spaces in it"}
    async with client_for(store.settings) as client:
        response = await client.post(
            "/api/v1/feedback", json=every_kind()["true-positive"], headers=headers
        )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert stored_rows(store.url) == []

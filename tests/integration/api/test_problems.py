"""Every library error, and every refused request, becomes an RFC 9457 problem document."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from feed import errors
from feed.api import create_app
from feed.api.problems import STATUS_BY_ERROR
from tests.integration.api.common import running, settings_for

pytestmark = pytest.mark.anyio

#: The contract, written out: what a client sees for each error class.
EXPECTED_STATUS = {
    "KpfeedError": 500,
    "ConfigError": 500,
    "InputError": 400,
    "SourceFormatError": 400,
    "ValidationFailed": 422,
    "StoreError": 500,
    "NotFoundError": 404,
    "ConflictError": 409,
    "StateError": 409,
    "StoreUnavailableError": 503,
    "ReleaseError": 409,
    "VersionOrderError": 409,
    "FourEyesError": 403,
    "ImmutableReleaseError": 409,
    "ExportError": 500,
    "PublishError": 500,
    "KeyStoreError": 500,
    "TrustError": 500,
    "BadSignatureError": 500,
    "UnknownKeyError": 500,
    "ExpiredError": 500,
    "RollbackError": 500,
    "MixAndMatchError": 500,
    "IntegrityError": 500,
    "FetchError": 502,
    "TooLargeError": 413,
    "DeltaError": 500,
    "AuthError": 401,
    "UnauthenticatedError": 401,
    "ForbiddenError": 403,
    "FeedbackError": 400,
    "CycleClosedError": 409,
    "IdempotencyError": 422,
    "RateLimitedError": 429,
}

ERROR_CLASSES = {
    name: cls
    for name, cls in vars(errors).items()
    if inspect.isclass(cls) and issubclass(cls, errors.KpfeedError)
}


def _instance(cls: type[errors.KpfeedError]) -> errors.KpfeedError:
    if cls is errors.ValidationFailed:
        return errors.ValidationFailed(
            [errors.Problem("a.yaml", "symbol:synthetic-0001", "/aliases/0/language", "bad tag")]
        )
    if cls is errors.SourceFormatError:
        return errors.SourceFormatError("a.yaml", "not YAML", pointer="/3")
    if cls is errors.RateLimitedError:
        return errors.RateLimitedError("slow down", retry_after=17)
    return cls(f"synthetic {cls.__name__} message")


class Body(BaseModel):
    name: str = Field(min_length=1)
    count: int


def _test_router() -> APIRouter:
    router = APIRouter(prefix="/test")

    @router.get("/raise/{name}")
    def raise_error(name: str) -> None:
        raise _instance(ERROR_CLASSES[name])

    @router.post("/body")
    def take_body(body: Body, limit: int = Query(ge=1, le=10)) -> dict[str, str]:
        return {"name": body.name}

    @router.get("/crash")
    def crash() -> None:
        raise RuntimeError("internal detail that must not leak")

    return router


def test_every_error_class_has_its_own_row_in_the_one_table() -> None:
    assert set(ERROR_CLASSES) == set(EXPECTED_STATUS)
    assert {cls.__name__: status for cls, status in STATUS_BY_ERROR.items()}.keys() <= set(
        EXPECTED_STATUS
    )


@pytest.mark.parametrize("name", sorted(EXPECTED_STATUS))
async def test_each_library_error_becomes_a_problem_document_with_its_status(
    tmp_path: Path, name: str
) -> None:
    app = create_app(settings_for(tmp_path))
    app.include_router(_test_router())
    async with running(app) as client:
        response = await client.get(f"/test/raise/{name}")
    status = EXPECTED_STATUS[name]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    doc = response.json()
    assert doc["status"] == status
    assert doc["type"].startswith("urn:kpfeed:problem:")
    assert doc["title"]
    assert doc["instance"] == f"/test/raise/{name}"
    if status < 500:
        assert doc["detail"] == str(_instance(ERROR_CLASSES[name]))
    else:
        assert "synthetic" not in doc.get("detail", "")  # internals stay in the log
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_validation_problems_carry_located_errors(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path))
    app.include_router(_test_router())
    async with running(app) as client:
        response = await client.get("/test/raise/ValidationFailed")
    assert response.json()["errors"] == [
        {
            "pointer": "/aliases/0/language",
            "message": "bad tag",
            "record_id": "symbol:synthetic-0001",
        }
    ]


async def test_rate_limited_sets_retry_after(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path))
    app.include_router(_test_router())
    async with running(app) as client:
        response = await client.get("/test/raise/RateLimitedError")
    assert response.headers["retry-after"] == "17"
    assert response.json()["retry_after"] == 17


async def test_request_validation_errors_are_problems_with_json_pointers(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path))
    app.include_router(_test_router())
    async with running(app) as client:
        response = await client.post("/test/body?limit=99", json={"name": "", "count": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    doc = response.json()
    assert doc["type"] == "urn:kpfeed:problem:request-validation"
    located = {(e["in"], e["pointer"]) for e in doc["errors"]}
    assert located == {("body", "/name"), ("body", "/count"), ("query", "/limit")}
    assert all(e["message"] for e in doc["errors"])


async def test_unknown_routes_and_methods_are_problems_too(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path))
    async with running(app) as client:
        missing = await client.get("/no/such/route")
        wrong_method = await client.post("/healthz")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405


async def test_an_unexpected_exception_is_a_500_problem_without_its_message(
    tmp_path: Path,
) -> None:
    app = create_app(settings_for(tmp_path))
    app.include_router(_test_router())
    transport_app = app
    async with running(transport_app) as client:
        client._transport = type(client._transport)(app=app, raise_app_exceptions=False)  # type: ignore[call-arg]
        response = await client.get("/test/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "internal detail" not in response.text


async def test_a_body_over_the_size_limit_is_a_413_problem(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, max_body_bytes=2048))
    app.include_router(_test_router())
    async with running(app) as client:
        response = await client.post("/test/body?limit=1", json={"name": "x" * 5000, "count": 1})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_chunked_body_over_the_size_limit_is_a_413_problem(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, max_body_bytes=2048))
    app.include_router(_test_router())

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'", "count": 1}'

    async with running(app) as client:
        response = await client.post(
            "/test/body?limit=1", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"

"""The OpenAPI document shows an example for every request body and every answer, and the
examples are true: they validate, and the documented record is one the editor API accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feed.accounts import Role
from feed.api import create_app
from feed.api.feedback_schemas import AggregatesOut
from feed.api.routes_editor_feedback import AGGREGATES_EXAMPLE
from feed.api.routes_editor_records import RECORD_EXAMPLE
from tests.integration.api.common import bearer, client_for, settings_for

#: Operations whose answer is a published file of any type: documented by its path, not by body.
FILES = {"/feed/{path}"}


def _has_example(
    schema: Any, components: dict[str, Any], seen: frozenset[str] = frozenset()
) -> bool:
    """Whether a schema carries an example itself or in a part of it (following references)."""
    if not isinstance(schema, dict):
        return False
    if "example" in schema or "examples" in schema:
        return True
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return name not in seen and _has_example(components.get(name), components, seen | {name})
    parts = list(schema.get("properties", {}).values())
    for key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties"):
        value = schema.get(key)
        parts += value if isinstance(value, list) else [value]
    return any(_has_example(part, components, seen) for part in parts)


def _documented(media: dict[str, Any], components: dict[str, Any]) -> bool:
    return (
        "example" in media or "examples" in media or _has_example(media.get("schema"), components)
    )


def test_every_body_and_answer_has_an_example(tmp_path: Path) -> None:
    document = create_app(settings_for(tmp_path)).openapi()
    assert document["openapi"].startswith("3.1")
    components = document["components"]["schemas"]
    missing: list[str] = []
    operations = 0
    for path, item in document["paths"].items():
        if path in FILES:
            continue
        for method, operation in item.items():
            operations += 1
            where = f"{method.upper()} {path}"
            body = operation.get("requestBody", {}).get("content", {})
            missing += [
                f"{where} request {m}" for m, v in body.items() if not _documented(v, components)
            ]
            for status, answer in operation["responses"].items():
                if status.startswith("2"):
                    missing += [
                        f"{where} {status} {m}"
                        for m, v in answer.get("content", {}).items()
                        if not _documented(v, components)
                    ]
    assert operations > 30
    assert missing == []


def test_the_documented_aggregates_are_valid() -> None:
    AggregatesOut.model_validate(AGGREGATES_EXAMPLE)


@pytest.mark.anyio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_documented_record_is_one_the_editor_api_accepts(
    tmp_path: Path, store_url: str, tokens: dict[Role, str]
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        created = await client.post(
            "/api/v1/editor/records",
            json={"record": RECORD_EXAMPLE, "comment": "example"},
            headers=bearer(tokens[Role.EDITOR]),
        )
    assert created.status_code == 201, created.text
    assert created.json()["record"]["name"] == RECORD_EXAMPLE["name"]

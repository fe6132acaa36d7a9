"""OpenAPI schemas for request bodies that routes read themselves (strict JSON parsing).

The feedback and editor routes parse their JSON bodies with pydantic's JSON mode (strict, with
located problems), so FastAPI does not see the body models; their schemas are added to the
document's components here and the routes point at them with `openapi_extra`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

__all__ = ["add_components", "body_schema", "json_body"]

_REF = "#/components/schemas/{model}"


def body_schema(name: str, adapter: TypeAdapter[Any]) -> dict[str, dict[str, Any]]:
    """Component schemas for `adapter`'s type under `name`, with its definitions beside it."""
    schema = adapter.json_schema(ref_template=_REF, mode="validation")
    components: dict[str, dict[str, Any]] = dict(schema.pop("$defs", {}))
    components[name] = schema
    return components


def json_body(name: str, examples: dict[str, Any] | None = None) -> dict[str, Any]:
    """An `openapi_extra` declaring a required JSON body of component schema `name`."""
    content: dict[str, Any] = {"schema": {"$ref": _REF.format(model=name)}}
    if examples:
        content["examples"] = {key: {"value": value} for key, value in examples.items()}
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


def _merge(known: dict[str, Any], components: dict[str, dict[str, Any]]) -> None:
    """Add `components` to `known`. A name FastAPI already uses for the same model in its
    serialization form (no defaults, no `additionalProperties: false`) gets our validation
    form as `<Name>Input`, FastAPI's own convention, with our references rewritten."""
    ours = dict(components)
    while clashes := [n for n, body in ours.items() if n in known and known[n] != body]:
        text = json.dumps(ours)
        for name in clashes:
            text = text.replace(f'"{_REF.format(model=name)}"', f'"{_REF.format(model=name)}Input"')
        ours = {f"{n}Input" if n in clashes else n: body for n, body in json.loads(text).items()}
    known.update(ours)


def add_components(app: FastAPI, components: dict[str, dict[str, Any]]) -> None:
    """Put `components` into the app's OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            _merge(schema.setdefault("components", {}).setdefault("schemas", {}), components)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

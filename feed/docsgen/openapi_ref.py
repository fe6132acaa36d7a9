"""The HTTP API reference page, from the OpenAPI document of `feed.api.create_app()`."""

from __future__ import annotations

import importlib
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from feed.config import Settings
from feed.docsgen.markdown import anchor, code, generated_note, heading, inline, table
from feed.docsgen.schema_ref import constraints, definition_section, schema_type

__all__ = ["HTTP_METHODS", "load_openapi", "operation_anchor", "render_http_api"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_PENDING = """\
The HTTP server (`feed.api.create_app`) is not part of this build yet. When it is, this page
is generated from its OpenAPI document: every route, parameter, request body, response and
schema.
"""


def load_openapi() -> dict[str, Any] | None:
    """The server's OpenAPI document, or None while `feed.api.create_app` does not exist.

    The app is built from default settings (never the environment) pointing at a throwaway
    folder, so the page is the same on every machine and building the app writes nothing here.
    """
    try:
        module = importlib.import_module("feed.api")
    except ModuleNotFoundError as error:
        if error.name in ("feed.api", "feed"):
            return None
        raise
    create_app = getattr(module, "create_app", None)
    if create_app is None:
        return None
    with tempfile.TemporaryDirectory(prefix="kpfeed-docs-") as tmp:
        root = Path(tmp)
        settings = Settings.model_construct(
            database_url=f"sqlite:///{root / 'kpfeed.db'}",
            data_dir=root,
            public_dir=root / "public",
            key_dir=root / "keys",
        )
        document: dict[str, Any] = create_app(settings).openapi()
    return document


def operation_anchor(method: str, path: str) -> str:
    """The id of an operation's section, e.g. `get-api-v1-records-record-id`."""
    return anchor(method, path)


def _component_link(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return f"[{name}](#{anchor('schema', name)})"


def render_http_api(document: Mapping[str, Any] | None) -> str:
    """The whole `http-api.md` page (a short placeholder while there is no server)."""
    out = ["# HTTP API", "", generated_note("the server's OpenAPI document")]
    if document is None:
        out.append(_PENDING)
        return "\n".join(out)
    info = document.get("info", {})
    out.extend(
        [
            f"OpenAPI {document.get('openapi', '')}, {inline(info.get('title', ''))} "
            f"version {info.get('version', '')}.",
            "",
            info.get("description", "").strip(),
            "",
            table(
                ["method", "path", "summary"],
                (
                    [
                        method.upper(),
                        f"[{code(path)}](#{operation_anchor(method, path)})",
                        inline(op.get("summary", "")),
                    ]
                    for path, method, op in _operations(document)
                ),
            ),
        ]
    )
    for path, method, op in _operations(document):
        out.extend(["", *_operation_section(path, method, op)])
    schemas = document.get("components", {}).get("schemas", {})
    if schemas:
        out.extend(["", "## Schemas {#schemas}"])
        for name in sorted(schemas):
            section = definition_section(
                name, schemas[name], anchor("schema", name), _component_link
            )
            out.extend(["", *section])
    return "\n".join(out) + "\n"


def _operations(document: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    found = []
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                found.append((path, method, item[method]))
    return found


def _parameter_row(param: Mapping[str, Any]) -> list[str]:
    schema = param.get("schema", {})
    kind = schema_type(schema, _component_link)
    limits = constraints(schema)
    if limits:
        kind += "; " + "; ".join(limits)
    default = code(json.dumps(schema["default"])) if "default" in schema else ""
    return [
        code(param.get("name", "")),
        param.get("in", ""),
        kind,
        "yes" if param.get("required") else "no",
        default,
        inline(param.get("description", "")),
    ]


def _operation_section(path: str, method: str, op: Mapping[str, Any]) -> list[str]:
    lines = [heading(2, f"{method.upper()} {code(path)}", operation_anchor(method, path)), ""]
    if op.get("summary"):
        lines.extend([f"**{inline(op['summary'])}**", ""])
    if op.get("description"):
        lines.extend([op["description"].strip(), ""])
    if op.get("deprecated"):
        lines.extend(["*Deprecated.*", ""])
    params = op.get("parameters", [])
    if params:
        rows = [_parameter_row(param) for param in params]
        lines.extend(
            [
                "**Parameters**",
                "",
                table(["name", "in", "type", "required", "default", "description"], rows),
                "",
            ]
        )
    body = op.get("requestBody")
    if body:
        content = body.get("content", {})
        kinds = "; ".join(
            f"{code(media)}: {schema_type(spec.get('schema', {}), _component_link)}"
            for media, spec in content.items()
        )
        needed = "required" if body.get("required") else "optional"
        lines.extend([f"**Request body** ({needed}): {kinds}", ""])
    responses = op.get("responses", {})
    if responses:
        rows = []
        for status, response in responses.items():
            content = response.get("content", {})
            media = "; ".join(
                f"{code(kind)}: {schema_type(spec.get('schema', {}), _component_link)}"
                if spec.get("schema")
                else code(kind)
                for kind, spec in content.items()
            )
            rows.append([code(str(status)), inline(response.get("description", "")), media])
        lines.extend(["**Responses**", "", table(["status", "description", "body"], rows), ""])
    security = op.get("security")
    if security:
        schemes = sorted({name for requirement in security for name in requirement})
        lines.extend(["Authentication: " + ", ".join(code(s) for s in schemes) + ".", ""])
    return lines[:-1]

"""The published JSON Schemas (Draft 2020-12), generated from the models, and their validators.

`schemas/*.schema.json` are this module's output, committed; `kpfeed schemas --check` (and a
test) fails when they drift from the models. At runtime the schemas are generated from the
models, so an installed kpfeed needs no data files.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from feed.atomic import write_atomic
from feed.errors import ExportError, Problem, ValidationFailed
from feed.messages import schema_problems
from feed.model import (
    RECORD_ADAPTER,
    ChangeSet,
    Group,
    Manifesto,
    PackageManifest,
    PublishedPackage,
    Symbol,
)
from feed.model.records import SLUG_PATTERN

__all__ = [
    "DRAFT",
    "SCHEMAS",
    "SchemaValidator",
    "check_schemas",
    "render_schema",
    "schema_file",
    "schema_for",
    "schema_id",
    "validator_for",
    "write_schemas",
]

DRAFT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class _Doc:
    source: type[BaseModel] | TypeAdapter[Any]
    title: str
    description: str


SCHEMAS: dict[str, _Doc] = {
    "group": _Doc(
        Group,
        "Group record",
        "A violent extremist organisation, movement or network in the EUIF Knowledge Package.",
    ),
    "symbol": _Doc(
        Symbol,
        "Symbol record",
        "A symbol, code, slogan, gesture or image used by violent extremists, with the "
        "guidance and indicators moderators need.",
    ),
    "manifesto": _Doc(
        Manifesto,
        "Manifesto record",
        "A document published by an attacker: described by title, attack and file hashes; "
        "never reproduced or linked.",
    ),
    "record": _Doc(
        RECORD_ADAPTER,
        "Catalogue record",
        "Any record of the catalogue: a group, symbol or manifesto, told apart by `type`.",
    ),
    "package": _Doc(
        PublishedPackage,
        "Published knowledge package (package.json)",
        "One release of the catalogue with every record it holds, sorted by id.",
    ),
    "changes": _Doc(
        ChangeSet,
        "Changes file (changes.json)",
        "How to turn the previous release into this one: ADD, MOD and DEL entries by record id.",
    ),
    "package-source": _Doc(
        PackageManifest,
        "Package source manifest (package.yaml)",
        "The `package.yaml` at the top of a knowledge package source directory.",
    ),
}


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, adjusted so the schema says exactly what the model accepts."""

    def handle_ref_overrides(self, json_schema: JsonSchemaValue) -> JsonSchemaValue:
        # Pydantic drops a property's title/description when they equal the referenced
        # definition's; consumers read properties, so every property keeps its own.
        return json_schema

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        # patternProperties alone lets keys outside the pattern through; the model refuses them.
        json_schema = super().dict_schema(schema)
        if "patternProperties" in json_schema and "additionalProperties" not in json_schema:
            json_schema["additionalProperties"] = False
        return json_schema


def _typed_ids(node: Any) -> None:
    """Make each record type's `id` pattern demand its own prefix (`symbol:...` for symbols)."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            type_schema = props.get("type")
            rtype = type_schema.get("const") if isinstance(type_schema, dict) else None
            if rtype in ("group", "symbol", "manifesto") and "id" in props:
                props["id"]["pattern"] = f"^{rtype}:" + SLUG_PATTERN[1:]
        for value in node.values():
            _typed_ids(value)
    elif isinstance(node, list):
        for value in node:
            _typed_ids(value)


def schema_id(name: str) -> str:
    """The `$id` of a published schema, e.g. `urn:kpfeed:schema:1:symbol`."""
    return f"urn:kpfeed:schema:1:{name}"


def schema_file(name: str) -> str:
    """The file name a schema is published under, e.g. `symbol.schema.json`."""
    return f"{name}.schema.json"


@cache
def _generated(name: str) -> dict[str, Any]:
    doc = SCHEMAS[name]
    if isinstance(doc.source, TypeAdapter):
        body = doc.source.json_schema(schema_generator=_Generator, mode="validation")
    else:
        body = doc.source.model_json_schema(schema_generator=_Generator, mode="validation")
    _typed_ids(body)
    body.pop("title", None)
    body.pop("description", None)
    return {
        "$schema": DRAFT,
        "$id": schema_id(name),
        "title": doc.title,
        "description": doc.description,
        **body,
    }


def schema_for(name: str) -> dict[str, Any]:
    """The schema document `name` (one of SCHEMAS) as plain data; a fresh copy each call."""
    if name not in SCHEMAS:
        raise KeyError(f"no schema named {name!r} (known: {', '.join(SCHEMAS)})")
    return copy.deepcopy(_generated(name))


def render_schema(name: str) -> bytes:
    """The schema's published bytes: sorted keys, 2-space indent, UTF-8, trailing newline."""
    text = json.dumps(_generated(name), indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema into `directory` (atomically, one file each); returns the paths."""
    written: list[Path] = []
    try:
        for name in SCHEMAS:
            path = directory / schema_file(name)
            write_atomic(path, render_schema(name))
            written.append(path)
    except OSError as error:
        raise ExportError(f"cannot write schemas to {directory}: {error.strerror}") from error
    return written


def check_schemas(directory: Path) -> list[str]:
    """Names of schema files in `directory` that are missing, differ from the models, or are
    left over from a schema that no longer exists. Empty when everything is current."""
    drifted: list[str] = []
    expected = {schema_file(name): name for name in SCHEMAS}
    for file_name, name in expected.items():
        path = directory / file_name
        try:
            current = path.read_bytes()
        except OSError:
            drifted.append(f"{file_name} (missing)")
            continue
        if current != render_schema(name):
            drifted.append(f"{file_name} (differs from the models)")
    if directory.is_dir():
        for path in sorted(directory.glob("*.schema.json")):
            if path.name not in expected:
                drifted.append(f"{path.name} (no longer generated)")
    return drifted


@dataclass(frozen=True)
class SchemaValidator:
    """A compiled published schema: fast yes/no, and located problems a person can act on."""

    name: str
    schema: dict[str, Any]
    _compiled: jsonschema_rs.Validator = field(repr=False)

    def is_valid(self, instance: Any) -> bool:
        """True when `instance` (plain JSON data) conforms; fast (compiled, Rust)."""
        return self._compiled.is_valid(instance)

    def problems(
        self, instance: Any, *, file: str | None = None, record_id: str | None = None
    ) -> list[Problem]:
        """Every way `instance` breaks the schema, located; empty when it conforms."""
        if self._compiled.is_valid(instance):
            return []
        errors = self._compiled.iter_errors(instance)
        return schema_problems(errors, self.schema, instance, file=file, record_id=record_id)

    def check(self, instance: Any, *, file: str | None = None) -> None:
        """Raise ValidationFailed listing every problem unless `instance` conforms."""
        problems = self.problems(instance, file=file)
        if problems:
            raise ValidationFailed(problems)


@cache
def validator_for(name: str) -> SchemaValidator:
    """The compiled validator of schema `name`, with format checks (date, date-time, uuid, uri).

    Cached: compile once per process. Renderers and publish check JSON artifacts with it, e.g.
    `validator_for("package").check(json.loads(data), file="package.json")`.
    """
    schema = schema_for(name)
    compiled = jsonschema_rs.validator_for(schema, validate_formats=True)
    return SchemaValidator(name, schema, compiled)

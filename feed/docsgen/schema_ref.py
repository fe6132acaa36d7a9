"""The schema reference page, read from the published JSON Schemas in `schemas/`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feed.docsgen.markdown import anchor, code, generated_note, heading, inline, table
from feed.errors import ExportError

__all__ = [
    "FieldDoc",
    "constraints",
    "def_anchor",
    "definition_section",
    "fields_of",
    "fields_table",
    "load_schemas",
    "render_schema_page",
    "schema_type",
]

Schema = Mapping[str, Any]
RefLink = Callable[[str], str]

# The order readers look for them in; files not named here follow alphabetically.
_ORDER = ("record", "group", "symbol", "manifesto", "package", "changes", "package-source")


@dataclass(frozen=True)
class FieldDoc:
    """One field of an object schema: a row of its table (nested fields get dotted names)."""

    name: str
    schema: Schema
    required: bool


def def_anchor(name: str) -> str:
    """The id of a definition's section, e.g. `def-alias`."""
    return anchor("def", name)


def _local_link(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return f"[{name}](#{def_anchor(name)})"


def load_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    """The `*.schema.json` files of `directory` by name (`symbol`, ...), in reading order."""
    files = sorted(directory.glob("*.schema.json"))
    if not files:
        raise ExportError(f"no *.schema.json files in {directory}")
    loaded: dict[str, dict[str, Any]] = {}
    for path in files:
        try:
            loaded[path.name.removesuffix(".schema.json")] = json.loads(path.read_bytes())
        except (OSError, ValueError) as error:
            raise ExportError(f"cannot read {path}: {error}") from error
    rank = {name: i for i, name in enumerate(_ORDER)}
    return dict(sorted(loaded.items(), key=lambda item: (rank.get(item[0], len(_ORDER)), item[0])))


def fields_of(schema: Schema, prefix: str = "") -> Iterator[FieldDoc]:
    """The fields of an object schema, with inline objects' fields as `parent.child` rows."""
    required = set(schema.get("required", ()))
    for name, sub in schema.get("properties", {}).items():
        dotted = f"{prefix}{name}"
        yield FieldDoc(dotted, sub, name in required)
        for inner, suffix in _inline_objects(sub):
            yield from fields_of(inner, f"{dotted}{suffix}.")


def _inline_objects(schema: Schema) -> Iterator[tuple[Schema, str]]:
    """Object schemas written inline (not by `$ref`) under a field, with the path suffix."""
    if "properties" in schema:
        yield schema, ""
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, ()):
            yield from _inline_objects(member)
    items = schema.get("items")
    if isinstance(items, Mapping):
        for inner, suffix in _inline_objects(items):
            yield inner, "[]" + suffix


def schema_type(schema: Schema, link: RefLink = _local_link) -> str:
    """A reader's description of a schema's type, with `$ref`s as links."""
    if "$ref" in schema:
        return link(schema["$ref"])
    if "const" in schema:
        return "constant " + code(json.dumps(schema["const"], ensure_ascii=False))
    if "enum" in schema:
        return "one of " + ", ".join(code(_scalar(v)) for v in schema["enum"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            members = [m for m in schema[key] if m.get("type") != "null"]
            joiner = " and " if key == "allOf" else " or "
            text = joiner.join(schema_type(m, link) for m in members)
            if len(members) < len(schema[key]):
                text += " or null"
            return text
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        items = schema.get("items")
        inner = schema_type(items, link) if isinstance(items, Mapping) else "anything"
        return f"array of {inner}"
    if kind == "object" or "properties" in schema:
        return _object_type(schema, link)
    if kind == "string" and "format" in schema:
        return f"string ({schema['format']})"
    return str(kind or "any")


def _object_type(schema: Schema, link: RefLink) -> str:
    patterns = schema.get("patternProperties") or {}
    if patterns:
        key_pattern, value = next(iter(patterns.items()))
        return f"map from keys matching {code(key_pattern)} to {schema_type(value, link)}"
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping):
        return f"map of {schema_type(extra, link)}"
    if "properties" in schema:
        return "object (fields below)"
    return "object"


def _scalar(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def constraints(schema: Schema) -> list[str]:
    """The limits a value must meet, in words (members of an `anyOf` and array items too)."""
    out: list[str] = []
    for key in ("anyOf", "oneOf"):
        for member in schema.get(key, ()):
            out.extend(constraints(member))
    if "pattern" in schema:
        out.append("matches " + code(schema["pattern"]))
    for key, words in (
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minimum", "≥ {}"),
        ("exclusiveMinimum", "> {}"),
        ("maximum", "≤ {}"),
        ("exclusiveMaximum", "< {}"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
    ):
        if key in schema:
            out.append(words.format(schema[key]))
    if schema.get("uniqueItems"):
        out.append("no duplicates")
    items = schema.get("items")
    if isinstance(items, Mapping) and "$ref" not in items:
        out.extend(f"each {text}" for text in constraints(items))
    names = schema.get("propertyNames")
    if isinstance(names, Mapping) and "pattern" in names:
        out.append("keys match " + code(names["pattern"]))
    if schema.get("examples"):
        out.append("e.g. " + ", ".join(code(_scalar(v)) for v in schema["examples"][:3]))
    return out


def fields_table(schema: Schema, link: RefLink = _local_link) -> str:
    """The table of an object schema's fields: type, required, default, limits, description."""
    rows = []
    for field in fields_of(schema):
        sub = field.schema
        default = code(json.dumps(sub["default"], ensure_ascii=False)) if "default" in sub else ""
        rows.append(
            [
                code(field.name),
                schema_type(sub, link),
                "yes" if field.required else "no",
                default,
                "; ".join(constraints(sub)),
                inline(sub.get("description", "")),
            ]
        )
    return table(["field", "type", "required", "default", "limits", "description"], rows)


def definition_section(
    name: str, schema: Schema, anchor_id: str, link: RefLink = _local_link, level: int = 3
) -> list[str]:
    """One definition: its description, then its fields or its allowed values."""
    lines = [heading(level, name, anchor_id), ""]
    if schema.get("description"):
        lines.extend([inline(schema["description"]), ""])
    if "properties" in schema:
        lines.append(fields_table(schema, link))
        if schema.get("additionalProperties") is False:
            lines.extend(["", "No other fields are allowed."])
    else:
        lines.append("Type: " + schema_type(schema, link) + ".")
        limits = constraints(schema)
        if limits:
            lines.extend(["", "Limits: " + "; ".join(limits) + "."])
    return lines


def render_schema_page(schemas: Mapping[str, Mapping[str, Any]]) -> str:
    """The whole `record-schema.md` page: one section per file, then every definition once."""
    definitions: dict[str, Schema] = {}
    for doc in schemas.values():
        for name, sub in doc.get("$defs", {}).items():
            if name in definitions and definitions[name] != sub:
                raise ExportError(f"schemas disagree about the definition {name!r}")
            definitions.setdefault(name, sub)
    out = [
        "# Record schemas",
        "",
        generated_note("the JSON Schemas in `schemas/`"),
        "Every record, package and changes file kpfeed publishes conforms to one of these JSON "
        "Schemas (Draft 2020-12). They are generated from the pydantic models "
        "(`kpfeed schemas --write`) and published with every release under `schemas/`. A "
        "field marked *required: no* may be left out; its default applies.",
        "",
        table(
            ["file", "`$id`", "what it describes"],
            (
                [
                    f"[{code(f'{name}.schema.json')}](#{anchor('schema', name)})",
                    code(doc.get("$id", "")),
                    inline(doc.get("title", "")),
                ]
                for name, doc in schemas.items()
            ),
        ),
    ]
    for name, doc in schemas.items():
        out.extend(["", *_file_section(name, doc, definitions)])
    out.extend(["", "## Definitions {#definitions}", ""])
    out.append(
        "The parts the files above are built from, in alphabetical order. Each is defined once "
        "and shared by every file that uses it."
    )
    for name in sorted(definitions):
        out.extend(["", *definition_section(name, definitions[name], def_anchor(name))])
    return "\n".join(out) + "\n"


def _file_section(name: str, doc: Schema, definitions: Mapping[str, Schema]) -> list[str]:
    title = f"{code(name + '.schema.json')}: {inline(doc.get('title', ''))}"
    lines = [heading(2, title, anchor("schema", name)), ""]
    if doc.get("description"):
        lines.extend([inline(doc["description"]), ""])
    same = _same_definition(doc, definitions)
    if same is not None:
        lines.append(f"The top level is a {_local_link(same)}.")
    elif "properties" in doc:
        lines.append(fields_table(doc))
    else:
        lines.append("The top level is " + schema_type(doc) + ".")
        mapping = doc.get("discriminator", {}).get("mapping", {})
        if mapping:
            told = ", ".join(f"{code(k)}: {_local_link(v)}" for k, v in mapping.items())
            key = code(doc["discriminator"]["propertyName"])
            lines.extend(["", f"The field {key} decides: {told}."])
    return lines


def _same_definition(doc: Schema, definitions: Mapping[str, Schema]) -> str | None:
    """The definition whose fields the file's top level repeats exactly, if there is one."""
    if "properties" not in doc:
        return None
    for name, sub in definitions.items():
        same_fields = sub.get("properties") == doc["properties"]
        if same_fields and sub.get("required") == doc.get("required"):
            return name
    return None

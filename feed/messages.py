"""Validation errors in words a person understands: jsonschema and pydantic errors as Problems."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import jsonschema_rs
from pydantic import ValidationError

from feed.errors import Problem
from feed.model.records import HTTPS_URL_PATTERN, ID_PATTERN, SLUG_PATTERN, VERSION_PATTERN
from feed.source_parse import pointer_of

__all__ = ["pattern_message", "pydantic_problems", "schema_problems", "show"]

Kind = jsonschema_rs.ValidationErrorKind
Tokens = list[str | int]

RECORD_TYPES = ("group", "symbol", "manifesto")
_ID_SHAPE = re.compile(ID_PATTERN)
_TYPED_ID = re.compile(r"^\^(group|symbol|manifesto):")
_HEX = re.compile(r"^\^\[0-9a-f\]\{(\d+)(?:,(\d+))?\}\$$")

# Patterns of the model's constrained strings; a test checks every pattern in schemas/ is here.
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
JURISDICTION_PATTERN = r"^([A-Z]{2}|EU|UN)$"
HTTPS_PATTERN = HTTPS_URL_PATTERN
PARTIAL_DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
SCRIPT_PATTERN = r"^[A-Z][a-z]{3}$"
DIGITS_PATTERN = r"^[0-9]{1,12}$"

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (key: value)",
    "array": "a list",
    "null": "null",
}


def show(value: Any, limit: int = 60) -> str:
    """A value as it would appear in a message: quoted, shortened."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text):,} characters)"
    return f"'{text}'" if isinstance(value, str) else text


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def pattern_message(pattern: str, value: Any) -> str:
    """Why `value` does not have the form `pattern` demands, in the catalogue's terms."""
    v = show(value)
    typed = _TYPED_ID.match(pattern)
    if typed or pattern == ID_PATTERN:
        if typed and isinstance(value, str) and _ID_SHAPE.match(value):
            expected = typed.group(1)
            prefix = value.split(":", 1)[0]
            return (
                f"the id prefix '{prefix}' does not match the record type '{expected}' "
                f"(the id must start with '{expected}:')"
            )
        return (
            f"{v} is not a record id `<type>:<slug>` (e.g. symbol:sonnenrad; the slug is "
            "lowercase letters and digits joined by single hyphens)"
        )
    if pattern == LANGUAGE_PATTERN:
        return f"{v} is not a BCP 47 language tag (e.g. en, de, sr-Latn)"
    if pattern == COUNTRY_PATTERN:
        return f"{v} is not an ISO 3166-1 country code (two capital letters, e.g. DE)"
    if pattern == JURISDICTION_PATTERN:
        return f"{v} is not an ISO 3166-1 country code (two capital letters), EU or UN"
    if pattern == HTTPS_PATTERN:
        if isinstance(value, str) and value.lower().startswith("http://"):
            return f"must be an https:// URL, not {v}"
        if isinstance(value, str) and any(c.isspace() or not c.isascii() for c in value):
            # Same words as the `uri` format check, so the two findings collapse into one.
            return _format_message("uri", value)
        return f"{v} is not an https:// URL"
    if pattern == PARTIAL_DATE_PATTERN:
        return f"{v} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"
    if pattern == VERSION_PATTERN:
        return f"{v} is not a release version YYYY.N (e.g. 2022.1)"
    if pattern == SLUG_PATTERN:
        return f"{v} must be lowercase letters and digits joined by single hyphens (e.g. sample)"
    if pattern == SCRIPT_PATTERN:
        return f"{v} is not an ISO 15924 script code (e.g. Latn, Cyrl)"
    if pattern == DIGITS_PATTERN:
        return f"{v} must be 1 to 12 digits and nothing else (e.g. 1488)"
    hexa = _HEX.match(pattern)
    if hexa:
        low, high = hexa.group(1), hexa.group(2)
        digits = f"{low} to {high}" if high else low
        return f"{v} must be {digits} lowercase hexadecimal digits"
    return f"{v} does not have the required form {pattern}"


def _format_message(fmt: str, value: Any) -> str:
    v = show(value)
    if fmt == "date":
        return f"{v} is not a valid date YYYY-MM-DD"
    if fmt == "date-time":
        return f"{v} is not a date and time with a time zone (e.g. 2024-01-31T12:00:00Z)"
    if fmt == "uuid":
        return f"{v} is not a UUID"
    if fmt == "uri":
        return f"{v} is not a valid URL (percent-encode spaces and non-ASCII characters)"
    return f"{v} is not a valid {fmt}"


def _resolve(root: dict[str, Any], tokens: Sequence[str | int]) -> dict[str, Any]:
    node: Any = root
    for token in tokens:
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return {}
    return node if isinstance(node, dict) else {}


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'? " if close else ""


def _type_names(types: Iterable[str]) -> str:
    names = [_TYPE_NAMES.get(t, t) for t in types if t != "null"]
    text = " or ".join(names) if names else "null"
    return text + (" (or null)" if "null" in types and names else "")


def _describe(
    error: jsonschema_rs.ValidationError, root: dict[str, Any]
) -> list[tuple[Tokens, str]]:
    path: Tokens = list(error.instance_path)
    kind = error.kind
    value = error.instance
    if isinstance(kind, Kind.Required):
        return [([*path, kind.property], f"missing required field '{kind.property}'")]
    if isinstance(kind, Kind.AdditionalProperties):
        parent = _resolve(root, error.schema_path[:-1])
        patterns = parent.get("patternProperties")
        out: list[tuple[Tokens, str]] = []
        for key in kind.unexpected:
            if patterns:
                reasons = "; ".join(pattern_message(p, key) for p in patterns)
                out.append(([*path, key], f"key {reasons}"))
            else:
                allowed = list(parent.get("properties", {}))
                hint = _suggest(key, allowed)
                out.append(
                    ([*path, key], f"unknown field '{key}' ({hint}allowed: {', '.join(allowed)})")
                )
        return out
    if isinstance(kind, Kind.Type):
        message = f"must be {_type_names(kind.types)}, not {_what(value)}"
        quotable = isinstance(value, int | float) and not isinstance(value, bool)
        if "string" in kind.types and quotable:
            message += " (put it in quotes)"
        return [(path, message)]
    if isinstance(kind, Kind.Enum):
        options = [str(o) for o in kind.options]
        hint = _suggest(str(value), options)
        return [(path, f"{show(value)} is not allowed ({hint}allowed: {', '.join(options)})")]
    if isinstance(kind, Kind.Constant):
        return [(path, f"must be {show(kind.expected_value)}, not {show(value)}")]
    if isinstance(kind, Kind.Pattern):
        return [(path, pattern_message(kind.pattern, value))]
    if isinstance(kind, Kind.Format):
        return [(path, _format_message(kind.format, value))]
    if isinstance(kind, Kind.MinLength):
        if kind.limit == 1:
            return [(path, "must not be empty")]
        return [(path, f"must be at least {kind.limit} characters long")]
    if isinstance(kind, Kind.MaxLength):
        size = len(value) if isinstance(value, str) else "?"
        return [(path, f"is too long: {size:,} characters (at most {kind.limit:,})")]
    if isinstance(kind, Kind.MinItems):
        need = "at least one entry" if kind.limit == 1 else f"at least {kind.limit} entries"
        return [(path, f"needs {need}")]
    if isinstance(kind, Kind.MaxItems):
        return [(path, f"has too many entries (at most {kind.limit})")]
    if isinstance(kind, Kind.Minimum | Kind.ExclusiveMinimum):
        word = "at least" if isinstance(kind, Kind.Minimum) else "more than"
        return [(path, f"must be {word} {kind.limit}, not {show(value)}")]
    if isinstance(kind, Kind.Maximum | Kind.ExclusiveMaximum):
        word = "at most" if isinstance(kind, Kind.Maximum) else "less than"
        return [(path, f"must be {word} {kind.limit}, not {show(value)}")]
    if isinstance(kind, Kind.AnyOf | Kind.OneOfNotValid):
        return _describe_alternatives(error, kind.context, root)
    if isinstance(kind, Kind.PropertyNames):
        inner = _describe(kind.error, root)
        return [(path, f"key {message}") for _, message in inner]
    if isinstance(kind, Kind.UniqueItems):
        return [(path, "has duplicate entries")]
    if isinstance(kind, Kind.FalseSchema):
        return [(path, "is not allowed here")]
    return [(path, error.message)]


def _describe_alternatives(
    error: jsonschema_rs.ValidationError,
    branches: list[list[jsonschema_rs.ValidationError]],
    root: dict[str, Any],
) -> list[tuple[Tokens, str]]:
    """An anyOf/oneOf failure: explain the alternative the value was evidently meant to be."""
    path: Tokens = list(error.instance_path)

    def wrong_type(branch: list[jsonschema_rs.ValidationError]) -> bool:
        return any(isinstance(e.kind, Kind.Type) and list(e.instance_path) == path for e in branch)

    def wrong_tag(branch: list[jsonschema_rs.ValidationError]) -> bool:
        return any(
            isinstance(e.kind, Kind.Constant | Kind.Enum)
            and list(e.instance_path) == [*path, "type"]
            for e in branch
        )

    candidates = [b for b in branches if not wrong_type(b)]
    if len(candidates) > 1:
        candidates = [b for b in candidates if not wrong_tag(b)] or candidates
    if len(candidates) == 1:
        return [item for e in candidates[0] for item in _describe(e, root)]
    if not candidates:
        types = [
            t for b in branches for e in b if isinstance(e.kind, Kind.Type) for t in e.kind.types
        ]
        return [(path, f"must be {_type_names(dict.fromkeys(types))}, not {_what(error.instance)}")]
    if all(wrong_tag(b) for b in candidates):
        tags: list[str] = []
        for branch in candidates:
            for e in branch:
                if isinstance(e.kind, Kind.Constant) and list(e.instance_path) == [*path, "type"]:
                    tags.append(str(e.kind.expected_value))
        got = error.instance.get("type") if isinstance(error.instance, dict) else None
        return [([*path, "type"], f"{show(got)} is not allowed (allowed: {', '.join(tags)})")]
    return [(path, error.message)]


def _record_id_at(instance: Any, path: Sequence[str | int]) -> str | None:
    """The id of the innermost record on the way to `path` (records carry `id` and `type`)."""
    found: str | None = None
    node = instance
    for token in [None, *path]:
        if token is not None:
            try:
                node = node[token]
            except (KeyError, IndexError, TypeError):
                break
        if isinstance(node, dict):
            rid = node.get("id")
            if isinstance(rid, str) and node.get("type") in RECORD_TYPES:
                found = rid
    return found


def schema_problems(
    errors: Iterable[jsonschema_rs.ValidationError],
    root: dict[str, Any],
    instance: Any,
    *,
    file: str | None,
    record_id: str | None = None,
) -> list[Problem]:
    """Translate jsonschema errors into located Problems (one per distinct place and reason)."""
    seen: set[tuple[str, str]] = set()
    problems: list[Problem] = []
    for error in errors:
        for tokens, message in _describe(error, root):
            pointer = pointer_of(tokens)
            if (pointer, message) in seen:
                continue
            seen.add((pointer, message))
            rid = record_id if record_id is not None else _record_id_at(instance, tokens)
            problems.append(Problem(file, rid, pointer, message))
    return problems


def pydantic_problems(
    error: ValidationError, *, file: str | None, record_id: str | None, tagged: bool = False
) -> list[Problem]:
    """Translate a pydantic ValidationError (for what the schema cannot say) into Problems."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc: Tokens = [t for t in item["loc"] if isinstance(t, str | int)]
        if tagged and loc and loc[0] in RECORD_TYPES:
            loc = loc[1:]  # the discriminated union names the branch first
        kind = item["type"]
        if kind == "missing":
            message = f"missing required field '{loc[-1]}'" if loc else "missing"
        elif kind == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'" if loc else "unknown field"
        elif kind == "string_pattern_mismatch":
            message = pattern_message(str(item.get("ctx", {}).get("pattern", "")), item["input"])
        elif kind == "value_error":
            message = str(item["msg"]).removeprefix("Value error, ")
        else:
            message = f"{item['msg']} (got {show(item['input'])})"
        problems.append(Problem(file, record_id, pointer_of(loc), message))
    return problems

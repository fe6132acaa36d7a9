"""Field paths into records (JSON Pointers), checked against the published record schemas.

A correction or label dispute names the field it is about, e.g. `/guidance/ambiguity` or
`/aliases/0/language`. Whether that path exists is decided by the record type's JSON Schema
(`feed.schemagen.schema_for`), the same contract the published files follow, so a path is
valid exactly when a published record could hold a value there. Pure logic: no store, no I/O.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema_rs

from feed.messages import schema_problems
from feed.model.records import LIFECYCLE_FIELDS
from feed.schemagen import schema_for

__all__ = [
    "FIXED_FIELDS",
    "check_proposed_value",
    "field_path_problem",
    "parse_pointer",
    "record_type_of",
]

#: Fields no correction can change: identity, and what the store and releases set.
FIXED_FIELDS = frozenset({"id", "type", "uuid"}) | LIFECYCLE_FIELDS

_INDEX = re.compile(r"^(0|[1-9][0-9]{0,5})$")


def _is_index(part: str) -> bool:
    """A list position: 0, 1, ... or `-` (one past the end, i.e. append)."""
    return part == "-" or _INDEX.match(part) is not None


def record_type_of(record_id: str) -> str:
    """`symbol` for `symbol:sonnenrad`: the type is the id's prefix."""
    return record_id.split(":", 1)[0]


def parse_pointer(pointer: str) -> list[str] | None:
    """The unescaped tokens of a JSON Pointer (RFC 6901), or None when it is malformed."""
    if not pointer.startswith("/"):
        return None
    tokens = pointer[1:].split("/")
    if any(re.search(r"~(?![01])", token) for token in tokens):
        return None
    return [token.replace("~1", "/").replace("~0", "~") for token in tokens]


@cache
def _root(record_type: str) -> dict[str, Any]:
    return schema_for(record_type)


def _resolve(
    node: dict[str, Any], root: dict[str, Any], *, keep_null: bool = False
) -> Iterator[dict[str, Any]]:
    """The concrete alternatives a schema node stands for: `$ref`s followed, `anyOf` unfolded,
    `null` branches dropped unless asked for (a path leads into a value, never into a null;
    but a null may be proposed for an optional field)."""
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        yield from _resolve(root["$defs"][ref.removeprefix("#/$defs/")], root, keep_null=keep_null)
        return
    branches = node.get("anyOf") or node.get("oneOf")
    if isinstance(branches, list):
        for branch in branches:
            yield from _resolve(branch, root, keep_null=keep_null)
        return
    if keep_null or node.get("type") != "null":
        yield node


def _children(node: dict[str, Any], token: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Subschemas `token` leads to from `node`, and the field names `node` offers."""
    names: list[str] = []
    properties = node.get("properties")
    if isinstance(properties, dict):
        names = sorted(properties)
        if token in properties:
            return [properties[token]], names
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict):
        found = [sub for pattern, sub in patterns.items() if re.search(pattern, token)]
        if found:
            return found, names
    items = node.get("items")
    if isinstance(items, dict) and _is_index(token):
        return [items], names
    return [], names


def _subschemas(
    record_type: str, tokens: list[str], *, keep_null: bool = False
) -> tuple[list[dict[str, Any]], str | None]:
    """The subschemas at `tokens` in a record type's schema, or ([], why not)."""
    root = _root(record_type)
    nodes = list(_resolve(root, root))
    walked: list[str] = []
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        following: list[dict[str, Any]] = []
        offered: set[str] = set()
        for node in nodes:
            children, names = _children(node, token)
            offered.update(names)
            for child in children:
                following.extend(_resolve(child, root, keep_null=keep_null and last))
        if not following:
            if not walked:
                offered -= FIXED_FIELDS
            return [], _why_not(record_type, walked, token, nodes, sorted(offered))
        nodes = following
        walked.append(token)
    return nodes, None


def _why_not(
    record_type: str, walked: list[str], token: str, nodes: list[dict[str, Any]], offered: list[str]
) -> str:
    where = "/" + "/".join(walked) if walked else f"a {record_type} record"
    if any("items" in node for node in nodes):
        return f"{where} is a list: the next part is an index (0, 1, ...) or '-', not '{token}'"
    if any("patternProperties" in node for node in nodes):
        return f"'{token}' is not a key {where} can hold (a language tag such as 'en' or 'de')"
    if not offered:
        return f"{where} is a single value and has no field '{token}'"
    close = difflib.get_close_matches(token, offered, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f" (fields: {', '.join(offered)})"
    return f"'{token}' is not a field of {where}{hint}"


def field_path_problem(record_id: str, pointer: str) -> str | None:
    """Why `pointer` names no correctable field of record `record_id`'s type; None if it does."""
    record_type = record_type_of(record_id)
    tokens = parse_pointer(pointer)
    if tokens is None or tokens == [""]:
        return "a field path is a JSON Pointer such as '/guidance/ambiguity' or '/aliases/0/value'"
    if tokens[0] in FIXED_FIELDS:
        return f"'{tokens[0]}' is set by the catalogue itself and cannot be corrected"
    if record_type not in ("group", "symbol", "manifesto"):
        return f"'{record_type}' is not a record type"
    _, why = _subschemas(record_type, tokens)
    return why


@cache
def _validators(record_type: str, shape: tuple[str, ...]) -> list[tuple[dict[str, Any], Any]]:
    """Compiled validators for the subschemas at a path shape (list indices as '#')."""
    root = _root(record_type)
    tokens = ["0" if t == "#" else t for t in shape]
    nodes, _ = _subschemas(record_type, tokens, keep_null=True)
    compiled = []
    for node in nodes:
        schema = {"$defs": root["$defs"], **node}
        compiled.append((schema, jsonschema_rs.validator_for(schema, validate_formats=True)))
    return compiled


def check_proposed_value(record_id: str, pointer: str, value: Any) -> list[tuple[str, str]]:
    """Where and why `value` could not stand at `pointer` in the record; empty when it could.

    Returns (pointer inside the value, message) pairs: the value is checked against the same
    subschema a published record is held to. Assumes `field_path_problem` found no problem.
    """
    tokens = parse_pointer(pointer) or []
    shape = tuple("#" if _is_index(t) else t for t in tokens)
    first: list[tuple[str, str]] = []
    for schema, validator in _validators(record_type_of(record_id), shape):
        if validator.is_valid(value):
            return []
        if not first:
            problems = schema_problems(validator.iter_errors(value), schema, value, file=None)
            first = [(p.pointer, p.message) for p in problems]
    return first or [("", "this value cannot stand at that field")]

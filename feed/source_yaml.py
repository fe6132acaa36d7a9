"""Strict YAML for editor files: plain data only, YAML 1.2 core scalars, located refusals.

YAML is read as the YAML 1.2 core schema (`no`, `on`, `1:20` and `0088`-as-octal surprises of
YAML 1.1 do not apply; dates stay text), without anchors, aliases or tags beyond the plain JSON
ones: that refuses billion-laughs bombs and `!!python/object` before anything is built.
libyaml (C) produces the events; composing and constructing happen here, under these rules.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from feed.source_parse import Limits, ParseRefused, escape_token, pointer_of

__all__ = ["dump_yaml", "parse_yaml", "yaml_lines"]

_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null")}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_NOT_FINITE = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


# -- YAML ----------------------------------------------------------------------------------------


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class _Frame:
    """A mapping or sequence being filled while YAML events stream past."""

    __slots__ = ("container", "key", "key_lines", "token")

    def __init__(self, container: dict[str, Any] | list[Any], token: str | int | None) -> None:
        self.container = container
        self.token = token  # where this container sits in its parent
        self.key: str | None = None  # a mapping's key waiting for its value
        self.key_lines: dict[str, int] = {}


def _event_source(text: str) -> Any:
    # libyaml scans and parses in C (about 8x faster); the pure-Python parser is the fallback.
    # Only the event stream is used: composing and constructing happen below, under our rules.
    if yaml.__with_libyaml__:
        return yaml.CBaseLoader(text)
    return yaml.BaseLoader(text)  # pragma: no cover (libyaml is present in every supported wheel)


def _yaml_scalar(event: yaml.ScalarEvent, where: _Where) -> Any:
    value: str = event.value
    tag = event.tag
    if tag not in (None, "!"):
        if tag == f"{_CORE}str":
            return value
        if tag not in _PLAIN_TAGS:
            raise where.refuse(f"the tag {_tag_name(tag)} is not allowed (plain data only)", event)
        resolved = _resolve_plain(value, where, event)
        if tag != f"{_CORE}{_kind_of(resolved)}":
            raise where.refuse(f"{value!r} is not a valid {_tag_name(tag)}", event)
        return resolved
    if event.implicit[0]:  # a plain (unquoted) scalar: apply the YAML 1.2 core schema
        return _resolve_plain(value, where, event)
    return value


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float"}.get(type(value), "str")


def _resolve_plain(value: str, where: _Where, event: yaml.ScalarEvent) -> Any:
    first = value[:1]
    if first and first not in "-+.0123456789~nNtTfF":
        return value  # fast path: most scalars are words
    if _NULL.match(value):
        return None
    if _BOOL.match(value):
        return value[0] in "tT"
    try:
        if _INT.match(value):
            return int(value, 10)
        if _INT_OCT.match(value):
            return int(value[2:], 8)
        if _INT_HEX.match(value):
            return int(value[2:], 16)
    except ValueError:  # more digits than Python converts safely
        raise where.refuse(f"the number {value[:20]}... is too long", event) from None
    if _NOT_FINITE.match(value):
        raise where.refuse(f"{value} is not allowed: numbers must be finite", event)
    if _FLOAT.match(value):
        number = float(value)
        if not math.isfinite(number):
            raise where.refuse(f"the number {value} is too large", event)
        return number
    return value


class _Where:
    """Turns an event's position and the current path into a located refusal."""

    def __init__(self, stack: list[_Frame]) -> None:
        self.stack = stack

    def pointer(self) -> str:
        tokens: list[str | int] = []
        for frame in self.stack[1:]:
            assert frame.token is not None  # only the root frame has none
            tokens.append(frame.token)
        if self.stack:
            top = self.stack[-1]
            if isinstance(top.container, list):
                tokens.append(len(top.container))
            elif top.key is not None:
                tokens.append(top.key)
        return pointer_of(tokens)

    def refuse(self, message: str, event: Any, *, key: str | None = None) -> ParseRefused:
        mark = event.start_mark
        pointer = self.pointer() + ("/" + escape_token(key) if key is not None else "")
        return ParseRefused(message, line=mark.line + 1, column=mark.column + 1, pointer=pointer)


def parse_yaml(text: str, limits: Limits) -> Any:
    """Parse one YAML document into plain data; raises ParseRefused with line and column."""
    return _parse_yaml(text, limits, None)


def yaml_lines(text: str, limits: Limits) -> dict[str, int]:
    """The line of every value in a YAML document, by JSON pointer (a mapping value is on its
    key's line). For pointing editors at the line of a validation problem; raises ParseRefused.
    """
    lines: dict[str, int] = {}
    _parse_yaml(text, limits, lines)
    return lines


def _parse_yaml(text: str, limits: Limits, lines: dict[str, int] | None) -> Any:
    loader = _event_source(text)
    try:
        return _build_from_events(loader, limits, lines)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "invalid YAML"
        context = f" ({error.context})" if error.context else ""
        raise ParseRefused(
            f"invalid YAML: {problem}{context}",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as error:
        # libyaml reports the offset in the UTF-8 bytes it was given.
        before = text.encode("utf-8")[: error.position].decode("utf-8", "replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        raise ParseRefused(
            f"invalid YAML: character U+{error.character:04X} is not allowed ({error.reason})",
            line=line,
            column=column,
        ) from None
    except yaml.YAMLError as error:  # pragma: no cover (every libyaml error is one of the above)
        raise ParseRefused(f"invalid YAML: {error}") from None
    finally:
        loader.dispose()


def _build_from_events(loader: Any, limits: Limits, lines: dict[str, int] | None) -> Any:
    stack: list[_Frame] = []
    where = _Where(stack)
    root: Any = None
    documents = 0
    get_event = loader.get_event

    def add(value: Any, event: Any, *, scalar: bool) -> None:
        nonlocal root
        if not stack:
            root = value
            if lines is not None:
                lines[""] = event.start_mark.line + 1
            return
        frame = stack[-1]
        container = frame.container
        if isinstance(container, list):
            if lines is not None:
                lines[where.pointer()] = event.start_mark.line + 1
            container.append(value)
            return
        if frame.key is not None:
            if lines is not None:
                lines[where.pointer()] = frame.key_lines[frame.key]
            container[frame.key] = value
            frame.key = None
            return
        if not scalar:
            raise where.refuse("a key must be text, not a list or mapping", event)
        if not isinstance(value, str):
            shown = "null" if value is None else json.dumps(value)
            raise where.refuse(f"the key {shown} must be text (put it in quotes)", event)
        if value in container:
            first = frame.key_lines[value]
            raise where.refuse(
                f"duplicate key '{value}' (first given on line {first})", event, key=value
            )
        frame.key = value
        frame.key_lines[value] = event.start_mark.line + 1

    while True:
        event = get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None:
                raise where.refuse(f"anchors (&{event.anchor}) are not allowed", event)
            value = _yaml_scalar(event, where)
            if isinstance(value, str) and len(value) > limits.max_string_chars:
                raise where.refuse(
                    f"a text of {len(value):,} characters is longer than the limit of "
                    f"{limits.max_string_chars:,}",
                    event,
                )
            add(value, event, scalar=True)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None:
                raise where.refuse(f"anchors (&{event.anchor}) are not allowed", event)
            is_map = kind is yaml.MappingStartEvent
            allowed = f"{_CORE}map" if is_map else f"{_CORE}seq"
            if event.tag not in (None, "!", allowed):
                raise where.refuse(
                    f"the tag {_tag_name(event.tag)} is not allowed (plain data only)", event
                )
            if len(stack) >= limits.max_depth:
                raise where.refuse(f"nested deeper than {limits.max_depth} levels", event)
            container: dict[str, Any] | list[Any] = {} if is_map else []
            token: str | int | None = None
            if stack:
                parent = stack[-1]
                is_list = isinstance(parent.container, list)
                token = len(parent.container) if is_list else parent.key
            add(container, event, scalar=False)
            stack.append(_Frame(container, token))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.AliasEvent:
            raise where.refuse(
                f"aliases (*{event.anchor}) are not allowed: write the value out", event
            )
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise where.refuse("more than one YAML document (---) in the file", event)
        elif kind is yaml.StreamEndEvent:
            break
    if documents == 0:
        raise ParseRefused("the file is empty")
    return root


# -- writing -------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes every string a YAML 1.2 *or* 1.1 reader would take for non-text."""


for _first, _regex in (
    ("-+0123456789", _INT),
    ("0", _INT_OCT),
    ("0", _INT_HEX),
    ("-+.0123456789", _FLOAT),
    ("-+.", _NOT_FINITE),
    ("~nN", _NULL),
    ("tTfF", _BOOL),
):
    _Dumper.add_implicit_resolver(f"{_CORE}float", _regex, list(_first))
_Dumper.add_implicit_resolver(f"{_CORE}null", _NULL, [""])


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line texts read best as literal blocks; PyYAML falls back to quotes when a block
    # cannot hold the text exactly (trailing spaces, special characters).
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(f"{_CORE}str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> bytes:
    """Deterministic YAML for plain data, keys in the given order; reads back to equal data."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    return text.encode("utf-8")

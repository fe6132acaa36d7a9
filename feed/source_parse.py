"""Strict parsing shared by the editor-file readers, and the JSON reader and writer.

Both readers (JSON here, YAML in `feed.source_yaml`) return only dicts, lists, str, int, float,
bool and None, so YAML and JSON sources mean the same thing and every later check sees the same
shapes. Both refuse duplicate keys, NaN/Infinity, nesting deeper than a limit and strings longer
than a limit, with a located `ParseRefused`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = [
    "Limits",
    "ParseRefused",
    "dump_json",
    "escape_token",
    "parse_json",
    "pointer_of",
    "read_json",
]


@dataclass(frozen=True)
class Limits:
    """How big and deep an editor file may be (see `feed.config.Settings.source_max_*`)."""

    max_file_bytes: int = 1024 * 1024
    max_string_chars: int = 20_000
    max_depth: int = 32


class ParseRefused(Exception):  # internal: source.py turns it into SourceFormatError
    """Text that is not acceptable YAML/JSON, with where it went wrong."""

    def __init__(
        self, message: str, *, line: int | None = None, column: int | None = None, pointer: str = ""
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.pointer = pointer
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(where + message)


def escape_token(token: str | int) -> str:
    """One JSON pointer token, escaped (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_of(tokens: Sequence[str | int]) -> str:
    """The JSON pointer (RFC 6901) of a path."""
    return "".join("/" + escape_token(t) for t in tokens)


# -- JSON ----------------------------------------------------------------------------------------


class _JsonRefused(Exception):
    def __init__(self, message: str, token: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


_JSON_STRING_OR_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')


def _locate_constant(text: str, name: str) -> tuple[int | None, int | None]:
    for match in _JSON_STRING_OR_CONSTANT.finditer(text):
        if match.group(1) == name:
            start = match.start(1)
            line = text.count("\n", 0, start) + 1
            return line, start - (text.rfind("\n", 0, start) + 1) + 1
    return None, None


def parse_json(text: str, limits: Limits) -> Any:
    """Parse JSON into plain data; raises ParseRefused (line and column where JSON gives them).

    A fast pass (orjson plus a few byte counts) accepts a clean file; anything it cannot vouch
    for is parsed again by the located reader, which finds and names the problem.
    """
    return read_json(text, limits)[0]


def read_json(text: str, limits: Limits) -> tuple[Any, bytes | None]:
    """`parse_json`, plus the data as `orjson.dumps` writes it when the fast pass made that
    anyway (None otherwise), so later passes need not encode it again."""
    plain = _parse_plain(text, limits)
    if plain is _UNSURE:
        return _parse_located(text, limits), None
    data, compact = plain
    return data, compact


_UNSURE: Any = object()
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_NOT_STRUCTURE = bytes(c for c in range(256) if chr(c) not in '[]{}",0123456789')
_LONG_NUMBER = b"0" * 19  # orjson turns integers past 64 bits into floats; json keeps them
_INNERMOST = re.compile(rb"\{\}|\[\]")


def _parse_plain(text: str, limits: Limits) -> Any:
    """(data, its compact JSON) for a clean JSON file, or _UNSURE when the located reader
    must decide.

    Never accepts what `_parse_located` refuses, never returns different data: orjson itself
    refuses NaN, Infinity, overflowing numbers and lone surrogates, and the byte counts below
    catch what it would take silently (a duplicate key keeps its last value, a huge integer
    becomes a float) or what breaks the limits, without walking the data in Python.
    """
    try:
        data = orjson.loads(text)
        again = orjson.dumps(data)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # the latter: nested too deep
        return _UNSURE
    raw = text.encode()
    # Each duplicate member orjson drops takes its ':' with it; only a \u003a escape makes a
    # ':' that the text does not show, so any \u003X escape sends the file to the slow pass.
    if raw.count(b":") != again.count(b":") or b"\\u003" in raw:
        return _UNSURE
    long_text = len(text) > limits.max_string_chars
    if (
        not long_text
        and raw.count(b"{") + raw.count(b"[") <= limits.max_depth
        and _LONG_NUMBER not in raw.translate(_DIGITS_AS_ZERO)
    ):
        return data, again  # the common case: no text too long, too few containers to nest
    # With escaped backslashes and quotes blanked, quotes delimit strings.
    blanked = raw.replace(b"\\\\", b"_").replace(b'\\"', b"_")
    # Every character of a string (or key) took at least one byte of the text.
    if long_text and max(map(len, blanked.split(b'"')[1::2]), default=0) > limits.max_string_chars:
        return _UNSURE
    # Outside strings: brackets, commas and numbers (as runs of 0).
    outside = b"".join(blanked.translate(_DIGITS_AS_ZERO, _NOT_STRUCTURE).split(b'"')[::2])
    if _LONG_NUMBER in outside:
        return _UNSURE
    brackets = outside.translate(None, b"0,")
    for _ in range(limits.max_depth):  # each round removes the innermost level
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not removed:
            break
    return _UNSURE if brackets else (data, again)


def _parse_located(text: str, limits: Limits) -> Any:
    """The careful reader: finds duplicate keys, constants and overflows, and says where."""
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):  # rare: find which key came twice
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append((obj, key))
                    break
                seen.add(key)
        return obj

    def constant(name: str) -> Any:
        raise _JsonRefused(f"{name} is not allowed: numbers must be finite", name)

    def finite(token: str) -> float:
        number = float(token)
        if not math.isfinite(number):
            raise _JsonRefused(f"the number {token} is too large")
        return number

    try:
        data = json.loads(
            text, object_pairs_hook=pairs, parse_constant=constant, parse_float=finite
        )
    except json.JSONDecodeError as error:
        raise ParseRefused(
            f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    except _JsonRefused as error:
        line, column = _locate_constant(text, error.token) if error.token else (None, None)
        raise ParseRefused(error.message, line=line, column=column) from None
    except RecursionError:
        raise ParseRefused(f"nested deeper than {limits.max_depth} levels") from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise ParseRefused(f"invalid JSON: {error}") from None
    if duplicates:
        obj, key = duplicates[0]
        at = next((tokens for tokens, value in _walk(data) if value is obj), [])
        raise ParseRefused(f"duplicate key '{key}'", pointer=pointer_of([*at, key]))
    _check_shape(data, limits)
    return data


def _walk(data: Any) -> Iterator[tuple[list[str | int], Any]]:
    """Every value with its path, parents before children (iterative: no recursion limit)."""
    pending: list[tuple[list[str | int], Any]] = [([], data)]
    while pending:
        tokens, value = pending.pop()
        yield tokens, value
        if isinstance(value, dict):
            pending.extend(([*tokens, k], v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(([*tokens, i], v) for i, v in reversed(list(enumerate(value))))


def _check_shape(data: Any, limits: Limits) -> None:
    """Refuse nesting deeper than the limit and over-long strings (keys included)."""
    max_string, max_depth = limits.max_string_chars, limits.max_depth

    def visit(node: Any, depth: int, tokens: tuple[str | int, ...]) -> None:
        # Recursion is bounded by max_depth: deeper containers are refused before descending.
        if isinstance(node, str):
            if len(node) > max_string:
                raise ParseRefused(
                    f"a text of {len(node):,} characters is longer than the limit of "
                    f"{max_string:,}",
                    pointer=pointer_of(list(tokens)),
                )
            return
        if isinstance(node, dict):
            if depth >= max_depth:
                raise ParseRefused(
                    f"nested deeper than {max_depth} levels", pointer=pointer_of(list(tokens))
                )
            for key, value in node.items():
                if len(key) > max_string:
                    raise ParseRefused(
                        f"a key of {len(key):,} characters is longer than the limit of "
                        f"{max_string:,}",
                        pointer=pointer_of(list(tokens)),
                    )
                if isinstance(value, str | dict | list):
                    visit(value, depth + 1, (*tokens, key))
        elif isinstance(node, list):
            if depth >= max_depth:
                raise ParseRefused(
                    f"nested deeper than {max_depth} levels", pointer=pointer_of(list(tokens))
                )
            for index, value in enumerate(node):
                if isinstance(value, str | dict | list):
                    visit(value, depth + 1, (*tokens, index))

    visit(data, 0, ())


# -- writing ---------------------------------------------------------------------------------------


def dump_json(data: Any) -> bytes:
    """Deterministic JSON (2-space indent, keys in the given order, trailing newline)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"

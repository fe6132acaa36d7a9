"""Catalogue rules a JSON Schema cannot express, over plain record data (pure, no I/O).

They read records as plain data (raw editor data or `dump_record` output) and tolerate wrong
shapes, so a record that also breaks the schema still gets these checks; values of the wrong
shape are left to the schema's own message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from functools import cache
from typing import Any

import langcodes
import orjson
import pycountry

from feed.errors import Problem
from feed.messages import COUNTRY_PATTERN, LANGUAGE_PATTERN, show
from feed.model.records import ID_PATTERN
from feed.source_parse import pointer_of

__all__ = ["catalogue_problems", "country_is_valid", "language_is_valid", "text_problems"]

Entry = tuple[str | None, dict[str, Any]]  # (file, record data)
Tokens = list[str | int]
Path = tuple[str | int, ...]  # the tokens of a JSON pointer

_ID = re.compile(ID_PATTERN)
_LANGUAGE_SHAPE = re.compile(LANGUAGE_PATTERN)
_COUNTRY_SHAPE = re.compile(COUNTRY_PATTERN)
# Cc characters except tab and newline; lone surrogates are not text either.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# In orjson output, control characters appear as \b \f \r \u00XX escapes or raw DEL/C1 bytes.
# A match may be a false alarm (an escaped backslash); then the exact walk decides.
# Every match starts with a backslash, DEL or 0xC2; looking for those bytes (memchr) first
# costs far less than the regex, which tries every position.
_CONTROL_IN_JSON = re.compile(rb"\\[bfr]|\\u00[01]|\x7f|\xc2[\x80-\x9f]")
#: User-assigned code the EU and most registries use for Kosovo.
_EXTRA_COUNTRIES = frozenset({"XK"})
_BODIES = frozenset({"EU", "UN"})


@cache
def language_is_valid(tag: str) -> bool:
    """True for a well-formed, registered BCP 47 tag (`de`, `sr-Latn`; not `xx`)."""
    return bool(langcodes.tag_is_valid(tag))


@cache
def country_is_valid(code: str) -> bool:
    """True for an assigned ISO 3166-1 alpha-2 code (plus XK, Kosovo)."""
    return code in _EXTRA_COUNTRIES or pycountry.countries.get(alpha_2=code) is not None


def _entries(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mappings in a list, with their indexes (nothing if it is not a list)."""
    if not isinstance(value, list):
        return []
    return [(index, entry) for index, entry in enumerate(value) if isinstance(entry, dict)]


def _language_tags(data: dict[str, Any]) -> list[tuple[Path, Any]]:
    """Every language tag in a record, with its path (comprehensions, not generators: this
    runs for every record of a 100k import)."""
    found: list[tuple[Path, Any]] = [
        (("aliases", i, "language"), alias.get("language"))
        for i, alias in _entries(data.get("aliases"))
    ]
    indicators = data.get("indicators")
    if isinstance(indicators, dict):
        found += [
            (("indicators", "text_patterns", i, "language"), pattern.get("language"))
            for i, pattern in _entries(indicators.get("text_patterns"))
        ]
    languages = data.get("languages")
    if isinstance(languages, list):
        found += [(("languages", i), tag) for i, tag in enumerate(languages)]
    for field in ("file_variants", "derivatives"):
        found += [
            ((field, i, "language"), entry.get("language"))
            for i, entry in _entries(data.get(field))
        ]
    for field in ("summary", "description"):
        texts = data.get(field)
        if isinstance(texts, dict):
            found += [((field, tag), tag) for tag in texts]
    return found


def _country_codes(data: dict[str, Any]) -> list[tuple[Path, Any]]:
    """Every country code in a record, with its path (EU and UN jurisdictions left out)."""
    regions = data.get("regions")
    found: list[tuple[Path, Any]] = (
        [(("regions", i), code) for i, code in enumerate(regions)]
        if isinstance(regions, list)
        else []
    )
    attack = data.get("attack")
    if isinstance(attack, dict):
        found.append((("attack", "country"), attack.get("country")))
    found += [
        (("designations", i, "jurisdiction"), designation.get("jurisdiction"))
        for i, designation in _entries(data.get("designations"))
        if designation.get("jurisdiction") not in _BODIES
    ]
    return found


@cache
def _unregistered_language(tag: str) -> bool:
    # Tags of the wrong form are the schema's to report; this is about well-formed unknown tags.
    return bool(_LANGUAGE_SHAPE.match(tag)) and not language_is_valid(tag)


@cache
def _unassigned_country(code: str) -> bool:
    return bool(_COUNTRY_SHAPE.match(code)) and not country_is_valid(code)


def _items(data: dict[str, Any], field: str) -> list[tuple[int, Any]]:
    value = data.get(field)
    return list(enumerate(value)) if isinstance(value, list) else []


def text_problems(
    data: Any, *, file: str | None, record_id: str | None, encoded: bytes | None = None
) -> list[Problem]:
    """Control characters (C0/C1 other than tab and newline) and lone surrogates in any text.

    `encoded` is `orjson.dumps(data)`, when the caller has it already.
    """
    try:
        encoded = encoded or orjson.dumps(data)
        marked = b"\\" in encoded or b"\x7f" in encoded or b"\xc2" in encoded
        if not marked or not _CONTROL_IN_JSON.search(encoded):
            return []
    except (TypeError, orjson.JSONEncodeError):
        pass  # lone surrogates (and non-JSON values) fall through to the exact walk
    problems: list[Problem] = []
    pending: list[tuple[Tokens, Any]] = [([], data)]
    while pending:
        tokens, node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and (bad := _CONTROL.search(key)):
                    problems.append(_control_problem(file, record_id, [*tokens, key], bad, "key"))
                pending.append(([*tokens, key], value))
        elif isinstance(node, list):
            pending.extend(([*tokens, i], v) for i, v in enumerate(node))
        elif isinstance(node, str) and (bad := _CONTROL.search(node)):
            problems.append(_control_problem(file, record_id, tokens, bad, "text"))
    return sorted(problems)


def _control_problem(
    file: str | None, record_id: str | None, tokens: Tokens, bad: re.Match[str], what: str
) -> Problem:
    char = bad.group()
    code = f"U+{ord(char):04X}"
    if 0xD800 <= ord(char) <= 0xDFFF:
        message = f"the {what} holds a lone surrogate {code} (not valid Unicode)"
    else:
        message = (
            f"the {what} holds the control character {code} at position {bad.start()}: "
            "only tab and newline are allowed"
        )
    return Problem(file, record_id, pointer_of(tokens), message)


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _link_problems(
    file: str | None, rid: str, data: dict[str, Any], ids: Collection[str]
) -> list[Problem]:
    problems: list[Problem] = []
    links: list[tuple[Tokens, Any, str | None]] = []
    for i, relation in _items(data, "relations"):
        if isinstance(relation, dict):
            links.append((["relations", i, "target"], relation.get("target"), relation.get("type")))
    for i, target in _items(data, "affiliates"):
        links.append((["affiliates", i], target, None))
    for tokens, target, relation_type in links:
        if not isinstance(target, str) or not _ID.match(target):
            continue  # the schema reports malformed ids
        if (
            target in ids
            and target != rid
            and relation_type != "uses-symbol"
            and (tokens[0] != "affiliates" or target.startswith("group:"))
        ):
            continue  # the usual case, decided without building messages
        pointer = pointer_of(tokens)
        if target == rid:
            problems.append(Problem(file, rid, pointer, "points at the record itself"))
            continue
        if target not in ids:
            problems.append(
                Problem(
                    file,
                    rid,
                    pointer,
                    f"points at '{target}', which does not exist (not in these sources and "
                    "not in the store)",
                )
            )
        target_type = target.split(":", 1)[0]
        if tokens[0] == "affiliates" and target_type != "group":
            problems.append(
                Problem(file, rid, pointer, f"affiliates are groups, but '{target}' is not")
            )
        if relation_type == "uses-symbol" and target_type != "symbol":
            problems.append(
                Problem(file, rid, pointer, f"'uses-symbol' must point at a symbol, not '{target}'")
            )
    return problems


def _designation_problems(file: str | None, rid: str | None, data: dict[str, Any]) -> list[Problem]:
    problems = []
    for i, designation in _items(data, "designations"):
        if not isinstance(designation, dict):
            continue
        listed, ended = _date(designation.get("listed")), _date(designation.get("ended"))
        if listed and ended and ended < listed:
            problems.append(
                Problem(
                    file,
                    rid,
                    f"/designations/{i}/ended",
                    f"ended ({ended}) is before listed ({listed})",
                )
            )
    return problems


def _alias_problems(file: str | None, rid: str | None, data: dict[str, Any]) -> list[Problem]:
    problems = []
    first: dict[tuple[str, str], int] = {}
    for i, alias in _items(data, "aliases"):
        if not isinstance(alias, dict):
            continue
        value, language = alias.get("value"), alias.get("language")
        if not isinstance(value, str) or not isinstance(language, str):
            continue
        key = (value.casefold(), language.casefold())
        if key in first:
            problems.append(
                Problem(
                    file,
                    rid,
                    f"/aliases/{i}",
                    f"duplicate alias {show(value)} in language '{language}' "
                    f"(same as /aliases/{first[key]}, ignoring case)",
                )
            )
        else:
            first[key] = i
    return problems


def _code_problems(file: str | None, rid: str | None, data: dict[str, Any]) -> list[Problem]:
    problems = []
    for tokens, tag in _language_tags(data):
        if isinstance(tag, str) and _unregistered_language(tag):
            message = f"{show(tag)} is not a valid BCP 47 language tag (e.g. en, de, sr-Latn)"
            problems.append(Problem(file, rid, pointer_of(tokens), message))
    for tokens, code in _country_codes(data):
        if isinstance(code, str) and _unassigned_country(code):
            message = f"{show(code)} is not an ISO 3166-1 country code"
            problems.append(Problem(file, rid, pointer_of(tokens), message))
    return problems


def catalogue_problems(
    entries: Sequence[Entry], *, known_ids: Collection[str] = ()
) -> list[Problem]:
    """Every catalogue-rule problem in a batch of records given as (file, data)."""
    where: defaultdict[str, list[str | None]] = defaultdict(list)
    for file, data in entries:
        rid = data.get("id")
        if isinstance(rid, str):
            where[rid].append(file)
    problems: list[Problem] = []
    for rid, files in where.items():
        if len(files) > 1:
            for n, file in enumerate(files):
                others = [f or "(no file)" for j, f in enumerate(files) if j != n]
                also = (
                    f"also in {', '.join(others)}"
                    if any(files)
                    else f"the batch holds it {len(files)} times"
                )
                problems.append(Problem(file, rid, "/id", f"duplicate id '{rid}': {also}"))
    ids = set(where) | set(known_ids)
    for file, data in entries:
        rid = data.get("id") if isinstance(data.get("id"), str) else None
        if rid is not None:
            problems += _link_problems(file, rid, data, ids)
        problems += _designation_problems(file, rid, data)
        problems += _alias_problems(file, rid, data)
        problems += _code_problems(file, rid, data)
    return problems

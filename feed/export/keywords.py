"""Plain keyword lists per language, for tools that only take a list of words to look for."""

from __future__ import annotations

import re
from collections.abc import Iterator

from feed.export.common import language_key
from feed.model import AnyRecord, PublishedPackage
from feed.model.vocab import Ambiguity

__all__ = ["keyword_lists", "record_keywords", "to_keywords"]

_SPACE = re.compile(r"\s+")


def record_keywords(record: AnyRecord) -> Iterator[tuple[str, str]]:
    """(language, keyword) pairs of one record: aliases, text patterns, numeric codes.

    Numeric codes appear as they are usually written (`14/88`), or as digits when the record
    gives no display form; codes and patterns without a language go to `und`.
    """
    for alias in record.aliases:
        yield language_key(alias.language), alias.value
    for pattern in record.indicators.text_patterns:
        yield language_key(pattern.language), pattern.value
    for code in record.indicators.numeric_codes:
        yield "und", code.display or code.value


def keyword_lists(package: PublishedPackage, *, include_high: bool = False) -> dict[str, list[str]]:
    """Sorted, de-duplicated keywords by primary language subtag (`en`, `de`, `und`, ...).

    Retired records are left out. So are records of high ambiguity (innocent uses are common,
    every match needs human review) unless `include_high` asks for them: a plain list cannot
    carry that warning.
    """
    lists: dict[str, set[str]] = {}
    for record in package.records:
        if record.retired_in is not None:
            continue
        if record.guidance.ambiguity == Ambiguity.HIGH and not include_high:
            continue
        for language, keyword in record_keywords(record):
            # One keyword per line: line breaks and runs of spaces inside a value collapse.
            line = _SPACE.sub(" ", keyword).strip()
            if line:
                lists.setdefault(language, set()).add(line)
    return {language: sorted(words) for language, words in sorted(lists.items())}


def to_keywords(package: PublishedPackage, *, include_high: bool = False) -> dict[str, bytes]:
    """One UTF-8 text file per language, `<language>.txt`, one keyword per line."""
    return {
        f"{language}.txt": ("\n".join(words) + "\n").encode()
        for language, words in keyword_lists(package, include_high=include_high).items()
    }

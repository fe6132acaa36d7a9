"""Recognise numbers that look like prices, dates or parts of longer numbers (review, not act).

A numeric code such as `88` or `1488` collides with ordinary numbers all the time. Boundaries
already keep a code from firing inside a longer run of digits (`214889`, `1988`); this module
looks at the text around a match that did fire and names the benign reading it may have, so the
match goes to a person instead of an automatic action.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["numeric_collision"]

# Currency codes and words written next to amounts (ambiguous ones such as TRY are left out).
_CURRENCY_WORDS = frozenset(
    [
        *("eur", "euro", "euros", "usd", "dollar", "dollars", "gbp", "pound", "pounds"),
        *("chf", "pln", "zl", "zł", "sek", "nok", "dkk", "kr", "czk", "kč", "huf", "ron"),
        *("lei", "bgn", "лв", "rub", "руб", "uah", "грн", "jpy", "yen", "cny", "yuan", "rmb"),
    ]
)
_WORD_BEFORE = re.compile(r"(\w+)\s?$")
_WORD_AFTER = re.compile(r"^\s?(\w+)")
_GROUPS = re.compile(r"\d+")
_DATE_SEPARATORS = frozenset("./-")
_THOUSANDS_SEPARATORS = frozenset(",. '\u00a0\u202f\u2019")
# A neighbouring digit group joined to the match by at most two separator characters.
_LONGER_BEFORE = re.compile(r"\d[^\w\n]{1,2}$")
_LONGER_AFTER = re.compile(r"^[^\w\n]{1,2}\d")
_QUANTITY_AFTER = re.compile(r"^\s?[%‰°]")


def _currency_next_to(before: str, after: str) -> bool:
    b = before.rstrip(" \u00a0")
    a = after.lstrip(" \u00a0")
    if (b and unicodedata.category(b[-1]) == "Sc") or (a and unicodedata.category(a[0]) == "Sc"):
        return True
    word_before = _WORD_BEFORE.search(before)
    word_after = _WORD_AFTER.search(after)
    return any(
        m is not None and m.group(1).casefold() in _CURRENCY_WORDS
        for m in (word_before, word_after)
    )


def _separators(span: str) -> list[str]:
    return [s.strip() or " " for s in _GROUPS.split(span)[1:-1]]


def _looks_like_date(groups: list[str], seps: list[str]) -> bool:
    if len(groups) != 3 or len(set(seps)) != 1 or seps[0] not in _DATE_SEPARATORS:
        return False
    a, b = int(groups[0]), int(groups[1])
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _looks_like_thousands(groups: list[str], seps: list[str]) -> bool:
    return (
        len(groups) >= 2
        and 1 <= len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
        and len(set(seps)) == 1
        and seps[0] in _THOUSANDS_SEPARATORS
    )


def numeric_collision(text: str, start: int, end: int) -> str | None:
    """The benign reading of the number `text[start:end]`, or None if it has none.

    `price`: a currency sign or code next to it (`€14.88`, `14,88 EUR`). `date`: three groups
    that read as a day, month and year (`1/4/88`). `number-format`: thousands grouping
    (`1,488`). `longer-number`: more digits joined to it by one or two separators (`19 88`,
    `030 1488 1234`). `quantity`: a percent or degree sign after it.
    """
    before = text[max(0, start - 8) : start]
    after = text[end : end + 8]
    if _currency_next_to(before, after):
        return "price"
    span = text[start:end]
    groups = _GROUPS.findall(span)
    seps = _separators(span)
    if _looks_like_date(groups, seps):
        return "date"
    if _looks_like_thousands(groups, seps):
        return "number-format"
    if _LONGER_BEFORE.search(before) or _LONGER_AFTER.search(after):
        return "longer-number"
    if _QUANTITY_AFTER.search(after):
        return "quantity"
    return None

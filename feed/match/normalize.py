"""Normalization as per-character translation tables, with the map back to the original text.

Every normalization profile is compiled into one `str.translate` table: each character maps on
its own to zero, one or several characters (compatibility decomposition, case folding, accent,
confusable, invisible and separator removal, leetspeak). Because the mapping is per character,
it runs as one C-level `translate` call over a whole batch of text, and the position of any
normalized character in the original can be recomputed exactly, later, and only for the few
segments that produced a candidate match (`source_index`).

Decomposition is per character (NFKD of each character, not of the string), so canonically
equivalent spellings agree: `é` and `e` + U+0301 normalize alike, both in patterns and in text.
The only thing given up against string-level NFKC is the canonical reordering of several
combining marks on one letter, which does not matter once accents are stripped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import compress

from feed.match.chars import (
    CONFUSABLES,
    EXTRA_SEPARATORS,
    INVISIBLE,
    LEET,
    STROKES,
    is_invisible,
    is_separator,
)
from feed.model import NormalizationProfile

__all__ = [
    "LEET_TABLE",
    "SEARCH_PROFILE",
    "Table",
    "comparable",
    "fold_char",
    "search_form",
    "source_index",
    "translation_table",
]

Table = dict[int, str | None]

#: The profile of the search form: every profile's fold, separators ignored, no leetspeak.
#: Any two strings equal under some profile are equal under this one, so one pass over this
#: form finds every candidate; each candidate is then checked under its pattern's own profile.
SEARCH_PROFILE = NormalizationProfile(ignore_separators=True, leetspeak=False)

_SPACES = re.compile(" {2,}")
_CHANGING_CATEGORIES = frozenset(
    ["Mn", "Mc", "Me", "Zs", "Zl", "Zp", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Cc", "Cf"]
)


def _with_capitals(table: dict[str, str]) -> dict[str, str]:
    """Add capital forms (`В` -> `B`) for profiles that keep case."""
    out = dict(table)
    for small, target in table.items():
        capital = small.upper()
        if len(capital) == 1 and capital != small and capital.casefold() == small:
            out[capital] = target.upper()
    return out


_CONFUSABLES_ANY_CASE = _with_capitals(CONFUSABLES)
_STROKES_ANY_CASE = _with_capitals(STROKES)


def _ascii_digit(ch: str) -> str:
    if ch.isascii():
        return ch
    value = unicodedata.decimal(ch, None)
    return ch if value is None else str(value)


def fold_char(ch: str, profile: NormalizationProfile) -> str:
    """What one character becomes under `profile` (the definition every table is built from)."""
    if profile.strip_invisible and is_invisible(ch):
        return ""
    text = ch
    if profile.casefold:
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        text = "".join(map(_ascii_digit, text))
    elif profile.strip_accents:
        text = unicodedata.normalize("NFD", text)
    out: list[str] = []
    for part in text:
        if profile.strip_invisible and is_invisible(part):
            continue
        if profile.strip_accents:
            if unicodedata.category(part)[0] == "M":
                continue
            part = _STROKES_ANY_CASE.get(part, part)
        for c in part:
            if profile.fold_confusables:
                c = _CONFUSABLES_ANY_CASE.get(c, c)
            if is_separator(c):
                if profile.ignore_separators:
                    continue
                if c.isspace():
                    c = " "
            if profile.leetspeak:
                c = LEET.get(c, c)
            out.append(c)
    return "".join(out)


@lru_cache(maxsize=1)
def _candidates() -> tuple[str, ...]:
    """Every character that some profile may change; all others always map to themselves."""
    listed = (
        set(_CONFUSABLES_ANY_CASE)
        | set(_STROKES_ANY_CASE)
        | INVISIBLE
        | EXTRA_SEPARATORS
        | set(LEET)
        | {" "}
    )
    # Hangul syllables are left composed: text and patterns both arrive composed (NFC) in
    # practice, and decomposing 11,172 syllables would only slow the tables down.
    ranges = (
        range(0xAC00),
        range(0xD7A4, 0x20000),
        range(0x2F800, 0x2FA20),
        range(0xE0000, 0xE01F0),
    )
    category, decomposition, decimal = (
        unicodedata.category,
        unicodedata.decomposition,
        unicodedata.decimal,
    )
    found = [
        ch
        for r in ranges
        for ch in map(chr, r)
        if ch in listed
        or category(ch) in _CHANGING_CATEGORIES
        or decomposition(ch)
        or ch.casefold() != ch
        or (ch > "\x7f" and decimal(ch, None) is not None)
    ]
    return tuple(found)


@lru_cache(maxsize=64)
def translation_table(profile: NormalizationProfile) -> Table:
    """The `str.translate` table of a profile (built once per profile, about 0.1 s).

    Deletions are `None`, never `""`: CPython's ASCII fast path for `translate` only accepts
    one-character strings and `None`, and that path is what makes normalization cheap.
    """
    table: Table = {}
    for ch in _candidates():
        out = fold_char(ch, profile)
        if out != ch:
            table[ord(ch)] = out or None
    return table


#: Leetspeak over the search form: one character to one character, so a leet form has the
#: same length as the search form it comes from and shares its map to the original.
LEET_TABLE: Table = {ord(k): v for k, v in LEET.items()}


def search_form(text: str) -> str:
    """`text` under `SEARCH_PROFILE` (what the automata run over)."""
    return text.translate(translation_table(SEARCH_PROFILE))


def comparable(text: str, profile: NormalizationProfile) -> str:
    """`text` under `profile`, with runs of spaces collapsed where separators count."""
    folded = text.translate(translation_table(profile))
    return folded if profile.ignore_separators else _SPACES.sub(" ", folded)


@lru_cache(maxsize=1)
def _search_lengths() -> tuple[dict[int, str], dict[str, int]]:
    table = translation_table(SEARCH_PROFILE)
    ascii_mask = {
        cp: ("\x01" if len(table.get(cp, chr(cp)) or "") else "\x00") for cp in range(128)
    }
    lengths = {chr(cp): len(out or "") for cp, out in table.items() if len(out or "") != 1}
    return ascii_mask, lengths


def source_index(segment: str) -> list[int]:
    """For each character of `search_form(segment)`, the index in `segment` it comes from.

    Pure ASCII segments (the common case) take a C-level path: a translate to a 0/1 mask and
    `itertools.compress`. Other segments take a Python loop, which is why this runs only for
    segments that produced a candidate.
    """
    ascii_mask, lengths = _search_lengths()
    if segment.isascii():
        mask = segment.translate(ascii_mask).encode("ascii")
        return list(compress(range(len(segment)), mask))
    index: list[int] = []
    for i, ch in enumerate(segment):
        n = lengths.get(ch)
        if n is None:
            index.append(i)
        elif n:
            index.extend([i] * n)
    return index

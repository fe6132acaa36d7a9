"""Normalization as per-character translation tables, with the map back to the original text.

Every normalization profile is compiled into one `str.translate` table: each character maps on
its own to zero, one or several characters (compatibility decomposition, case folding, accent,
confusable, invisible and separator removal, leetspeak). Because the mapping is per character,
it runs as one C-level `translate` call over a whole batch of text, and the position of any
normalized character in the original can be recomputed exactly, later, and only for the few
segments that produced a candidate match (`SourceMap`).

Decomposition is per character (NFKD of each character, not of the string), so canonically
equivalent spellings agree: `é` and `e` + U+0301 normalize alike, both in patterns and in text.
The only thing given up against string-level NFKC is the canonical reordering of several
combining marks on one letter, which does not matter once accents are stripped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from feed.match.chars import (
    CONFUSABLES,
    EMOJI_MODIFIERS,
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
    "SourceMap",
    "Table",
    "comparable",
    "fold_char",
    "fold_with",
    "search_form",
    "search_table",
    "source_index",
    "translation_table",
]

Table = dict[int, str | None]

#: The profile of the search form: every profile's fold, separators ignored, no leetspeak.
#: Any two strings equal under some profile are equal under this one, so one pass over this
#: form finds every candidate; each candidate is then checked under its pattern's own profile.
SEARCH_PROFILE = NormalizationProfile(ignore_separators=True, leetspeak=False)

_SPACES = re.compile(" {2,}")
_HANGUL_SYLLABLES = (0xAC00, 0xD7A4)
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
    if _HANGUL_SYLLABLES[0] <= ord(ch) < _HANGUL_SYLLABLES[1]:
        # Left composed: text and patterns both arrive composed (NFC) in practice, and
        # decomposing 11,172 syllables would only make every table bigger.
        return ch
    text = ch
    if profile.casefold:
        # Marks are not case-folded: U+0345 (iota subscript) would become a letter, ι.
        text = "".join(
            c if unicodedata.category(c)[0] == "M" else c.casefold()
            for c in unicodedata.normalize("NFKD", text)
        )
        text = unicodedata.normalize("NFKD", text)
        text = "".join(map(_ascii_digit, text))
    elif profile.strip_accents:
        text = unicodedata.normalize("NFD", text)
    out: list[str] = []
    for part in text:
        if profile.strip_invisible and is_invisible(part):
            continue
        if profile.strip_accents:
            if unicodedata.category(part)[0] == "M" or part in EMOJI_MODIFIERS:
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
        | EMOJI_MODIFIERS
        | set(LEET)
        | {" "}
    )
    ranges = (
        range(_HANGUL_SYLLABLES[0]),
        range(_HANGUL_SYLLABLES[1], 0x20000),
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


@lru_cache(maxsize=1)
def search_table() -> Table:
    """The table of `SEARCH_PROFILE` (cheaper to fetch than hashing the profile each time)."""
    return translation_table(SEARCH_PROFILE)


def search_form(text: str) -> str:
    """`text` under `SEARCH_PROFILE` (what the automata run over)."""
    return text.translate(search_table())


def comparable(text: str, profile: NormalizationProfile) -> str:
    """`text` under `profile`, with runs of spaces collapsed where separators count."""
    return fold_with(text, translation_table(profile), collapse=not profile.ignore_separators)


def fold_with(text: str, table: Table, *, collapse: bool) -> str:
    """`comparable` with the profile's table at hand (the per-candidate hot path)."""
    folded = text.translate(table)
    return _SPACES.sub(" ", folded) if collapse else folded


@lru_cache(maxsize=1)
def _search_lengths() -> tuple[dict[int, str], dict[str, int]]:
    """How many search-form characters each character becomes, two ways.

    As a translate table to one character per input character whose code is that count (for
    every character whose count is not 1, and for every ASCII character so the ASCII fast path
    applies and low control codes cannot be misread as counts); and as a dict of the counts
    that are not 1.
    """
    table = search_table()
    lengths = {chr(cp): len(out or "") for cp, out in table.items() if len(out or "") != 1}
    coded = {cp: chr(len(table.get(cp, chr(cp)) or "")) for cp in range(128)}
    coded.update({ord(ch): chr(n) for ch, n in lengths.items()})
    return coded, lengths


def source_index(segment: str) -> list[int]:
    """For each character of `search_form(segment)`, the index in `segment` it comes from.

    The reference for `SourceMap`, which answers the same question for a few positions
    without building the whole list.
    """
    lengths = _search_lengths()[1]
    index: list[int] = []
    for i, ch in enumerate(segment):
        n = lengths.get(ch)
        if n is None:
            index.append(i)
        elif n:
            index.extend([i] * n)
    return index


class SourceMap:
    """Where characters of a segment's search form come from in the segment.

    Built only for segments with a candidate match, and cheap to build: one `translate` turns
    the segment into a string of per-character output counts (0 for a dropped character, 2 or
    more for an expansion, 1 otherwise); a position is then found with a few C-level
    `str.count` calls instead of a Python loop over the segment.
    """

    __slots__ = ("_counts", "_kinds")

    def __init__(self, segment: str) -> None:
        self._counts = segment.translate(_search_lengths()[0])
        # Output counts other than 1 that occur here (usually just 0: dropped separators).
        self._kinds = [k for k in range(19) if k != 1 and chr(k) in self._counts]

    def _produced(self, i: int) -> int:
        """Search-form characters produced by the first `i` characters of the segment."""
        counts = self._counts
        return i + sum((k - 1) * counts.count(chr(k), 0, i) for k in self._kinds)

    def __getitem__(self, j: int) -> int:
        """Index in the segment of the character that produced search-form character `j`."""
        if self._kinds == [0]:
            # Only drops: the j-th kept character is at i = j + (drops up to i); iterate to the
            # smallest such i from below, one count per step.
            counts, i = self._counts, j
            while True:
                moved = j + counts.count("\x00", 0, i + 1)
                if moved == i:
                    return i
                i = moved
        lo, hi = 0, len(self._counts) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._produced(mid + 1) > j:
                hi = mid
            else:
                lo = mid + 1
        return lo

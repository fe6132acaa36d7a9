"""Search batches of texts: one automaton pass over the search form, then exact confirmation.

A batch is many texts joined by NUL into one string. The whole batch is normalized to the search
form with one `translate` call and scanned with one Aho-Corasick pass; a second, small pass over
the leetspeak form covers only the texts where a letter touches a digit, `@` or `$`. Each hit is
only a candidate: it is mapped back to its original text (`SourceMap`, built only for texts
that have candidates) and confirmed there under the pattern's own profile and word boundaries.
Texts without candidates are never looked at again, which keeps the cost near raw
Aho-Corasick whatever the number of patterns and profiles.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, compress, repeat
from operator import not_

from feed.match.chars import extend_over_marks, is_invisible, joins_words

# SEPARATOR joins texts in a batch. It maps to itself in every table and is never part of a
# pattern (compile refuses it), so no match can span two texts; documents containing NUL are
# split there (`split_document`).
from feed.match.compile import SEPARATOR, Catalogue, TextIndicator
from feed.match.normalize import (
    LEET_TABLE,
    SourceMap,
    fold_with,
    search_table,
)
from feed.match.numbers import numeric_collision

__all__ = ["MAX_SEGMENT", "SEPARATOR", "Hit", "cut_point", "search_batch", "split_document"]

#: Longest segment: long documents are cut, preferably at a blank line, a line end or a space.
MAX_SEGMENT = 1 << 18


@dataclass(frozen=True, slots=True)
class Hit:
    """A confirmed match: `start`/`end` (code points) in text number `text_no` of a batch."""

    text_no: int
    start: int
    end: int
    text: str
    indicator: TextIndicator
    collision: str | None

    def placed(self, doc: int, offset: int) -> Hit:
        """The same hit in document `doc`, whose text started at `offset`."""
        return replace(self, text_no=doc, start=self.start + offset, end=self.end + offset)


def cut_point(text: str, start: int, limit: int) -> int:
    """Where the piece of `text` from `start` ends: within `limit` characters, at a blank line,
    a line end or a space when there is one in the second half of the window."""
    if len(text) - start <= limit:
        return len(text)
    lower, upper = start + limit // 2, start + limit
    for mark in ("\n\n", "\n", " ", "\t"):
        at = text.rfind(mark, lower, upper)
        if at != -1:
            return at + len(mark)
    # No break: cut hard, but not between a character and its accents or modifiers.
    return extend_over_marks(text, upper)


def split_document(text: str) -> Iterator[tuple[int, str]]:
    """(offset, piece) for the pieces a document is searched in: no NUL, none too long."""
    offset = 0
    for part in text.split(SEPARATOR):
        start = 0
        while True:
            end = cut_point(part, start, MAX_SEGMENT)
            yield offset + start, part[start:end]
            if end >= len(part):
                break
            start = end
        offset += len(part) + 1


def _free_before(text: str, i: int, leet: bool) -> bool:
    i -= 1
    while i >= 0 and is_invisible(text[i]):
        i -= 1
    return i < 0 or not joins_words(text[i], leet=leet)


def _free_after(text: str, i: int, leet: bool) -> bool:
    n = len(text)
    while i < n and is_invisible(text[i]):
        i += 1
    return i >= n or not joins_words(text[i], leet=leet)


Candidate = tuple[int, int, tuple[TextIndicator, ...]]


def _confirm(
    text_no: int, text: str, index: SourceMap, candidates: list[Candidate]
) -> Iterator[Hit]:
    for j0, j1, indicators in candidates:
        start = index[j0]
        end = extend_over_marks(text, index[j1 - 1] + 1)
        span = text[start:end]
        for ind in indicators:
            if ind.expected is not None and fold_with(span, ind.table, collapse=ind.collapse) != (
                ind.expected
            ):
                continue
            if ind.check_left and not _free_before(text, start, ind.leet):
                continue
            if ind.check_right and not _free_after(text, end, ind.leet):
                continue
            # A run of digits is a number, never leetspeak for a word.
            if ind.leet and not any(map(str.isalpha, span)):
                continue
            collision = numeric_collision(text, start, end) if ind.numeric else None
            yield Hit(text_no, start, end, span, ind, collision)


def _collect(
    raw: list[tuple[int, tuple[int, tuple[TextIndicator, ...]]]],
    form: str,
    numbers: Sequence[int],
    found: dict[int, list[Candidate]],
) -> None:
    """File automaton hits over `form` (texts joined by SEPARATOR) under the text each one
    falls in.

    Hits come in order of their last character, and no pattern contains SEPARATOR, so the
    separators before a hit's last character count the texts before it: counted in C, piece
    by piece, without splitting the form into its texts.
    """
    text = start = counted = 0
    for last, (length, indicators) in raw:
        passed = form.count(SEPARATOR, counted, last)
        if passed:
            text += passed
            start = form.rfind(SEPARATOR, counted, last) + 1
        counted = last
        j1 = last + 1
        found[numbers[text]].append((j1 - length - start, j1 - start, indicators))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
#: Below this share of non-ASCII bytes, text is folded run by run before the one translate.
_SPARSE = 0.1

# Letters, digits and the two leet signs as three classes (everything else a space).
_CLASSES: dict[int, str] = {
    cp: "a" if chr(cp).isalpha() else "0" if chr(cp).isdigit() else "$" if chr(cp) in "@$" else " "
    for cp in range(128)
}


def _seams(classes: str, mark: str, *, after: bool) -> list[int]:
    """Positions of `mark` characters with a letter before them (or, with `after`, after).

    Splitting at the (rare) mark and testing the pieces' ends runs in C: no Python loop over
    every digit of a number-heavy text.
    """
    pieces = classes.split(mark)
    if len(pieces) == 1:
        return []
    last = len(pieces) - 1
    found = set(compress(range(last), map(str.endswith, pieces, repeat("a", last))))
    if after:
        found.update(compress(range(last), map(str.startswith, pieces[1:], repeat("a"))))
    if not found:
        return []
    # The i-th mark sits after the first i + 1 pieces and the i marks between them.
    ends = list(accumulate(map(len, pieces)))
    return [ends[i] + i for i in found]


def _leet_suspects(joined: str) -> list[int]:
    """Which of the joined ASCII texts leetspeak can hide in: a letter touching a digit
    (`h4te`, `2day`) or followed by `@` or `$` (`h@te`; not `@name`).

    Other texts are searched once: the main pass already finds plain and spaced-out forms of
    leetspeak patterns; only leetspeak with no such seam (`h 4 t 3`) goes unseen.
    """
    classes = joined.translate(_CLASSES)
    seams = _seams(classes, "0", after=True) + _seams(classes, "$", after=False)
    if not seams:
        return []
    starts = [0, *accumulate(len(text) + 1 for text in joined.split(SEPARATOR))]
    return sorted({bisect_right(starts, at) - 1 for at in seams})


def _search_joined(
    catalogue: Catalogue, texts: list[str], numbers: Sequence[int], joined: str, *, plain: bool
) -> list[Hit]:
    """Search texts joined by SEPARATOR; `plain` when they are all ASCII."""
    table = search_table()
    if not plain and len(joined.encode()) - len(joined) < len(joined) * _SPARSE:
        # A few accented letters in Latin text: fold the runs of non-ASCII characters first,
        # one call per run, and what is left is usually ASCII, which takes translate's fast
        # path. The result is the same, because the search form of a search form is itself.
        # (Text in another script has a run per word: translating it whole is faster.)
        joined = _NON_ASCII.sub(lambda run: run.group().translate(table), joined)
        plain = joined.isascii()
    form = joined.translate(table)
    found: dict[int, list[Candidate]] = defaultdict(list)
    if catalogue.search is not None:
        raw = list(catalogue.search.iter(form))
        if raw:
            _collect(raw, form, numbers, found)
    if catalogue.leet is not None:
        # Outside ASCII, leetspeak signs and digits have too many forms to look for seams.
        suspects = _leet_suspects(joined) if plain else list(range(len(numbers)))
        if suspects:
            forms = form.split(SEPARATOR)
            leet_form = SEPARATOR.join([forms[i] for i in suspects]).translate(LEET_TABLE)
            raw = list(catalogue.leet.iter(leet_form))
            if raw:
                _collect(raw, leet_form, [numbers[i] for i in suspects], found)
    hits: list[Hit] = []
    for number, candidates in found.items():
        text = texts[number]
        hits.extend(_confirm(number, text, SourceMap(text), candidates))
    return hits


def search_batch(catalogue: Catalogue, texts: list[str]) -> list[Hit]:
    """Every confirmed hit in a batch of texts that contain no NUL (in no particular order)."""
    if catalogue.search is None and catalogue.leet is None:
        return []
    flags = list(map(str.isascii, texts))
    if all(flags):
        return _search_joined(
            catalogue, texts, range(len(texts)), SEPARATOR.join(texts), plain=True
        )
    # translate() takes its fast path only while the input is ASCII; keep the ASCII texts
    # together so one accented post does not slow down the whole batch.
    hits: list[Hit] = []
    for plain in (True, False):
        numbers = list(compress(range(len(texts)), flags if plain else map(not_, flags)))
        if numbers:
            group = SEPARATOR.join([texts[i] for i in numbers])
            hits += _search_joined(catalogue, texts, numbers, group, plain=plain)
    return hits

"""Search batches of text segments: one automaton pass per form, then exact confirmation.

A batch is many segments joined by NUL into one string. The whole batch is normalized to the
search form with one `translate` call and scanned with one Aho-Corasick pass (plus one pass over
its leetspeak form when the catalogue has leetspeak patterns). Each hit is only a candidate:
it is mapped back to the original segment (`source_index`, computed once per segment that has
candidates) and confirmed under the pattern's own profile and word boundaries there. Segments
without candidates are never looked at again, which is what keeps the cost near raw
Aho-Corasick.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from feed.match.chars import is_invisible, joins_words
from feed.match.compile import Catalogue, TextIndicator, extend_over_marks
from feed.match.normalize import (
    LEET_TABLE,
    SEARCH_PROFILE,
    comparable,
    source_index,
    translation_table,
)
from feed.match.numbers import numeric_collision

__all__ = ["SEPARATOR", "Hit", "Segment", "search_batch", "split_document"]

#: Joins segments in a batch. Maps to itself in every table and is never part of a pattern, so
#: no match can span two segments; documents containing NUL are split there (`split_document`).
SEPARATOR = "\x00"
#: Longest segment: long documents are cut, preferably at a blank line, a line end or a space.
MAX_SEGMENT = 1 << 18


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a document: `text` starts at code point `offset` of document `doc`."""

    doc: int
    offset: int
    text: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A confirmed match: a span of document `doc` (code points) and the indicator that made it."""

    doc: int
    start: int
    end: int
    text: str
    indicator: TextIndicator
    collision: str | None


def _cut(text: str, start: int, limit: int) -> int:
    """Where the piece of `text` from `start` ends: within `limit` characters, at a blank line,
    a line end or a space when there is one in the second half of the window."""
    if len(text) - start <= limit:
        return len(text)
    lower, upper = start + limit // 2, start + limit
    for mark in ("\n\n", "\n", " ", "\t"):
        at = text.rfind(mark, lower, upper)
        if at != -1:
            return at + len(mark)
    return upper


def split_document(doc: int, text: str, offset: int = 0) -> Iterator[Segment]:
    """The segments of one document (or of a piece of it starting at `offset`)."""
    parts = text.split(SEPARATOR) if SEPARATOR in text else [text]
    for part in parts:
        start = 0
        while True:
            end = _cut(part, start, MAX_SEGMENT)
            yield Segment(doc, offset + start, part[start:end])
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


def _confirm(segment: Segment, index: list[int], candidates: list[Candidate]) -> list[Hit]:
    text = segment.text
    hits = []
    for j0, j1, indicators in candidates:
        start = index[j0]
        end = extend_over_marks(text, index[j1 - 1] + 1)
        span = text[start:end]
        for ind in indicators:
            if ind.expected is not None and comparable(span, ind.profile) != ind.expected:
                continue
            if ind.check_left and not _free_before(text, start, ind.leet):
                continue
            if ind.check_right and not _free_after(text, end, ind.leet):
                continue
            # A run of digits is a number, never leetspeak for a word.
            if ind.leet and not any(map(str.isalpha, span)):
                continue
            collision = numeric_collision(text, start, end) if ind.numeric else None
            hits.append(
                Hit(
                    segment.doc,
                    segment.offset + start,
                    segment.offset + end,
                    span,
                    ind,
                    collision,
                )
            )
    return hits


def _scan(automaton: Any, form: str) -> list[tuple[int, tuple[int, Any]]]:
    return list(automaton.iter(form))


def _search_group(catalogue: Catalogue, segments: list[Segment]) -> list[Hit]:
    form = SEPARATOR.join(s.text for s in segments).translate(translation_table(SEARCH_PROFILE))
    raw = _scan(catalogue.search, form) if catalogue.search is not None else []
    if catalogue.leet is not None:
        raw += _scan(catalogue.leet, form.translate(LEET_TABLE))
    if not raw:
        return []
    # Where each segment starts in the search form; the leet form has the same length.
    starts = [0, *accumulate(len(s) + 1 for s in form.split(SEPARATOR))]
    found: dict[int, list[Candidate]] = defaultdict(list)
    for last, (length, indicators) in raw:
        j1 = last + 1
        j0 = j1 - length
        seg = bisect_right(starts, j0) - 1
        base = starts[seg]
        found[seg].append((j0 - base, j1 - base, indicators))
    hits = []
    for seg, candidates in found.items():
        segment = segments[seg]
        hits.extend(_confirm(segment, source_index(segment.text), candidates))
    return hits


def search_batch(catalogue: Catalogue, segments: list[Segment]) -> list[Hit]:
    """Every confirmed hit in a batch of segments (in no particular order)."""
    if catalogue.search is None and catalogue.leet is None:
        return []
    if all(s.text.isascii() for s in segments):
        return _search_group(catalogue, segments)
    # translate() takes its fast path only while the input is ASCII; keep the ASCII segments
    # together so one accented post does not slow down the whole batch.
    ascii_segments = [s for s in segments if s.text.isascii()]
    other = [s for s in segments if not s.text.isascii()]
    hits = _search_group(catalogue, ascii_segments) if ascii_segments else []
    return hits + _search_group(catalogue, other)

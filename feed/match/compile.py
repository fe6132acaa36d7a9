"""Compile a catalogue's indicators into search automata and a file-hash index."""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

import ahocorasick

from feed.errors import Problem
from feed.match.chars import extend_over_marks, joins_words
from feed.match.normalize import (
    LEET_TABLE,
    SEARCH_PROFILE,
    Table,
    fold_with,
    search_form,
    search_table,
    translation_table,
)
from feed.match.results import IndicatorKind
from feed.model import (
    AnyRecord,
    Guidance,
    Manifesto,
    NormalizationProfile,
    ReleaseInfo,
)
from feed.model.vocab import PatternKind

__all__ = [
    "Catalogue",
    "FileIndicator",
    "RecordRef",
    "TextIndicator",
    "compile_records",
]

#: Joins texts in a batch (see `search.py`): a pattern containing it could span two texts.
SEPARATOR = "\x00"
#: Numeric codes ignore separators and fold everything else, which is the search profile itself.
NUMERIC_PROFILE = SEARCH_PROFILE
#: Evasions are literal disguised forms: folded, but with their separators as written.
EVASION_PROFILE = NormalizationProfile()


@dataclass(frozen=True, slots=True)
class RecordRef:
    """What a match reports about its record."""

    id: str
    type: str
    name: str
    guidance: Guidance


@dataclass(frozen=True, slots=True)
class TextIndicator:
    """One text indicator, compiled: how to confirm a candidate and what to report."""

    record: RecordRef
    pattern: str
    #: The pattern without leading and trailing separators: what a span must match.
    core: str
    indicator: IndicatorKind
    pattern_kind: PatternKind | None
    note: str | None
    profile: NormalizationProfile
    #: The profile's translate table, and whether runs of spaces collapse (separators count).
    table: Table
    collapse: bool
    #: `comparable()` form a candidate must have, or None when the search form decides alone.
    expected: str | None
    check_left: bool
    check_right: bool
    numeric: bool
    leet: bool


@dataclass(frozen=True, slots=True)
class FileIndicator:
    """One known file hash of a record."""

    record: RecordRef
    algorithm: str
    digest: str
    variant: str | None


@dataclass
class Catalogue:
    """Everything the matcher needs, compiled once from the records."""

    search: Any  # ahocorasick.Automaton over the search form, or None without text indicators
    leet: Any  # ahocorasick.Automaton over the leet form, or None without leetspeak patterns
    files: dict[tuple[str, str], list[FileIndicator]]
    records: int
    text_indicators: int
    skipped: list[Problem] = field(default_factory=list)
    release: ReleaseInfo | None = None

    @property
    def algorithms(self) -> frozenset[str]:
        """Hash algorithms some record uses (files are hashed with these only)."""
        return frozenset(algorithm for algorithm, _ in self.files)


@dataclass(frozen=True, slots=True)
class _Profile:
    """What compiling needs to know about one normalization profile, worked out once."""

    profile: NormalizationProfile
    table: Table
    #: Equal under this profile means equal in the search form: no confirmation needed.
    decides_alone: bool


@lru_cache(maxsize=128)
def _profile(flags: tuple[bool, ...]) -> _Profile:
    profile = NormalizationProfile(**dict(zip(_FLAGS, flags, strict=True)))
    plain = profile.model_copy(update={"leetspeak": False})
    return _Profile(profile, translation_table(profile), plain == SEARCH_PROFILE)


_FLAGS = tuple(NormalizationProfile.model_fields)
_flags_of = attrgetter(*_FLAGS)


class _Unmatchable(Exception):
    """An indicator that can never match, and why (reported in `Catalogue.skipped`)."""


def _core(value: str) -> str | None:
    """`value` without the leading and trailing characters the search form drops.

    Spans start and end on a character that survives the search form, so leading and trailing
    separators or invisible characters are not part of what a span must match.
    """
    table = search_table()
    start, end = 0, len(value)
    while start < end and not value[start].translate(table):
        start += 1
    while end > start and not value[end - 1].translate(table):
        end -= 1
    return value[start : extend_over_marks(value, end)] if start < end else None


def _compile_text(
    record: RecordRef,
    value: str,
    *,
    indicator: IndicatorKind,
    pattern_kind: PatternKind | None,
    note: str | None,
    profile: NormalizationProfile,
    word_boundaries: bool,
) -> tuple[str, TextIndicator]:
    """The search-form key of one text indicator and how to confirm and report its matches."""
    core = _core(value)
    if core is None:
        raise _Unmatchable(
            "normalizes to nothing (only separators or invisible characters), so it can never match"
        )
    if SEPARATOR in core:
        raise _Unmatchable("contains a NUL character, which separates texts in a batch")
    key = search_form(core)
    # Leetspeak only for alphabetic patterns: a pattern with digits keeps its digits.
    flags: tuple[bool, ...] = _flags_of(profile)
    leet = profile.leetspeak and not any(map(str.isdigit, key)) and any(map(str.isalpha, key))
    if profile.leetspeak and not leet:
        flags = tuple(f and name != "leetspeak" for name, f in zip(_FLAGS, flags, strict=True))
    compiled_profile = _profile(flags)
    compiled = TextIndicator(
        record=record,
        pattern=value,
        core=core,
        indicator=indicator,
        pattern_kind=pattern_kind,
        note=note,
        profile=compiled_profile.profile,
        table=compiled_profile.table,
        collapse=not profile.ignore_separators,
        expected=None
        if compiled_profile.decides_alone
        else fold_with(core, compiled_profile.table, collapse=not profile.ignore_separators),
        check_left=word_boundaries and joins_words(key[0], leet=leet),
        check_right=word_boundaries and joins_words(key[-1], leet=leet),
        numeric=key.isdigit() and key.isascii(),
        leet=leet,
    )
    return key, compiled


def _text_indicators(record: AnyRecord) -> Iterable[tuple[str, dict[str, Any]]]:
    """(JSON pointer, arguments of `_compile_text`) for each text indicator of a record."""
    indicators = record.indicators
    for i, tp in enumerate(indicators.text_patterns):
        yield (
            f"/indicators/text_patterns/{i}/value",
            dict(
                value=tp.value,
                indicator=IndicatorKind.TEXT_PATTERN,
                pattern_kind=tp.kind,
                note=None,
                profile=tp.normalization,
                word_boundaries=tp.word_boundaries,
            ),
        )
    for i, code in enumerate(indicators.numeric_codes):
        shown = f"{code.display}: " if code.display else ""
        yield (
            f"/indicators/numeric_codes/{i}/value",
            dict(
                value=code.value,
                indicator=IndicatorKind.NUMERIC_CODE,
                pattern_kind=PatternKind.NUMERIC_CODE,
                note=f"{shown}{code.meaning}",
                profile=NUMERIC_PROFILE,
                word_boundaries=True,
            ),
        )
    for i, evasion in enumerate(indicators.evasions):
        of = f" of {evasion.of}" if evasion.of else ""
        yield (
            f"/indicators/evasions/{i}/value",
            dict(
                value=evasion.value,
                indicator=IndicatorKind.EVASION,
                pattern_kind=None,
                note=f"{evasion.technique.value} evasion{of}",
                profile=EVASION_PROFILE,
                word_boundaries=True,
            ),
        )


def _file_indicators(record: AnyRecord, ref: RecordRef) -> Iterable[FileIndicator]:
    for h in record.indicators.file_hashes:
        yield FileIndicator(ref, h.algorithm.value, h.value, h.description)
    if isinstance(record, Manifesto):
        for variant in record.file_variants:
            label = " ".join(
                part for part in (variant.format, variant.language, variant.description) if part
            )
            for h in variant.hashes:
                yield FileIndicator(ref, h.algorithm.value, h.value, label)


#: Trie levels laid out first, together, when an automaton is built (see `_automaton`).
#: Depths up to which the trie's nodes are allocated, in turn, when an automaton is built: the
#: first levels one by one, then the rest of the shallow ones, then the deeper ones (see
#: `_automaton`).
_LAYOUT = (1, 2, 4, 6, 8)


def _automaton(keys: dict[str, list[TextIndicator]]) -> Any:
    """An Aho-Corasick automaton over `keys`, laid out for fast scanning.

    Scanning spends much of its time in shallow states, which every character falls back to
    along failure links, and pyahocorasick looks up a state's children one by one, in the
    order they were added. So the nodes are allocated shallow first, in the steps `_LAYOUT`
    gives: the first levels one by one, then the rest of the shallow ones, then the deeper
    nodes (the shallow nodes sit next to each other and stay in cache); and every node's
    children in order of character frequency (the commonest are found first). Prefixes
    added only for the layout are unmarked again: the words are exactly `keys`.
    """
    if not keys:
        return None
    counts = Counter("".join(keys))
    rank = {ord(ch): chr(0xF0000 + n) for n, (ch, _) in enumerate(counts.most_common())}
    ordered = sorted(keys, key=lambda key: key.translate(rank))
    automaton = ahocorasick.Automaton()
    placeholders: list[str] = []
    pending = ordered
    for depth in (*_LAYOUT, max(map(len, keys))):
        # Each prefix once, in the frequency order of the keys it starts.
        for word in dict.fromkeys([key[:depth] for key in pending]):
            compiled = keys.get(word)
            if compiled is not None:
                automaton.add_word(word, (len(word), tuple(compiled)))
            else:
                placeholders.append(word)
                automaton.add_word(word, None)
        pending = [key for key in pending if len(key) > depth]
    for word in placeholders:
        automaton.remove_word(word)
    automaton.make_automaton()
    return automaton


def compile_records(
    records: Iterable[AnyRecord], *, release: ReleaseInfo | None = None
) -> Catalogue:
    """Compile the indicators of every live record (retired records are tombstones: skipped).

    An indicator that normalizes to nothing (only separators or invisible characters) can
    never match; it is left out and reported in `Catalogue.skipped`, located.
    """
    # Compiling 100k patterns allocates a few hundred thousand acyclic objects beside the
    # millions the records hold, and every full collection the allocations trigger would walk
    # them all (a third of the build time at that size): reference counting frees them anyway.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compile(records, release)
    finally:
        if collecting:
            gc.enable()


def _compile(records: Iterable[AnyRecord], release: ReleaseInfo | None) -> Catalogue:
    search: dict[str, list[TextIndicator]] = defaultdict(list)
    leet: dict[str, list[TextIndicator]] = defaultdict(list)
    files: dict[tuple[str, str], list[FileIndicator]] = defaultdict(list)
    skipped: list[Problem] = []
    count = texts = 0
    for record in records:
        if record.retired_in is not None:
            continue
        count += 1
        ref = RecordRef(record.id, record.type, record.name, record.guidance)
        for pointer, args in _text_indicators(record):
            try:
                key, indicator = _compile_text(ref, **args)
            except _Unmatchable as why:
                skipped.append(Problem(None, record.id, pointer, f"{why}; left out"))
                continue
            # Every pattern is in the main automaton under its search key, so undisguised and
            # spaced-out forms are found in the one pass over all text; leetspeak patterns are
            # also in the leet automaton, which only runs where leetspeak can hide.
            search[key].append(indicator)
            if indicator.leet:
                leet[key.translate(LEET_TABLE)].append(indicator)
            texts += 1
        for file_indicator in _file_indicators(record, ref):
            files[(file_indicator.algorithm, file_indicator.digest)].append(file_indicator)
    return Catalogue(
        search=_automaton(search),
        leet=_automaton(leet),
        files=dict(files),
        records=count,
        text_indicators=texts,
        skipped=skipped,
        release=release,
    )

"""The matcher: compile once, then match texts, streams and files against the catalogue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice, repeat
from pathlib import Path
from typing import TextIO

from feed.errors import Problem
from feed.match.compile import Catalogue, compile_records
from feed.match.files import iter_files, match_file
from feed.match.package import load_mirror, load_package
from feed.match.results import (
    FileReport,
    IndicatorKind,
    RecordMatches,
    TextMatch,
    action_for,
    least_cautious,
)
from feed.match.search import (
    MAX_SEGMENT,
    SEPARATOR,
    Hit,
    cut_point,
    search_batch,
    split_document,
)
from feed.model import AnyRecord, ReleaseInfo

__all__ = ["BATCH_CHARS", "Matcher"]

#: Characters searched per batch: large enough that per-call overhead vanishes, small enough to
#: stay in cache and bound memory.
BATCH_CHARS = 1 << 18
#: Texts taken at a time by `match_many`.
_CHUNK = 128
#: Characters read at a time from a stream.
READ_CHARS = 1 << 20

# When two indicators of one record match the same span, report the most specific one.
_PRIORITY = {IndicatorKind.TEXT_PATTERN: 0, IndicatorKind.NUMERIC_CODE: 1, IndicatorKind.EVASION: 2}


def _complete(text: str) -> int:
    """How much of `text` read so far can be searched: up to its last line end, so no line is
    cut between reads; without one, whole segments of the overlong line (memory stays bounded)."""
    at = text.rfind("\n")
    if at != -1:
        return at + 1
    done = 0
    while len(text) - done > MAX_SEGMENT:
        done = cut_point(text, done, MAX_SEGMENT)
    return done


def _select(hits: list[Hit]) -> list[Hit]:
    """Hits in text order, one per record and span; a number inside a longer matched number
    (`88` in `14 88` when `1488` matched too) is part of that number, not a match of its own."""
    hits.sort(key=lambda h: (h.start, -h.end, _PRIORITY[h.indicator.indicator]))
    numbers = [(h.start, h.end) for h in hits if h.indicator.numeric]
    seen: set[tuple[str, int, int]] = set()
    kept = []
    for hit in hits:
        key = (hit.indicator.record.id, hit.start, hit.end)
        if key in seen:
            continue
        if hit.indicator.numeric and any(
            s <= hit.start and hit.end <= e and (s, e) != (hit.start, hit.end) for s, e in numbers
        ):
            continue
        seen.add(key)
        kept.append(hit)
    return kept


def group_hits(hits: list[Hit]) -> list[RecordMatches]:
    """Hits of one document grouped per record, records in order of their first match."""
    if not hits:
        return []
    groups: dict[str, list[TextMatch]] = {}
    refs = {}
    for hit in _select(hits):
        ind = hit.indicator
        ambiguity = ind.record.guidance.ambiguity
        refs[ind.record.id] = ind.record
        groups.setdefault(ind.record.id, []).append(
            TextMatch(
                record_id=ind.record.id,
                start=hit.start,
                end=hit.end,
                text=hit.text,
                pattern=ind.pattern,
                indicator=ind.indicator,
                pattern_kind=ind.pattern_kind,
                note=ind.note,
                ambiguity=ambiguity,
                collision=hit.collision,
                action=action_for(ambiguity, hit.collision),
            )
        )
    return [
        RecordMatches(
            record_id=record_id,
            record_type=refs[record_id].type,
            name=refs[record_id].name,
            ambiguity=refs[record_id].guidance.ambiguity,
            action=least_cautious([m.action for m in matches]),
            guidance=refs[record_id].guidance,
            matches=matches,
        )
        for record_id, matches in groups.items()
    ]


class _Batch:
    """Texts waiting to be searched together, and the hits found so far per document."""

    __slots__ = ("catalogue", "docs", "hits", "offsets", "size", "texts")

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.texts: list[str] = []
        self.docs: list[int] = []
        self.offsets: list[int] = []
        self.size = 0
        self.hits: dict[int, list[Hit]] = defaultdict(list)

    def add(self, doc: int, text: str, offset: int = 0) -> bool:
        """Queue (part of) a document; True when the batch is full."""
        if len(text) <= MAX_SEGMENT and SEPARATOR not in text:
            self.texts.append(text)
            self.docs.append(doc)
            self.offsets.append(offset)
        else:
            for start, piece in split_document(text):
                self.texts.append(piece)
                self.docs.append(doc)
                self.offsets.append(offset + start)
        self.size += len(text)
        return self.size >= BATCH_CHARS

    def add_many(self, first: int, texts: list[str]) -> bool:
        """Queue whole documents `first`, `first + 1`, ...; True when the batch is full.

        The usual case (no NUL, none overlong) is checked and queued with C-level calls, not
        one Python call per text.
        """
        size = sum(map(len, texts))
        if size <= MAX_SEGMENT:  # short texts (the usual case): one search for NUL in all
            whole = SEPARATOR not in "".join(texts)
        else:
            whole = max(map(len, texts)) <= MAX_SEGMENT and not any(
                map(str.__contains__, texts, repeat(SEPARATOR))
            )
        if whole:
            self.texts += texts
            self.docs += range(first, first + len(texts))
            self.offsets += repeat(0, len(texts))
            self.size += size
        else:
            for doc, text in enumerate(texts, first):
                self.add(doc, text)
        return self.size >= BATCH_CHARS

    def flush(self) -> None:
        """Search the queued texts, filing their hits under their documents."""
        for hit in search_batch(self.catalogue, self.texts):
            doc = self.docs[hit.text_no]
            self.hits[doc].append(hit.placed(doc, self.offsets[hit.text_no]))
        self.texts, self.docs, self.offsets, self.size = [], [], [], 0


class Matcher:
    """Find a catalogue's indicators in text and files.

    Build it once (`from_records`, `from_package`, `from_mirror`; building 100k patterns takes
    about two seconds) and reuse it: matching is thread-safe reading of immutable automata.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    @classmethod
    def from_records(
        cls, records: Iterable[AnyRecord], *, release: ReleaseInfo | None = None
    ) -> Matcher:
        """Compile the indicators of records (retired records are left out)."""
        return cls(compile_records(records, release=release))

    @classmethod
    def from_package(cls, path: Path) -> Matcher:
        """Compile a published `package.json` after checking its schema and records digest."""
        package = load_package(path)
        return cls.from_records(package.records, release=package.release)

    @classmethod
    def from_mirror(cls, mirror: Path) -> Matcher:
        """Compile the verified current package of a consumer mirror directory."""
        package = load_mirror(mirror)
        return cls.from_records(package.records, release=package.release)

    @property
    def release(self) -> ReleaseInfo | None:
        """The release the records come from, when compiled from a package."""
        return self.catalogue.release

    @property
    def skipped(self) -> list[Problem]:
        """Indicators left out because they can never match, located."""
        return self.catalogue.skipped

    def match(self, text: str) -> list[RecordMatches]:
        """Matches in one text, grouped per record."""
        return next(self.match_many([text]))

    def match_many(self, texts: Iterable[str]) -> Iterator[list[RecordMatches]]:
        """Matches in each text, in order (one list per text, empty when nothing matched).

        Texts are searched in batches, so this is much faster than calling `match` per text.
        """
        batch = _Batch(self.catalogue)
        hits = batch.hits
        queued = done = 0
        pending = iter(texts)
        while True:
            chunk = list(islice(pending, _CHUNK))
            if chunk:
                full = batch.add_many(queued, chunk)
                queued += len(chunk)
                if not full:
                    continue
            batch.flush()
            # Most texts match nothing: their empty lists are made in C, not one by one.
            for doc in sorted(hits):
                yield from map(list, repeat((), doc - done))
                yield group_hits(hits.pop(doc))
                done = doc + 1
            yield from map(list, repeat((), queued - done))
            done = queued
            if not chunk:
                return

    def scan(self, stream: TextIO) -> list[RecordMatches]:
        """Matches in one long text read from a stream, with memory bounded by the batch size.

        Offsets count code points from the start of the stream.
        """
        batch = _Batch(self.catalogue)
        offset = 0
        carry = ""
        while True:
            chunk = stream.read(READ_CHARS)
            text = carry + chunk
            cut = _complete(text) if chunk else len(text)
            whole, carry = text[:cut], text[cut:]
            if batch.add(0, whole, offset):
                batch.flush()
            offset += len(whole)
            if not chunk:
                break
        batch.flush()
        return group_hits(batch.hits.pop(0, []))

    def match_file(self, path: Path) -> FileReport:
        """Hash one file and report the records whose known files it is."""
        return match_file(self.catalogue, path)

    def match_files(self, paths: Iterable[Path]) -> Iterator[FileReport]:
        """Hash files (directories are walked) and report matches, file by file."""
        for path in iter_files(paths):
            yield match_file(self.catalogue, path)

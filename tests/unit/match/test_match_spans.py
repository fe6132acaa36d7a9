"""Reported spans always lie inside the original text, on whole characters, whatever the text."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feed.match import Matcher, RecordMatches
from feed.match import matcher as matcher_module
from feed.match import search as search_module
from feed.match.compile import Catalogue
from feed.match.search import Hit, search_batch

# Indicators of the evasion catalogue, written as evaders write them, to plant in random text.
PLANTS = [
    "14 88",
    "1️⃣4️⃣8️⃣8️⃣",
    "８８",
    "Vо\u200brbrах Lе\u0301gion",
    "ＶＯＲＢＲＡＸ ＬＥＧＩＯＮ",
    "#VorbraxLegion",
    "v0rbr4x",
    "k3lm4r-t1d3s-r1s3",
    "K E L M A R tides rise",
    "🦩\ufe0f🌵🏽",
    "Ворбракс",
    "tide",
    "€14.88",
]

characters = st.characters(blacklist_categories=["Cs"])
noise = st.text(alphabet=characters, max_size=40)
# Noise that keeps planted indicators whole tokens, so they are found in the middle of junk.
spaced_noise = noise.map(lambda s: f" {s} ")
documents = st.lists(st.one_of(noise, spaced_noise, st.sampled_from(PLANTS)), max_size=12).map(
    "".join
)


def _check_spans(text: str, records: list[RecordMatches]) -> None:
    for record in records:
        assert record.matches
        for m in record.matches:
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start : m.end] == m.text
            # A span never ends between a letter and its accent or an emoji and its modifier.
            assert m.end == len(text) or unicodedata.category(text[m.end])[0] != "M"
            assert m.record_id == record.record_id


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_spans_map_back_inside_any_text(evasion_matcher: Matcher, text: str) -> None:
    _check_spans(text, evasion_matcher.match(text))


@settings(max_examples=100, deadline=None)
@given(st.lists(documents, max_size=8))
def test_searching_texts_together_finds_what_searching_each_finds(
    evasion_matcher: Matcher, texts: list[str]
) -> None:
    assert list(evasion_matcher.match_many(texts)) == [evasion_matcher.match(t) for t in texts]


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make documents split into many segments and batches, to exercise every seam."""
    monkeypatch.setattr(search_module, "MAX_SEGMENT", 16)
    monkeypatch.setattr(matcher_module, "MAX_SEGMENT", 16)
    monkeypatch.setattr(matcher_module, "BATCH_CHARS", 40)
    monkeypatch.setattr(matcher_module, "READ_CHARS", 23)
    monkeypatch.setattr(matcher_module, "_CHUNK", 2)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(documents, max_size=6))
def test_long_documents_cut_into_segments_keep_their_offsets(
    evasion_matcher: Matcher, tiny_batches: None, texts: list[str]
) -> None:
    results = list(evasion_matcher.match_many(texts))
    assert results == [evasion_matcher.match(t) for t in texts]
    for text, records in zip(texts, results, strict=True):
        _check_spans(text, records)
    joined = "\n".join(texts)
    _check_spans(joined, evasion_matcher.scan(io.StringIO(joined)))


def test_a_stream_read_in_pieces_reports_offsets_from_its_start(
    evasion_matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reads shorter than a line: lines are carried over whole, never cut between reads.
    monkeypatch.setattr(matcher_module, "READ_CHARS", 7)
    monkeypatch.setattr(matcher_module, "BATCH_CHARS", 40)
    text = ("filler words here\n" * 20) + "then 14/88 and the Vorbrax Legion\n" + "more\n" * 9
    records = evasion_matcher.scan(io.StringIO(text))
    found = {m.text: m.start for r in records for m in r.matches}
    assert found == {"14/88": text.index("14/88"), "Vorbrax Legion": text.index("Vorbrax")}


def test_nul_characters_split_a_document_without_moving_offsets(
    evasion_matcher: Matcher,
) -> None:
    text = "a\x00b 14 88\x00\x00 Vorbrax Legion"
    records = evasion_matcher.match(text)
    _check_spans(text, records)
    assert {m.text for r in records for m in r.matches} == {"14 88", "Vorbrax Legion"}


def test_a_stream_without_line_ends_is_searched_with_bounded_memory(
    evasion_matcher: Matcher, tiny_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO(("word " * 50) + "14/88 " + ("word " * 50))
    batches: list[int] = []

    def counting_search(catalogue: Catalogue, texts: list[str]) -> list[Hit]:
        batches.append(sum(map(len, texts)))
        return search_batch(catalogue, texts)

    monkeypatch.setattr(matcher_module, "search_batch", counting_search)
    records = evasion_matcher.scan(stream)
    assert [m.text for r in records for m in r.matches] == ["14/88"]
    # Every batch stays near the batch size although the text has no line end at all.
    assert max(batches) <= matcher_module.BATCH_CHARS + 2 * 16

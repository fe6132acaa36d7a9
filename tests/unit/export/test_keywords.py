"""Keyword lists: per language, sorted, unique, without high-ambiguity records unless asked."""

from __future__ import annotations

from typing import Any

from feed.export import keyword_lists, to_keywords
from feed.model import PublishedPackage
from tests.unit.export.common import package_of, synthetic


def _guidance(ambiguity: str) -> dict[str, Any]:
    return {"signals": "Synthetic signal.", "ambiguity": ambiguity}


def _indicators(*patterns: dict[str, Any], codes: list[dict[str, Any]] | None = None) -> Any:
    return {"text_patterns": list(patterns), "numeric_codes": codes or []}


def test_high_ambiguity_records_are_left_out_unless_asked() -> None:
    high = synthetic(
        0,
        guidance=_guidance("high"),
        aliases=[],
        indicators=_indicators({"value": "synthhigh", "kind": "name"}),
    )
    low = synthetic(
        3,
        guidance=_guidance("low"),
        aliases=[],
        indicators=_indicators({"value": "synthlow", "kind": "name"}),
    )
    package = package_of([high, low])
    assert keyword_lists(package) == {"und": ["synthlow"]}
    assert keyword_lists(package, include_high=True) == {"und": ["synthhigh", "synthlow"]}


def test_aliases_patterns_and_codes_go_to_their_language_sorted_and_unique() -> None:
    record = synthetic(
        0,
        guidance=_guidance("low"),
        aliases=[
            {"value": "Zulu alias", "language": "en-US", "kind": "spelling-variant"},
            {"value": "Alpha alias", "language": "en", "kind": "translation"},
            {"value": "Deutscher Name", "language": "de", "kind": "translation"},
        ],
        indicators=_indicators(
            {"value": "Alpha alias", "kind": "name", "language": "en"},
            {"value": "synthword", "kind": "name"},
            codes=[{"value": "9917", "display": "99/17", "meaning": "Synthetic."}],
        ),
    )
    assert keyword_lists(package_of([record])) == {
        "de": ["Deutscher Name"],
        "en": ["Alpha alias", "Zulu alias"],
        "und": ["99/17", "synthword"],
    }


def test_numeric_code_without_display_form_is_listed_by_its_digits() -> None:
    record = synthetic(
        0,
        guidance=_guidance("medium"),
        aliases=[],
        indicators=_indicators(codes=[{"value": "9917", "meaning": "Synthetic."}]),
    )
    assert keyword_lists(package_of([record])) == {"und": ["9917"]}


def test_retired_records_are_left_out_even_when_high_is_asked_for() -> None:
    record = synthetic(0, retired_in="2026.2")
    assert keyword_lists(package_of([record]), include_high=True) == {}


def test_a_keyword_never_spans_two_lines() -> None:
    record = synthetic(
        0,
        guidance=_guidance("low"),
        aliases=[{"value": "two\nlines  here", "language": "en", "kind": "translation"}],
        indicators=_indicators(),
    )
    files = to_keywords(package_of([record]))
    assert files == {"en.txt": b"two lines here\n"}


def test_sample_lists_leave_out_the_high_ambiguity_number_codes(sample: PublishedPackage) -> None:
    default = keyword_lists(sample)
    everything = keyword_lists(sample, include_high=True)
    assert "1488" not in default.get("und", [])
    assert "1488" in everything["und"]
    for words in everything.values():
        assert words == sorted(set(words))


def test_files_are_one_per_language_one_keyword_per_line(synthetic_1k: PublishedPackage) -> None:
    files = to_keywords(synthetic_1k)
    lists = keyword_lists(synthetic_1k)
    assert set(files) == {f"{language}.txt" for language in lists}
    for language, words in lists.items():
        assert files[f"{language}.txt"].decode().splitlines() == words
    assert to_keywords(synthetic_1k) == files

"""Compiling a matcher: from records, packages and mirrors; what is left out and why."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import ahocorasick
import pytest

import feed.match
from feed.errors import ConfigError, IntegrityError, SourceFormatError, ValidationFailed
from feed.match import MIRROR_PACKAGE, Matcher, mirror_package
from feed.match.compile import _automaton
from tests.unit.match.catalogue import evasion_catalogue, package_data, record, write_package


def test_a_package_compiles_to_the_same_matcher_as_its_records(tmp_path: Path) -> None:
    path = write_package(tmp_path / "package.json", package_data(evasion_catalogue()))
    from_package = Matcher.from_package(path)
    assert from_package.release is not None
    assert from_package.release.version == "2024.1"
    text = "14/88 and the Vorbrax Legion"
    assert from_package.match(text) == Matcher.from_records(evasion_catalogue()).match(text)


def test_a_mirror_is_read_at_its_package_json(tmp_path: Path) -> None:
    write_package(tmp_path / MIRROR_PACKAGE, package_data(evasion_catalogue()))
    assert mirror_package(tmp_path) == tmp_path / "package.json"
    assert Matcher.from_mirror(tmp_path).match("14 88")
    with pytest.raises(ConfigError, match="no package at"):
        Matcher.from_mirror(tmp_path / "elsewhere")


def test_a_package_changed_after_publication_is_refused(tmp_path: Path) -> None:
    data = package_data(evasion_catalogue())
    data["records"][0]["name"] = "Changed afterwards"
    path = write_package(tmp_path / "package.json", data)
    with pytest.raises(IntegrityError, match="records digest"):
        Matcher.from_package(path)


def test_unreadable_or_invalid_packages_are_refused_with_a_location(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="cannot read"):
        Matcher.from_package(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    with pytest.raises(SourceFormatError, match="not valid JSON"):
        Matcher.from_package(broken)
    data = package_data(evasion_catalogue())
    data["records"][2]["guidance"]["ambiguity"] = "somewhat"
    with pytest.raises(ValidationFailed) as caught:
        Matcher.from_package(write_package(tmp_path / "bad.json", data))
    (problem,) = caught.value.problems
    assert problem.record_id == data["records"][2]["id"]
    assert problem.pointer == "/records/2/guidance/ambiguity"
    assert problem.file == str(tmp_path / "bad.json")


def test_retired_records_are_not_matched() -> None:
    live = record(1, numeric_codes=[{"value": "1488", "meaning": "Synthetic."}])
    retired = record(
        4, numeric_codes=[{"value": "88", "meaning": "Synthetic."}], retired_in="2024.2"
    )
    matcher = Matcher.from_records([live, retired])
    assert matcher.catalogue.records == 1
    assert [r.record_id for r in matcher.match("1488 and 88")] == [live.id]


def test_indicators_that_can_never_match_are_left_out_and_reported() -> None:
    matcher = Matcher.from_records(
        [
            record(
                3,
                text_patterns=[
                    {"value": "...", "kind": "phrase"},
                    {"value": "Vorbrax", "kind": "name"},
                    {"value": "\u200b\u200d", "kind": "name"},
                    {"value": "Vorbrax\x00Legion", "kind": "name"},
                ],
            )
        ]
    )
    assert [(p.record_id, p.pointer) for p in matcher.skipped] == [
        ("group:synthetic-0000003", "/indicators/text_patterns/0/value"),
        ("group:synthetic-0000003", "/indicators/text_patterns/2/value"),
        ("group:synthetic-0000003", "/indicators/text_patterns/3/value"),
    ]
    assert "NUL" in matcher.skipped[2].message
    assert matcher.catalogue.text_indicators == 1
    assert matcher.match("Vorbrax")


def test_leetspeak_is_ignored_for_patterns_with_digits() -> None:
    # "C18" keeps its digits: leetspeak would make it match "cib".
    loose = {"leetspeak": True}
    matcher = Matcher.from_records(
        [record(3, text_patterns=[{"value": "C18", "kind": "name", "normalization": loose}])]
    )
    assert matcher.match("c18 crew")
    assert matcher.match("cib crew") == []


def test_a_catalogue_without_indicators_matches_nothing() -> None:
    matcher = Matcher.from_records([record(1)])
    assert matcher.match("anything 1488") == []
    assert list(matcher.match_many(["a", "", "b"])) == [[], [], []]


def test_the_public_surface_is_what_all_lists() -> None:
    public = {
        name
        for name, value in vars(feed.match).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(feed.match.__all__)


def test_the_laid_out_automaton_holds_exactly_the_keys_and_finds_what_a_plain_one_does() -> None:
    # Keys of every length around the layout steps, prefixes of each other, shared prefixes.
    words = ["a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmnop"]
    words += ["b", "bca", "zz", "zzzzzzzzzz", "hate", "hatexyzw", "ha", "1488", "14", "88"]
    keys: dict[str, list[Any]] = {word: [] for word in words}
    laid_out = _automaton(keys)
    plain = ahocorasick.Automaton()
    for word in words:
        plain.add_word(word, (len(word), ()))
    plain.make_automaton()

    assert sorted(laid_out.keys()) == sorted(words)
    assert all(laid_out.get(word) == (len(word), ()) for word in words)
    text = "zzzzzzzzzzzabcdefghijklmnopqrhatexyzw1488ab88bca"
    assert list(laid_out.iter(text)) == list(plain.iter(text))

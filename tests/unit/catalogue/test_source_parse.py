"""Strict YAML and JSON parsing: plain data only, every refusal located."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feed.source_parse import Limits, ParseRefused, dump_json, parse_json
from feed.source_yaml import dump_yaml, parse_yaml

LIMITS = Limits()


def refused_yaml(text: str, limits: Limits = LIMITS) -> ParseRefused:
    with pytest.raises(ParseRefused) as caught:
        parse_yaml(text, limits)
    return caught.value


def refused_json(text: str, limits: Limits = LIMITS) -> ParseRefused:
    with pytest.raises(ParseRefused) as caught:
        parse_json(text, limits)
    return caught.value


def test_yaml_is_read_with_the_yaml_1_2_core_schema() -> None:
    text = (
        "regions: [NO, no, yes, off, On]\n"
        "ratio: 1:20\n"
        "listed: 2020-01-15\n"
        "code: 0088\n"
        "octal: 0o17\n"
        "hex: 0x1F\n"
        "real: 1.5e3\n"
        "flag: true\n"
        "nothing: ~\n"
        "empty:\n"
        "text: 'true'\n"
    )
    assert parse_yaml(text, LIMITS) == {
        "regions": ["NO", "no", "yes", "off", "On"],  # the Norway problem does not apply
        "ratio": "1:20",  # no sexagesimal numbers
        "listed": "2020-01-15",  # dates stay text; the schema checks their form
        "code": 88,  # a number, so a schema asking for text says "put it in quotes"
        "octal": 15,
        "hex": 31,
        "real": 1500.0,
        "flag": True,
        "nothing": None,
        "empty": None,
        "text": "true",
    }


def test_malformed_yaml_is_refused_with_line_and_column() -> None:
    error = refused_yaml("id: symbol:x\nname: [unclosed\nstatus: active\n")
    assert error.line == 3
    assert error.column == 7
    assert error.message.startswith("invalid YAML: did not find expected ',' or ']'")


def test_tab_indentation_is_refused_with_its_line() -> None:
    error = refused_yaml("guidance:\n\tsignals: x\n")
    assert error.line == 2
    assert "invalid YAML" in error.message


def test_yaml_anchor_bomb_is_refused_at_the_first_anchor() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    error = refused_yaml(bomb)
    assert (error.line, error.column, error.pointer) == (1, 4, "/a")
    assert error.message == "anchors (&a) are not allowed"


def test_yaml_alias_alone_is_refused() -> None:
    error = refused_yaml("name: x\nsummary:\n  en: *ref\n")
    assert (error.line, error.pointer) == (3, "/summary/en")
    assert error.message == "aliases (*ref) are not allowed: write the value out"


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("name: !!python/object:os.system x\n", "!!python/object:os.system"),
        ("name: !!python/object/apply:os.system ['true']\n", "!!python/object/apply:os.system"),
        ("name: !!binary aGVsbG8=\n", "!!binary"),
        ("name: !!set {a, b}\n", "!!set"),
        ("name: !!timestamp 2020-01-01\n", "!!timestamp"),
        ("name: !custom x\n", "!custom"),
    ],
)
def test_yaml_tags_beyond_plain_data_are_refused(text: str, tag: str) -> None:
    error = refused_yaml(text)
    assert (error.line, error.column, error.pointer) == (1, 7, "/name")
    assert error.message == f"the tag {tag} is not allowed (plain data only)"


def test_plain_yaml_tags_are_accepted_when_they_fit() -> None:
    assert parse_yaml("a: !!str 1488\nb: !!int '12'\n", LIMITS) == {"a": "1488", "b": 12}
    error = refused_yaml("a: !!int twelve\n")
    assert error.message == "'twelve' is not a valid !!int"


def test_duplicate_yaml_keys_are_refused_naming_both_lines() -> None:
    error = refused_yaml("id: symbol:x\nname: one\nstatus: active\nname: two\n")
    assert (error.line, error.pointer) == (4, "/name")
    assert error.message == "duplicate key 'name' (first given on line 2)"


def test_non_text_yaml_keys_are_refused() -> None:
    assert (
        refused_yaml("summary:\n  1488: x\n").message
        == "the key 1488 must be text (put it in quotes)"
    )
    assert refused_yaml("? [a, b]\n: x\n").message == "a key must be text, not a list or mapping"


def test_yaml_nan_and_infinity_are_refused() -> None:
    assert refused_yaml("q: .nan\n").message == ".nan is not allowed: numbers must be finite"
    assert refused_yaml("q: -.inf\n").message == "-.inf is not allowed: numbers must be finite"
    assert refused_yaml("q: 1e999\n").message == "the number 1e999 is too large"


def test_several_yaml_documents_are_refused() -> None:
    error = refused_yaml("name: a\n---\nname: b\n")
    assert error.line == 2
    assert error.message == "more than one YAML document (---) in the file"


def test_an_empty_yaml_file_is_refused() -> None:
    assert refused_yaml("# only a comment\n").message == "the file is empty"


def test_yaml_control_characters_in_the_raw_text_are_refused_with_their_line() -> None:
    error = refused_yaml("name: ok\nsummary: Zürich \x07bell\n")
    assert (error.line, error.column) == (2, 17)  # counted in characters, not bytes
    assert error.message.startswith("invalid YAML: character U+0007 is not allowed")


def test_yaml_nesting_deeper_than_the_limit_is_refused() -> None:
    error = refused_yaml(
        "a:\n" + "".join("  " * i + "- \n" for i in range(1, 6)), Limits(max_depth=4)
    )
    assert error.message == "nested deeper than 4 levels"
    assert error.pointer == "/a/0/0/0"


def test_libyaml_refuses_absurd_flow_nesting_without_crashing() -> None:
    error = refused_yaml("a: " + "[" * 100_000)
    assert "invalid YAML" in error.message


def test_yaml_text_longer_than_the_limit_is_refused_with_its_line() -> None:
    error = refused_yaml(
        "name: ok\nsummary:\n  en: " + "x" * 150 + "\n", Limits(max_string_chars=100)
    )
    assert (error.line, error.pointer) == (3, "/summary/en")
    assert error.message == "a text of 150 characters is longer than the limit of 100"


def test_malformed_json_is_refused_with_line_and_column() -> None:
    error = refused_json('{\n  "id": "symbol:x",\n  "name": "x",,\n}')
    assert (error.line, error.column) == (3, 15)
    assert error.message == "invalid JSON: Expecting property name enclosed in double quotes"


def test_duplicate_json_keys_are_refused_with_their_pointer() -> None:
    error = refused_json('{"guidance": {"signals": "a", "ambiguity": "low", "signals": "b"}}')
    assert error.pointer == "/guidance/signals"
    assert error.message == "duplicate key 'signals'"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused_with_their_line(constant: str) -> None:
    error = refused_json('{"name": "NaN in a string is fine",\n "q": ' + constant + "}")
    assert (error.line, error.column) == (2, 7)
    assert error.message == f"{constant} is not allowed: numbers must be finite"


def test_json_numbers_too_large_for_a_float_are_refused() -> None:
    assert refused_json('{"q": 1e400}').message == "the number 1e400 is too large"


def test_json_nesting_deeper_than_the_limit_is_refused() -> None:
    error = refused_json('{"a": [[[[1]]]]}', Limits(max_depth=4))
    assert error.pointer == "/a/0/0/0"
    assert error.message == "nested deeper than 4 levels"
    assert "nested deeper" in refused_json("[" * 100_000 + "]" * 100_000).message


def test_json_text_longer_than_the_limit_is_refused_with_its_pointer() -> None:
    error = refused_json(json.dumps({"summary": {"en": "x" * 150}}), Limits(max_string_chars=100))
    assert error.pointer == "/summary/en"
    assert error.message == "a text of 150 characters is longer than the limit of 100"


def test_written_yaml_quotes_every_text_that_would_read_back_as_something_else() -> None:
    data: dict[str, Any] = {
        "texts": ["yes", "NO", "0o17", "1e3", "1:20", "0088", "~", "", "true", "2020-01-01"],
        "code": 88,
        "flag": False,
        "nothing": None,
    }
    text = dump_yaml(data).decode()
    assert parse_yaml(text, LIMITS) == data
    assert "- NO\n" not in text
    assert "- 1e3\n" not in text


def test_written_files_are_deterministic() -> None:
    data = {"b": 1, "a": ["x", {"d": "multi\nline"}]}
    assert dump_yaml(data) == dump_yaml(json.loads(json.dumps(data)))
    assert (
        dump_json(data)
        == b'{\n  "b": 1,\n  "a": [\n    "x",\n    {\n      "d": "multi\\nline"\n    }\n  ]\n}\n'
    )


_TEXT = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs"],  # lone surrogates are refused before writing
        exclude_characters="\r\x85\u2028\u2029",  # YAML line breaks normalise to \n
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, st.lists(_TEXT, max_size=3) | _TEXT, max_size=4))
def test_any_text_survives_a_yaml_write_and_read(data: dict[str, Any]) -> None:
    assert parse_yaml(dump_yaml(data).decode(), LIMITS) == data


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_TEXT, st.lists(_TEXT, max_size=3) | _TEXT, max_size=4))
def test_any_text_survives_a_json_write_and_read(data: dict[str, Any]) -> None:
    assert parse_json(dump_json(data).decode(), LIMITS) == data

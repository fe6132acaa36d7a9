"""JSON's fast pass never decides differently from the located reader it stands in for."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feed.source_parse import (
    _UNSURE,
    Limits,
    ParseRefused,
    _parse_located,
    _parse_plain,
    parse_json,
)

SMALL = Limits(max_string_chars=12, max_depth=4)


def outcome(parse: Any, text: str, limits: Limits) -> tuple[Any, ...]:
    """What a reader made of `text`: its data (repr tells 1 from 1.0 from True) or its refusal."""
    try:
        return ("data", repr(parse(text, limits)))
    except ParseRefused as refused:
        return ("refused", refused.message, refused.line, refused.column, refused.pointer)


def _scalar_text(value: Any, ascii_only: bool) -> str:
    return json.dumps(value, ensure_ascii=ascii_only)


_KEYS = st.sampled_from(["a", "b", "k:", 'q"', "\\", "\x1f", "é", "x" * 13, "[{", "}]"])
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet='ab:"\\[]{}\x00\n\t\u00e9\u003a\U0001f600', max_size=16),
)


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """JSON text (valid or nearly), written by hand so keys may repeat and escapes vary."""
    ascii_only = draw(st.booleans())
    space = draw(st.sampled_from(["", " ", "\n  "]))

    def render(node: Any) -> str:
        if isinstance(node, list):
            return "[" + ("," + space).join(render(item) for item in node) + "]"
        if isinstance(node, tuple):  # an object as pairs, so keys may repeat
            members = (f"{_scalar_text(k, ascii_only)}:{space}{render(v)}" for k, v in node)
            return "{" + ("," + space).join(members) + "}"
        return _scalar_text(node, ascii_only)

    tree = draw(
        st.recursive(
            _SCALARS,
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.lists(st.tuples(_KEYS, inner), max_size=4).map(tuple)
            ),
            max_leaves=12,
        )
    )
    text = render(tree)
    tweak = draw(st.sampled_from(["", "nan", "inf", "big", "trailing", "escaped-colon"]))
    if tweak == "nan":
        text = f'{{"q": NaN, "t": {text}}}'
    elif tweak == "inf":
        text = f'{{"q": 1e400, "t": {text}}}'
    elif tweak == "big":
        text = f"[{text}, 123456789012345678901234567890]"
    elif tweak == "trailing":
        text += ","
    elif tweak == "escaped-colon":
        text = f'{{"k\\u003a": 1, "k\\u003a": 2, "t": {text}}}'
    return text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_texts(), st.sampled_from([SMALL, Limits()]))
def test_fast_and_located_readers_agree_on_any_text(text: str, limits: Limits) -> None:
    assert outcome(parse_json, text, limits) == outcome(_parse_located, text, limits)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',  # a duplicate orjson would silently resolve
        '{"k\\u003a": "x", "k\\u003a": "y"}',  # ...hidden behind escaped colons
        '{"n": 123456789012345678901234567890}',  # orjson would make this a float
        '{"n": -9223372036854775809}',
        '{"s": "' + "x" * 13 + '"}',  # over SMALL's string limit
        '{"a": [[[[1]]]]}',  # over SMALL's depth limit, with few containers
        '{"a": "\\ud800"}',  # a lone surrogate orjson refuses and json keeps
    ],
)
def test_the_fast_pass_hands_what_it_cannot_vouch_for_to_the_located_reader(text: str) -> None:
    assert _parse_plain(text, SMALL) is _UNSURE
    assert outcome(parse_json, text, SMALL) == outcome(_parse_located, text, SMALL)


def test_a_huge_integer_stays_an_integer() -> None:
    assert parse_json('{"n": 123456789012345678901234567890}', Limits()) == {
        "n": 123456789012345678901234567890
    }


def test_deep_nesting_in_a_file_with_many_containers_is_still_refused() -> None:
    siblings = ", ".join(["{}"] * 10)
    error = outcome(parse_json, f'{{"s": [{siblings}], "a": [[[[1]]]]}}', SMALL)
    assert error == ("refused", "nested deeper than 4 levels", None, None, "/a/0/0/0")

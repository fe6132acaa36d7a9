"""The draft editor's form: a record survives the trip through the form unchanged, and the
validator's problems land beside the inputs they are about."""

from __future__ import annotations

from typing import Any

import pytest

from feed.console.record_form import OTHER, form_for, locate_problems, record_from_form
from feed.errors import Problem
from feed.model import content_of, parse_record
from feed.synthetic import synthetic_record, synthetic_record_data
from tests.unit.console.browser import as_form, browser_form


def _content(data: dict[str, Any]) -> dict[str, Any]:
    content = content_of(parse_record(data))
    content.pop("uuid", None)
    return content


@pytest.mark.parametrize("n", [3, 4, 5], ids=["group", "symbol", "manifesto"])
def test_an_untouched_form_gives_back_the_record_it_shows(n: int) -> None:
    record = synthetic_record(n)
    shown = form_for(record.type, content_of(record))
    data, _, problems = record_from_form(record.type, as_form(browser_form(shown)))
    assert problems == []
    assert _content(data) == _content(content_of(record))


def test_fields_without_inputs_travel_in_the_other_box_and_in_rows() -> None:
    data = synthetic_record_data(5)  # a manifesto: file variants have no inputs of their own
    data["indicators"]["text_patterns"][0]["normalization"] = {"leetspeak": True}
    shown = form_for("manifesto", data)
    assert "file_variants" in shown.other
    assert "leetspeak" in shown.values["indicators.text_patterns.0._keep"]
    sent, _, _ = record_from_form("manifesto", as_form(browser_form(shown)))
    assert sent["file_variants"] == data["file_variants"]
    assert sent["indicators"]["text_patterns"][0]["normalization"] == {"leetspeak": True}


def test_an_emptied_row_is_removed_and_empty_rows_are_ignored() -> None:
    data = synthetic_record_data(4)
    shown = form_for("symbol", data)
    fields = [
        (name, "" if name.startswith("aliases.1.") else value)
        for name, value in browser_form(shown)
    ]
    sent, _, _ = record_from_form("symbol", as_form(fields))
    assert [a["value"] for a in sent["aliases"]] == [
        data["aliases"][0]["value"],
        data["aliases"][2]["value"],
    ]
    assert len(sent["sources"]) == 1  # the two empty source rows added nothing


def test_english_comes_first_among_the_summaries() -> None:
    data = synthetic_record_data(4)
    data["summary"] = {"de": "Zusammenfassung.", "en": "Summary."}
    shown = form_for("symbol", data)
    assert shown.values["summary.0.lang"] == "en"
    assert shown.values["summary.1.lang"] == "de"


def test_unreadable_other_fields_are_a_problem_of_that_box() -> None:
    fields = browser_form(form_for("symbol", synthetic_record_data(4)))
    fields = [(k, "a: [unclosed" if k == OTHER else v) for k, v in fields]
    _, other, problems = record_from_form("symbol", as_form(fields))
    assert other == "a: [unclosed"
    assert [p.pointer for p in problems] == [f"/{OTHER}"]
    assert "not readable as YAML" in problems[0].message


def test_problems_land_beside_their_inputs() -> None:
    data = synthetic_record_data(4)
    data["summary"] = {"de": "Zusammenfassung.", "en": "Summary."}
    problems = [
        Problem(None, None, "/record/aliases/1/language", "not a language"),
        Problem(None, None, "/record/summary/de", "too long"),
        Problem(None, None, "/record/indicators/text_patterns/0/normalization/casefold", "bad"),
        Problem(None, None, "/record/guidance/ambiguity", "missing"),
        Problem(None, None, "/record/reference_images/0/sha256", "not a hash"),
        Problem(None, None, "/record", "summary needs an en text"),
    ]
    located = locate_problems("symbol", data, problems)
    assert located.by_field == {
        "aliases.1.language": ["not a language"],
        "summary.1.text": ["too long"],
        "indicators.text_patterns.0": ["normalization/casefold: bad"],
        "guidance.ambiguity": ["missing"],
    }
    assert located.general == [
        ("/reference_images/0/sha256", "not a hash"),
        ("(the whole form)", "summary needs an en text"),
    ]
    assert located.count() == 6

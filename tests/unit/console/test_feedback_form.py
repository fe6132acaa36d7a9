"""The feedback form makes the JSON body a client would send to the feedback API."""

from __future__ import annotations

from feed.console.feedback_form import KINDS, fields_for, submission_from
from feed.model.feedback import FeedbackKind, parse_submission
from tests.unit.console.browser import as_form


def test_every_kind_has_a_form() -> None:
    assert set(KINDS) == {k.value for k in FeedbackKind}
    assert all(fields_for(kind) for kind in KINDS)


def test_a_sighting_converts_numbers_and_country_lists() -> None:
    form = as_form(
        [
            ("release", "2024.2"),
            ("record", "symbol:synthetic-0000001"),
            ("count", "1 200"),
            ("period.start", "2024-01-01"),
            ("period.end", "2024-01-31"),
            ("regions", "de, at"),
            ("comment", ""),
        ]
    )
    body = submission_from("sighting", form)
    assert body == {
        "kind": "sighting",
        "release": "2024.2",
        "record": "symbol:synthetic-0000001",
        "count": 1200,
        "period": {"start": "2024-01-01", "end": "2024-01-31"},
        "regions": ["DE", "AT"],
    }
    parse_submission(__import__("orjson").dumps(body))  # the API's model takes it


def test_text_that_is_not_a_number_is_left_for_the_validator_to_name() -> None:
    body = submission_from("sighting", as_form([("count", "many")]))
    assert body["count"] == "many"


def test_only_the_chosen_proposal_kind_is_sent() -> None:
    form = as_form(
        [
            ("release", "2024.2"),
            ("record", "symbol:synthetic-0000001"),
            ("proposal.what", "alias"),
            ("proposal.alias.value", "Synthetic alias"),
            ("proposal.alias.language", "en"),
            ("proposal.alias.kind", "coded-form"),
            ("proposal.value", "left over from another choice"),
            ("proposal.record", "id: symbol:x"),
        ]
    )
    body = submission_from("suggestion", form)
    assert body["proposal"] == {
        "what": "alias",
        "alias": {"value": "Synthetic alias", "language": "en", "kind": "coded-form"},
    }


def test_a_new_record_proposal_is_read_as_yaml() -> None:
    form = as_form(
        [
            ("release", "2024.2"),
            ("proposal.what", "new-record"),
            ("proposal.record", "id: x\nname: y\n"),
        ]
    )
    assert submission_from("suggestion", form)["proposal"] == {
        "what": "new-record",
        "record": {"id": "x", "name": "y"},
    }
    broken = as_form([("proposal.what", "new-record"), ("proposal.record", "id: [x")])
    assert "not readable as YAML" in submission_from("suggestion", broken)["proposal"]["record"]


def test_a_correction_value_is_text_unless_marked_as_json() -> None:
    fields = [("release", "2024.2"), ("record", "symbol:x"), ("field", "/regions")]
    text = submission_from("correction", as_form([*fields, ("proposed_value", "[1, 2]")]))
    assert text["proposed_value"] == "[1, 2]"
    marked = as_form([*fields, ("proposed_value", "[1, 2]"), ("proposed_value_json", "on")])
    assert submission_from("correction", marked)["proposed_value"] == [1, 2]

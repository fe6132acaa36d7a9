"""The record model refuses what the contract does not allow and derives what it promises."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from feed.model import dump_record, parse_record, record_uuid, records_digest
from feed.synthetic import synthetic_record, synthetic_record_data


def _minimal() -> dict[str, Any]:
    return synthetic_record_data(1)


def test_uuid_is_derived_from_the_id_as_uuid5() -> None:
    record = parse_record(_minimal())
    assert record.uuid == record_uuid(record.id)
    assert str(record.uuid) == dump_record(record)["uuid"]


def test_a_uuid_that_is_not_the_ids_uuid5_is_refused() -> None:
    data = _minimal() | {"uuid": "00000000-0000-5000-8000-000000000000"}
    with pytest.raises(ValidationError, match="UUID v5"):
        parse_record(data)


def test_unknown_fields_are_refused_at_every_level() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        parse_record(_minimal() | {"colour": "red"})
    data = _minimal()
    data["guidance"]["internal_note"] = "x"
    with pytest.raises(ValidationError, match="Extra inputs"):
        parse_record(data)


def test_id_prefix_must_match_the_type() -> None:
    data = _minimal()
    data["id"] = "group:" + data["id"].split(":")[1]
    with pytest.raises(ValidationError, match="does not match type"):
        parse_record(data)


def test_summary_needs_an_english_reference_text() -> None:
    data = _minimal()
    data["summary"] = {"de": "nur deutsch"}
    with pytest.raises(ValidationError, match="`en`"):
        parse_record(data)


def test_dump_and_parse_round_trip_gives_an_equal_record() -> None:
    record = synthetic_record(5)
    assert parse_record(dump_record(record)) == record


def test_records_digest_ignores_order_and_sees_any_change() -> None:
    a, b = synthetic_record(1), synthetic_record(2)
    assert records_digest([a, b]) == records_digest([b, a])
    changed = synthetic_record(2, variant=1)
    assert records_digest([a, b]) != records_digest([a, changed])

"""The record model refuses what the contract does not allow and derives what it promises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from feed.model import (
    EncodedRecord,
    content_of,
    dump_record,
    parse_record,
    record_uuid,
    records_digest,
)
from feed.synthetic import synthetic_record, synthetic_record_data

from .catalogue.helpers import full_records


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


def test_an_encoded_record_holds_exactly_the_canonical_content_the_store_hashes() -> None:
    stored = synthetic_record(7).model_copy(
        update={"revision": 4, "created": datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)}
    )
    for record in [*full_records(), stored]:
        encoded = EncodedRecord.of(record)
        assert encoded.content == orjson.dumps(content_of(record), option=orjson.OPT_SORT_KEYS)
        assert (encoded.id, encoded.type, encoded.name) == (record.id, record.type, record.name)
        assert encoded.uuid == str(record.uuid)
        assert encoded.decode() == record.model_copy(
            update={"revision": 1, "created": None, "modified": None}
        )

"""package.json and changes.json: canonical bytes that validate and carry every record exactly."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from feed.errors import PublishError
from feed.model import (
    AnyRecord,
    ChangeSet,
    PublishedPackage,
    dump_record,
    parse_record,
    records_digest,
)
from feed.render import render_changes, render_package
from feed.render.package import canonical_json, json_with_array, record_json
from feed.schemagen import validator_for
from tests.unit.render.common import MakePackage, hostile_data


def test_package_json_validates_against_the_published_schema(package: PublishedPackage) -> None:
    data = json.loads(render_package(package))
    assert validator_for("package").problems(data, file="package.json") == []


def test_changes_json_validates_against_the_published_schema(changes: ChangeSet) -> None:
    data = json.loads(render_changes(changes))
    assert validator_for("changes").problems(data, file="changes.json") == []


def test_the_published_schema_check_would_catch_a_broken_package(
    package: PublishedPackage,
) -> None:
    data = json.loads(render_package(package))
    data["records"][0]["guidance"]["ambiguity"] = "sometimes"
    assert validator_for("package").problems(data, file="package.json") != []


def test_package_json_reads_back_into_an_equal_package(package: PublishedPackage) -> None:
    assert PublishedPackage.model_validate_json(render_package(package)) == package


def test_changes_json_reads_back_into_equal_changes(changes: ChangeSet) -> None:
    again = ChangeSet.model_validate_json(render_changes(changes))
    assert again == changes
    assert [c.op for c in again.changes] == ["ADD", "MOD", "DEL"]
    assert again.changes[1].fields == ["summary"]


def test_each_record_is_the_exact_bytes_the_records_digest_hashes(
    package: PublishedPackage,
) -> None:
    data = json.loads(render_package(package))
    rebuilt = [parse_record(r) for r in data["records"]]
    assert records_digest(rebuilt) == package.records_digest
    for record, raw in zip(package.records, data["records"], strict=True):
        expected = orjson.dumps(dump_record(record), option=orjson.OPT_SORT_KEYS)
        assert orjson.dumps(raw, option=orjson.OPT_SORT_KEYS) == expected
        assert expected in render_package(package)


def test_metadata_comes_before_the_records_and_the_file_ends_with_a_newline(
    package: PublishedPackage,
) -> None:
    raw = render_package(package)
    assert list(json.loads(raw)) == ["format", "release", "records_digest", "records"]
    assert raw.endswith(b"}\n")
    assert raw.count(b"\n") == 1
    assert b'": ' not in raw  # compact: no space after a key
    assert b'", "' not in raw[:300]


def test_equal_records_give_identical_bytes_whatever_the_order_of_their_maps(
    make_package: MakePackage,
) -> None:
    data = hostile_data()
    reordered = dict(data)
    reordered["summary"] = dict(reversed(list(data["summary"].items())))
    assert list(reordered["summary"]) != list(data["summary"])
    one = make_package([parse_record(data)])
    two = make_package([parse_record(reordered)])
    assert one == two
    assert render_package(one) == render_package(two)


def test_rendering_twice_gives_identical_bytes(
    package: PublishedPackage, changes: ChangeSet
) -> None:
    assert render_package(package) == render_package(package)
    assert render_changes(changes) == render_changes(changes)


def test_hostile_text_survives_exactly_in_the_json(
    package: PublishedPackage, hostile: AnyRecord
) -> None:
    data = json.loads(render_package(package))
    (raw,) = [r for r in data["records"] if r["id"] == hostile.id]
    assert raw["name"] == "<script>alert(1)</script>"
    assert raw["summary"]["en"] == hostile.summary["en"]  # control characters escaped, kept


def test_a_record_that_cannot_be_utf8_is_named_in_the_error(
    make_package: MakePackage, hostile: AnyRecord
) -> None:
    # Validation refuses lone surrogates; an unvalidated copy is the only way one gets here.
    broken = hostile.model_copy(update={"name": "lone surrogate \ud800"})
    valid = make_package([hostile])
    pkg = valid.model_copy(update={"records": [broken]})
    with pytest.raises(PublishError, match=r"record group:synthetic-0000900: .*UTF-8"):
        render_package(pkg)


def test_array_written_piecewise_equals_orjson_with_fragments() -> None:
    head = {"format": "kpfeed/1", "nested": {"b": 1, "a": [1, 2]}}
    elements = [b'{"x":1}', b"[]", b'"\\u0001"']
    whole = {**head, "items": [orjson.Fragment(e) for e in elements]}
    assert json_with_array(head, "items", elements) == canonical_json(whole)
    assert json_with_array(head, "items", []) == canonical_json({**head, "items": []})


def test_record_json_sorts_keys_at_every_level(records: list[AnyRecord]) -> None:
    def keys_sorted(value: Any) -> bool:
        if isinstance(value, dict):
            return list(value) == sorted(value) and all(map(keys_sorted, value.values()))
        if isinstance(value, list):
            return all(map(keys_sorted, value))
        return True

    assert all(keys_sorted(json.loads(record_json(r))) for r in records)

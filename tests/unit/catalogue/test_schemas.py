"""The published JSON Schemas: generated from the models, committed, complete and correct."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from feed.errors import Problem, ValidationFailed
from feed.messages import pattern_message
from feed.model import (
    ChangeSet,
    Counts,
    PublishedPackage,
    ReleaseInfo,
    dump_record,
    records_digest,
)
from feed.schemagen import (
    DRAFT,
    SCHEMAS,
    check_schemas,
    render_schema,
    schema_file,
    schema_for,
    validator_for,
    write_schemas,
)
from feed.synthetic import synthetic_record_data, synthetic_records

from .helpers import full_records

REPO = Path(__file__).resolve().parents[3]


def _nodes(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, f"{path}/{index}")


def _published_package(count: int = 9) -> dict[str, Any]:
    records = sorted(synthetic_records(count), key=lambda r: r.id)
    release = ReleaseInfo(
        catalogue="euif-knowledge-package",
        title="Synthetic catalogue",
        publisher="kpfeed tests",
        version="2024.1",
        sequence=1,
        created=datetime(2024, 1, 1, tzinfo=UTC),
        notes="Synthetic release.",
        counts=Counts(added=count, changed=0, retired=0, total=count),
        tlp="CLEAR",
    )
    package = PublishedPackage(
        format="kpfeed/1", release=release, records_digest=records_digest(records), records=records
    )
    data: dict[str, Any] = package.model_dump(mode="json", exclude_none=True)
    return data


def test_committed_schemas_match_the_models() -> None:
    assert check_schemas(REPO / "schemas") == [], "run `kpfeed schemas --write` and commit"


def test_drift_missing_and_stale_schema_files_are_named(tmp_path: Path) -> None:
    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    folder = tmp_path / "schemas"
    changed = json.loads((folder / "symbol.schema.json").read_text())
    changed["properties"]["name"]["description"] = "Edited by hand."
    (folder / "symbol.schema.json").write_text(json.dumps(changed, indent=2, sort_keys=True) + "\n")
    (folder / "changes.schema.json").unlink()
    (folder / "old.schema.json").write_text("{}\n")
    assert check_schemas(folder) == [
        "symbol.schema.json (differs from the models)",
        "changes.schema.json (missing)",
        "old.schema.json (no longer generated)",
    ]
    write_schemas(folder)
    assert check_schemas(folder) == ["old.schema.json (no longer generated)"]


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_each_schema_is_a_valid_draft_2020_12_document_with_its_own_id(name: str) -> None:
    schema = schema_for(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == f"urn:kpfeed:schema:1:{name}"
    assert schema["title"]
    assert schema["description"]


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_property_at_every_level_has_a_title_and_a_description(name: str) -> None:
    missing = [
        f"{path}/properties/{prop}"
        for path, node in _nodes(schema_for(name))
        if isinstance(node.get("properties"), dict)
        for prop, sub in node["properties"].items()
        if not (sub.get("title") and sub.get("description"))
    ]
    assert missing == []


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_every_definition_has_a_title_and_a_description(name: str) -> None:
    defs = schema_for(name).get("$defs", {})
    assert [n for n, d in defs.items() if not (d.get("title") and d.get("description"))] == []


def test_every_pattern_in_the_schemas_has_a_plain_message() -> None:
    patterns = {
        node["pattern"]
        for name in SCHEMAS
        for _, node in _nodes(schema_for(name))
        if isinstance(node.get("pattern"), str)
    } | {
        key
        for name in SCHEMAS
        for _, node in _nodes(schema_for(name))
        if isinstance(node.get("patternProperties"), dict)
        for key in node["patternProperties"]
    }
    generic = [
        p for p in sorted(patterns) if "does not have the required form" in pattern_message(p, "?")
    ]
    assert generic == []


def test_schema_files_are_sorted_indented_and_end_with_a_newline() -> None:
    data = render_schema("symbol")
    assert data.endswith(b"}\n")
    assert b'\n  "$defs": {\n' in data
    assert (
        data
        == (
            json.dumps(json.loads(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        ).encode()
    )
    assert schema_file("package-source") == "package-source.schema.json"


def test_record_ids_must_carry_their_own_type_prefix() -> None:
    assert schema_for("group")["properties"]["id"]["pattern"].startswith("^group:")
    data = synthetic_record_data(0) | {"id": "symbol:synthetic-0000000"}
    assert not validator_for("group").is_valid(data)
    assert not validator_for("record").is_valid(data)


def test_records_of_every_type_conform_to_their_schema_and_the_union() -> None:
    for record in full_records():
        data = dump_record(record)
        assert validator_for(record.type).problems(data) == []
        assert validator_for("record").problems(data) == []


def test_a_published_package_and_changes_file_conform() -> None:
    package = _published_package()
    validator_for("package").check(package, file="package.json")
    changes = ChangeSet(
        format="kpfeed/1",
        catalogue="euif-knowledge-package",
        version="2024.1",
        sequence=1,
        records_digest=package["records_digest"],
        changes=[
            {"op": "ADD", "id": r["id"], "revision": 1, "record": r} for r in package["records"]
        ],
    )
    validator_for("changes").check(changes.model_dump(mode="json", exclude_none=True))


def test_problems_in_a_published_package_name_the_record_they_are_in() -> None:
    package = _published_package()
    package["records"][4]["aliases"][0]["language"] = "english!"
    package["release"]["created"] = "2024-01-01T00:00:00"  # no time zone
    with pytest.raises(ValidationFailed) as caught:
        validator_for("package").check(package, file="package.json")
    rid = package["records"][4]["id"]
    assert caught.value.problems == [
        Problem("package.json", None, "/release/created", "'2024-01-01T00:00:00' is not a date "
                "and time with a time zone (e.g. 2024-01-31T12:00:00Z)"),
        Problem("package.json", rid, "/records/4/aliases/0/language",
                "'english!' is not a BCP 47 language tag (e.g. en, de, sr-Latn)"),
    ]  # fmt: skip


def _pure_python_agrees(name: str, instance: Any) -> bool:
    validator = jsonschema.Draft202012Validator(
        schema_for(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return validator.is_valid(instance) == validator_for(name).is_valid(instance)


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"colour": "red"},
        {"status": "dormant"},
        {"regions": ["de"]},
        {"summary": {"de": "nur"}},
        {"summary": {"en": "x", "english": "y"}},
        {"id": "group:synthetic-0000001"},
        {"name": 5},
        {"description": None},
        {"revision": 0},
        {"created": "2024-01-01T00:00:00Z"},
    ],
)
def test_an_independent_validator_agrees_with_the_compiled_one(change: dict[str, Any]) -> None:
    data = synthetic_record_data(1) | change
    assert _pure_python_agrees("symbol", data)
    assert _pure_python_agrees("record", data)

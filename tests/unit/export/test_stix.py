"""The STIX export passes the OASIS validator, parses in stix2, and keeps ids and markings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import stix2
from stix2.properties import ListProperty, Property, StringProperty
from stix2validator import ValidationOptions, validate_string

from feed.export import stix_bundle, to_stix
from feed.export.stix import (
    PROPERTIES_EXTENSION_ID,
    SYMBOL_EXTENSION_ID,
    SYMBOL_TYPE,
    TLP2_EXTENSION_ID,
)
from feed.export.stix_records import KPFEED_IDENTITY_ID, file_id, tlp_marking_id
from feed.export.stix_schema import SCHEMA_DIR, extension_json_schema, validator_schemas
from feed.model import PublishedPackage
from feed.model.vocab import Tlp
from tests.unit.export.common import fake_hash, package_of, synthetic

#: Warnings we accept, by validator code, and why:
#: 103 ids are UUIDv5 of the record (stable across releases) where STIX suggests UUIDv4;
#: 202 `uses`/`related-to` with x-kpfeed-symbol or report ends is not in the spec's table;
#: 302 sources are web pages we cite by URL, without a hash of the page.
ACCEPTED_WARNINGS = {"103", "202", "302"}

_SCHEMA = extension_json_schema()
_STIX_COMMON = {"type", "spec_version", "id", "created_by_ref", "created", "modified"}
_STIX_COMMON |= {"revoked", "labels", "confidence", "lang", "external_references"}
_STIX_COMMON |= {"object_marking_refs", "granular_markings", "extensions"}
_STIX_COMMON |= {"name", "description", "aliases"}


# How a consumer registers kpfeed's extensions with the stix2 library (see the exports guide).
@stix2.v21.CustomObject(
    SYMBOL_TYPE,
    [
        ("name", StringProperty(required=True)),
        ("description", StringProperty()),
        ("aliases", ListProperty(StringProperty)),
    ]
    + [(k, Property()) for k in _SCHEMA["$defs"]["symbol"]["properties"] if k not in _STIX_COMMON],
    extension_name=SYMBOL_EXTENSION_ID,
)
class KpfeedSymbol:
    pass


@stix2.v21.CustomExtension(
    PROPERTIES_EXTENSION_ID,
    [
        (k, Property())
        for k in _SCHEMA["$defs"]["property_extension"]["properties"]
        if k != "extension_type"
    ],
)
class KpfeedProperties:
    extension_type = "property-extension"


@stix2.v21.CustomExtension(TLP2_EXTENSION_ID, [("tlp_2_0", StringProperty(required=True))])
class Tlp2:
    extension_type = "property-extension"


def _validate(data: bytes) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the OASIS stix2-validator, given kpfeed's extension schemas."""
    result = validate_string(data.decode("utf-8"), ValidationOptions(schema_dir=str(SCHEMA_DIR)))
    results = result if isinstance(result, list) else [result]
    errors = [str(e) for r in results for e in r.errors]
    warnings = [str(w) for r in results for w in r.warnings]
    return errors, warnings


def _codes(warnings: list[str]) -> set[str]:
    return {m.group(1) for w in warnings if (m := re.search(r"\{(\d+)\}", w))}


def _objects(package: PublishedPackage) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in stix_bundle(package)["objects"]}


@pytest.fixture(scope="module")
def sample_stix(sample: PublishedPackage) -> bytes:
    return to_stix(sample)


def test_sample_bundle_passes_the_oasis_validator_without_errors(sample_stix: bytes) -> None:
    errors, warnings = _validate(sample_stix)
    assert errors == []
    assert _codes(warnings) <= ACCEPTED_WARNINGS, warnings


@pytest.mark.slow
def test_bundle_of_1000_synthetic_records_passes_the_oasis_validator(
    synthetic_1k: PublishedPackage,
) -> None:
    data = to_stix(synthetic_1k)
    errors, warnings = _validate(data)
    assert errors == []
    assert _codes(warnings) <= ACCEPTED_WARNINGS
    parsed = stix2.parse(data.decode(), allow_custom=True)
    assert len(parsed.objects) == len(json.loads(data)["objects"])
    assert sum(isinstance(o, KpfeedSymbol) for o in parsed.objects) == 333


def test_bundle_with_hashes_amber_and_retired_records_passes_the_validator() -> None:
    records = [
        synthetic(0, tlp="AMBER"),
        synthetic(1, retired_in="2026.2"),
        synthetic(3, tlp="GREEN"),
        synthetic(
            4, indicators={"file_hashes": [{"algorithm": "sha1", "value": fake_hash("x", 40)}]}
        ),
        synthetic(2),
        synthetic(5, file_variants=[], relations=[]),
    ]
    errors, warnings = _validate(to_stix(package_of(records)))
    assert errors == []
    assert _codes(warnings) <= ACCEPTED_WARNINGS


def test_stix2_library_parses_every_object_into_its_class(sample_stix: bytes) -> None:
    bundle = stix2.parse(sample_stix.decode(), allow_custom=True)
    kinds = {type(o).__name__ for o in bundle.objects}
    assert "dict" not in kinds  # nothing fell through as an unknown object
    assert {"ThreatActor", "Identity", "Report", "Relationship", "KpfeedSymbol"} <= kinds
    actor = next(o for o in bundle.objects if o.type == "threat-actor")
    assert isinstance(actor.extensions[PROPERTIES_EXTENSION_ID], KpfeedProperties)
    symbol = next(o for o in bundle.objects if o.type == SYMBOL_TYPE)
    assert symbol.ambiguity in {"low", "medium", "high"}


def test_shipped_extension_schemas_are_the_ones_the_model_renders() -> None:
    shipped = {p.name: p.read_bytes() for p in SCHEMA_DIR.glob("*.json")}
    assert shipped == validator_schemas(), "run: python -m feed.export.stix_schema"


def test_validator_with_kpfeed_schemas_refuses_a_broken_extension(sample_stix: bytes) -> None:
    bundle = json.loads(sample_stix)
    symbol = next(o for o in bundle["objects"] if o["type"] == SYMBOL_TYPE)
    symbol["ambiguity"] = "somewhat"
    actor = next(o for o in bundle["objects"] if o["type"] == "threat-actor")
    del actor["extensions"][PROPERTIES_EXTENSION_ID]["extension_type"]
    errors, _ = _validate(json.dumps(bundle).encode())
    assert any(symbol["id"] in e and "somewhat" in e for e in errors), errors
    assert any(actor["id"] in e and "extension_type" in e for e in errors), errors


def test_the_same_package_gives_the_same_bytes(sample: PublishedPackage) -> None:
    assert to_stix(sample) == to_stix(sample.model_copy(deep=True))


def test_a_record_keeps_its_stix_ids_in_a_later_release_with_other_records() -> None:
    group = synthetic(0)
    first = _objects(package_of([group, synthetic(3)], sequence=1))
    later = _objects(package_of([group, synthetic(6), synthetic(9)], sequence=2))
    assert group.uuid is not None
    actor = f"threat-actor--{group.uuid}"
    assert actor in first
    assert actor in later
    mine = {i for i, o in first.items() if o.get("source_ref") == actor or i == actor}
    assert mine <= set(later)


def test_groups_are_threat_actors_attributed_to_an_identity() -> None:
    group = synthetic(0, kind="organisation")
    objects = _objects(package_of([group]))
    actor = objects[f"threat-actor--{group.uuid}"]
    assert actor["name"] == group.name
    assert actor["aliases"] == [a.value for a in group.aliases]
    attributed = [o for o in objects.values() if o.get("relationship_type") == "attributed-to"]
    assert len(attributed) == 1
    assert attributed[0]["source_ref"] == actor["id"]
    identity = objects[attributed[0]["target_ref"]]
    assert identity["identity_class"] == "organization"
    assert identity["name"] == group.name


def test_symbols_carry_guidance_ambiguity_patterns_and_aliases() -> None:
    symbol = synthetic(1)
    obj = _objects(package_of([symbol]))[f"{SYMBOL_TYPE}--{symbol.uuid}"]
    assert obj["extensions"] == {SYMBOL_EXTENSION_ID: {"extension_type": "new-sdo"}}
    assert obj["ambiguity"] == symbol.guidance.ambiguity.value
    assert obj["guidance"]["signals"] == symbol.guidance.signals
    assert obj["category"] == symbol.category.value  # type: ignore[union-attr]
    assert [p["value"] for p in obj["text_patterns"]] == [
        p.value for p in symbol.indicators.text_patterns
    ]
    assert {a["language"] for a in obj["alias_details"]} == {a.language for a in symbol.aliases}


def test_manifesto_report_lists_file_observables_with_standard_ids() -> None:
    manifesto = synthetic(2)
    objects = _objects(package_of([manifesto]))
    report = objects[f"report--{manifesto.uuid}"]
    files = [objects[ref] for ref in report["object_refs"] if ref.startswith("file--")]
    assert len(files) == 1
    hashes = files[0]["hashes"]
    assert set(hashes) == {"SHA-256", "MD5"}
    assert files[0]["id"] == file_id(hashes) == stix2.File(hashes=hashes).id


def test_a_manifesto_with_nothing_to_refer_to_still_gives_a_report_with_refs() -> None:
    manifesto = synthetic(5, file_variants=[], relations=[])
    assert manifesto.type == "manifesto"
    objects = _objects(package_of([manifesto]))
    report = objects[f"report--{manifesto.uuid}"]
    assert report["object_refs"] == [report["created_by_ref"]]
    assert objects[report["created_by_ref"]]["name"] == "kpfeed tests"


def test_an_empty_package_is_a_valid_bundle() -> None:
    errors, _ = _validate(to_stix(package_of([])))
    assert errors == []


def test_manifesto_without_hashes_has_no_file_objects(sample: PublishedPackage) -> None:
    objects = stix_bundle(sample)["objects"]
    assert [o for o in objects if o["type"] == "report"]
    assert not [o for o in objects if o["type"] == "file"]


def test_relations_become_relationships_with_the_exact_kpfeed_relation() -> None:
    group = synthetic(
        0, relations=[{"type": "uses-symbol", "target": "symbol:synthetic-0000001", "note": "N."}]
    )
    symbol = synthetic(1)
    objects = _objects(package_of([group, symbol]))
    uses = [o for o in objects.values() if o.get("relationship_type") == "uses"]
    assert len(uses) == 1
    assert uses[0]["source_ref"] == f"threat-actor--{group.uuid}"
    assert uses[0]["target_ref"] == f"{SYMBOL_TYPE}--{symbol.uuid}"
    assert uses[0]["description"] == "N."
    assert uses[0]["extensions"][PROPERTIES_EXTENSION_ID]["relation"] == "uses-symbol"


def test_relations_to_records_outside_the_package_are_left_out() -> None:
    record = synthetic(4)  # relates to record 1, which this package does not hold
    objects = _objects(package_of([record]))
    assert not [o for o in objects.values() if o.get("relationship_type") == "related-to"]


def test_sources_and_designations_are_external_references(sample: PublishedPackage) -> None:
    record = next(r for r in sample.records if r.designations)
    actor = _objects(sample)[f"threat-actor--{record.uuid}"]
    refs = actor["external_references"]
    assert refs[0] == {"source_name": "kpfeed", "external_id": record.id}
    urls = {r.get("url") for r in refs}
    assert {s.url for s in record.sources} <= urls
    assert {d.citation for d in record.designations} <= urls


def test_amber_records_and_their_links_carry_the_amber_marking() -> None:
    amber = synthetic(0, tlp="AMBER")
    clear = synthetic(3, relations=[{"type": "associated-with", "target": amber.id}])
    objects = _objects(package_of([amber, clear]))
    amber_id = tlp_marking_id(Tlp.AMBER)
    assert amber_id == "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    assert objects[amber_id]["name"] == "TLP:AMBER"
    assert objects[amber_id]["extensions"][TLP2_EXTENSION_ID]["tlp_2_0"] == "amber"
    actor_id = f"threat-actor--{amber.uuid}"
    mine = [
        o
        for o in objects.values()
        if actor_id in (o["id"], o.get("source_ref"))
        or {"source_name": "kpfeed", "external_id": amber.id} in o.get("external_references", [])
    ]
    assert len(mine) == 3  # threat-actor, identity, attributed-to
    for obj in mine:
        assert obj["object_marking_refs"] == [amber_id], obj["id"]
    link = next(o for o in objects.values() if o.get("target_ref") == actor_id)
    assert link["source_ref"] == f"threat-actor--{clear.uuid}"
    assert link["object_marking_refs"] == [amber_id]
    actor = objects[f"threat-actor--{clear.uuid}"]
    assert actor["object_marking_refs"] == [tlp_marking_id(Tlp.CLEAR)]


def test_only_markings_in_use_are_defined() -> None:
    objects = _objects(package_of([synthetic(0)]))
    markings = [o for o in objects.values() if o["type"] == "marking-definition"]
    assert [m["name"] for m in markings] == ["TLP:CLEAR"]


def test_record_times_become_created_and_modified() -> None:
    record = synthetic(0, created="2025-02-03T04:05:06.789123Z", modified="2026-01-01T00:00:00Z")
    actor = _objects(package_of([record]))[f"threat-actor--{record.uuid}"]
    assert actor["created"] == "2025-02-03T04:05:06.789Z"
    assert actor["modified"] == "2026-01-01T00:00:00.000Z"


def test_retired_records_are_revoked() -> None:
    record = synthetic(0, retired_in="2026.2")
    actor = _objects(package_of([record]))[f"threat-actor--{record.uuid}"]
    assert actor["revoked"] is True


def test_extension_definitions_and_their_author_are_in_every_bundle() -> None:
    objects = _objects(package_of([synthetic(0)]))
    for ext_id, kind in [
        (SYMBOL_EXTENSION_ID, "new-sdo"),
        (PROPERTIES_EXTENSION_ID, "property-extension"),
    ]:
        assert objects[ext_id]["extension_types"] == [kind]
        assert objects[ext_id]["created_by_ref"] == KPFEED_IDENTITY_ID
    assert KPFEED_IDENTITY_ID in objects


def test_extension_and_identity_ids_never_change() -> None:
    # Consumers register these ids with their STIX tools; a change would break every parser.
    assert SYMBOL_EXTENSION_ID == "extension-definition--7784fcd7-61cd-5182-bc19-6a4b31ca2e29"
    assert PROPERTIES_EXTENSION_ID == ("extension-definition--11f9ef25-36d1-5be0-9112-4952ded96750")
    assert KPFEED_IDENTITY_ID == "identity--4faf5cd5-a178-5928-abdd-52cba7d9ffdd"

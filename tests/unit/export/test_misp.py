"""The MISP export validates against MISP's own schemas and reads back through pymispgalaxies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pymispgalaxies.api import Clusters, Galaxies

from feed.export import misp_cluster, to_misp
from feed.model import PublishedPackage
from tests.unit.export.common import CATALOGUE, package_of, synthetic

# MISP's schemas name their draft as "http://json-schema.org/schema#"; jsonschema then uses
# the latest draft and says so. That is MISP's file, not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The metaschema specified by \\$schema was not found:DeprecationWarning"
)

GALAXY = f"galaxies/{CATALOGUE}.json"
CLUSTER = f"clusters/{CATALOGUE}.json"


def _files(package: PublishedPackage) -> tuple[dict[str, Any], dict[str, Any]]:
    files = to_misp(package)
    assert set(files) == {GALAXY, CLUSTER}
    return json.loads(files[GALAXY]), json.loads(files[CLUSTER])


def _check_with_pymispgalaxies(package: PublishedPackage) -> Any:
    """Validate both files with the package's bundled schemas and load them; the cluster."""
    galaxy, cluster = _files(package)
    # pymispgalaxies' loaders take the documents themselves (and consume their meta dicts).
    Galaxies([galaxy]).validate_with_schema()
    Clusters([cluster]).validate_with_schema()
    _, cluster = _files(package)
    return Clusters([cluster])[CATALOGUE]


def test_sample_galaxy_and_cluster_pass_misps_schemas_and_load(sample: PublishedPackage) -> None:
    cluster = _check_with_pymispgalaxies(sample)
    assert len(cluster) == len(sample.records)
    galaxy, _ = _files(sample)
    assert Galaxies([galaxy])[CATALOGUE].version == sample.release.sequence


@pytest.mark.slow
def test_1000_synthetic_records_pass_misps_schemas_and_load(
    synthetic_1k: PublishedPackage,
) -> None:
    cluster = _check_with_pymispgalaxies(synthetic_1k)
    assert len(cluster) == 1000


def test_loading_and_saving_with_pymispgalaxies_changes_nothing(sample: PublishedPackage) -> None:
    _, original = _files(sample)
    _, cluster = _files(sample)
    saved = json.loads(Clusters([cluster])[CATALOGUE].to_json())
    assert saved == original


def test_aliases_are_synonyms_that_misp_search_finds(sample: PublishedPackage) -> None:
    cluster = _check_with_pymispgalaxies(sample)
    assert cluster.search("14/88", return_tags=True) == [f'misp-galaxy:{CATALOGUE}="1488"']


def test_version_is_the_release_sequence_and_uuids_stay_across_releases() -> None:
    first, second = package_of([synthetic(0)], sequence=1), package_of([synthetic(0)], sequence=7)
    (g1, c1), (g2, c2) = _files(first), _files(second)
    assert (g1["version"], c1["version"]) == (1, 1)
    assert (g2["version"], c2["version"]) == (7, 7)
    assert g1["uuid"] == g2["uuid"]
    assert c1["uuid"] == c2["uuid"]
    assert c1["uuid"] != g1["uuid"]
    assert c1["values"][0]["uuid"] == c2["values"][0]["uuid"]


def test_value_uuid_is_the_record_uuid_shared_with_stix() -> None:
    record = synthetic(0)
    value = misp_cluster(package_of([record]))["values"][0]
    assert value["uuid"] == str(record.uuid)  # STIX: threat-actor--<the same uuid>


def test_meta_carries_synonyms_refs_country_and_kpfeed_guidance(sample: PublishedPackage) -> None:
    record = next(r for r in sample.records if r.designations and len(r.regions) > 1)
    values = {v["uuid"]: v for v in misp_cluster(sample)["values"]}
    meta = values[str(record.uuid)]["meta"]
    assert meta["synonyms"] == sorted({a.value for a in record.aliases})
    assert meta["refs"] == sorted({s.url for s in record.sources})
    assert meta["official-refs"] == sorted({d.citation for d in record.designations})
    assert meta["country"] == record.regions[0]
    assert meta["regions"] == sorted(record.regions)
    assert meta["ambiguity"] == record.guidance.ambiguity.value
    assert meta["moderation-guidance"] == record.guidance.signals
    assert meta["kpfeed-id"] == record.id
    assert meta["tlp"] == "TLP:CLEAR"


def test_relations_become_related_entries_with_misp_relationship_types() -> None:
    group = synthetic(
        0,
        relations=[
            {"type": "uses-symbol", "target": "symbol:synthetic-0000001"},
            {"type": "inspired-by", "target": "manifesto:synthetic-0000002"},
            {"type": "associated-with", "target": "group:not-in-this-package"},
        ],
    )
    symbol, manifesto = synthetic(1), synthetic(2)
    values = {v["uuid"]: v for v in misp_cluster(package_of([group, symbol, manifesto]))["values"]}
    related = values[str(group.uuid)]["related"]
    assert {"dest-uuid": str(symbol.uuid), "type": "uses"} in related
    assert {
        "dest-uuid": str(manifesto.uuid),
        "type": "related-to",
        "tags": ['kpfeed:relation="inspired-by"'],
    } in related
    assert len(related) == 2  # the link out of the package is left out


def test_names_shared_by_two_records_are_told_apart_and_both_load() -> None:
    group = synthetic(0, name="Shared Name")
    symbol = synthetic(1, name="shared name")
    package = package_of([group, symbol])
    cluster = _check_with_pymispgalaxies(package)
    assert len(cluster) == 2
    assert cluster["Shared Name (group:synthetic-0000000)"].uuid == str(group.uuid)
    assert cluster["shared name (symbol:synthetic-0000001)"].uuid == str(symbol.uuid)


def test_retired_records_are_revoked_values() -> None:
    values = misp_cluster(package_of([synthetic(0, retired_in="2026.2"), synthetic(1)]))["values"]
    assert [v.get("revoked") for v in values] == [True, None]


def test_the_same_package_gives_the_same_bytes(sample: PublishedPackage) -> None:
    assert to_misp(sample) == to_misp(sample.model_copy(deep=True))

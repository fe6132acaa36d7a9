"""A release as a STIX 2.1 bundle that the OASIS validator accepts (see ADR 0006)."""

from __future__ import annotations

from typing import Any
from uuid import uuid5

import orjson

from feed.export.common import record_times, utc
from feed.export.stix_records import (
    KPFEED_IDENTITY_ID,
    PROPERTIES_EXTENSION_ID,
    RELATIONSHIP_TYPE,
    SYMBOL_EXTENSION_ID,
    SYMBOL_TYPE,
    RecordObjects,
    Stamp,
    clean,
    record_objects,
    stix_id,
    stix_time,
    stricter,
    tlp_marking_id,
)
from feed.model import AnyRecord, PublishedPackage, ReleaseInfo
from feed.model.records import RECORD_NAMESPACE
from feed.model.vocab import Tlp

__all__ = [
    "PROPERTIES_EXTENSION_ID",
    "SYMBOL_EXTENSION_ID",
    "SYMBOL_TYPE",
    "TLP2_EXTENSION_ID",
    "stix_bundle",
    "to_stix",
]

#: When the kpfeed extension (version below) and its author identity were defined.
EXTENSION_CREATED = "2026-11-29T00:00:00.000Z"
EXTENSION_VERSION = "1.0.0"
#: TLP 2.0 marking definitions are themselves defined by this OASIS extension.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP2_CREATED = "2022-10-01T00:00:00.000Z"


def to_stix(package: PublishedPackage) -> bytes:
    """The package as a STIX 2.1 bundle, serialized: UTF-8 JSON, same input -> same bytes."""
    return orjson.dumps(stix_bundle(package), option=orjson.OPT_INDENT_2) + b"\n"


def stix_bundle(package: PublishedPackage) -> dict[str, Any]:
    """The package as a STIX 2.1 bundle (a plain dict, ready for `json.dumps`).

    Groups become `threat-actor` plus an `identity` they are attributed to; symbols the
    `x-kpfeed-symbol` SDO of kpfeed's extension definition; manifestos a `report` with
    `file` observables for listed hashes and a `location` for the attack. Relations become
    `relationship` objects. Every object carries the TLP 2.0 marking of its record.
    """
    release = package.release
    publisher_id = _publisher_id(release)
    by_id = {record.id: record for record in package.records}
    built: dict[str, RecordObjects] = {
        record.id: record_objects(record, release, publisher_id) for record in package.records
    }
    objects: dict[str, dict[str, Any]] = {}
    files: dict[str, tuple[dict[str, Any], Tlp]] = {}
    report_refs: dict[str, list[str]] = {}
    for record in package.records:
        out = built[record.id]
        for obj in out.objects:
            objects[obj["id"]] = obj
        for file, tlp in out.files:
            _merge_file(files, file, tlp)
        for rel in _relationships(record, by_id, built, release, publisher_id):
            objects[rel["id"]] = rel
            report_refs.setdefault(rel["source_ref"], []).extend([rel["id"], rel["target_ref"]])
    for obj in objects.values():
        if obj["type"] == "report":
            refs = list(dict.fromkeys(obj["object_refs"] + report_refs.get(obj["id"], [])))
            # A report must refer to something; a manifesto with no hashes, attack or
            # relations still names who catalogued it.
            obj["object_refs"] = refs or [publisher_id]
    for file, tlp in files.values():
        objects[file["id"]] = file | {"object_marking_refs": [tlp_marking_id(tlp)]}
    used_tlps = {Tlp.CLEAR} | {record.tlp for record in package.records}
    meta = [_tlp_marking(tlp) for tlp in Tlp if tlp in used_tlps]
    meta += [_kpfeed_identity(), *_extension_definitions(), _publisher(package, publisher_id)]
    bundle_uuid = uuid5(RECORD_NAMESPACE, f"stix-bundle:{release.catalogue}:{release.version}")
    return {
        "type": "bundle",
        "id": f"bundle--{bundle_uuid}",
        "objects": meta + [objects[key] for key in sorted(objects)],
    }


def _publisher_id(release: ReleaseInfo) -> str:
    return f"identity--{uuid5(RECORD_NAMESPACE, f'stix-identity:catalogue:{release.catalogue}')}"


def _merge_file(
    files: dict[str, tuple[dict[str, Any], Tlp]], file: dict[str, Any], tlp: Tlp
) -> None:
    """Several records may list the same file: one observable, all hashes, strictest TLP."""
    if file["id"] in files:
        seen, seen_tlp = files[file["id"]]
        merged = seen | {"hashes": dict(sorted((seen["hashes"] | file["hashes"]).items()))}
        files[file["id"]] = (merged, stricter(seen_tlp, tlp))
    else:
        files[file["id"]] = (file, tlp)


def _relationships(
    record: AnyRecord,
    by_id: dict[str, AnyRecord],
    built: dict[str, RecordObjects],
    release: ReleaseInfo,
    publisher_id: str,
) -> list[dict[str, Any]]:
    """`relationship` objects for the record's relations and affiliates inside the package.

    Links to records the package does not hold are left out: STIX consumers cannot resolve
    them, and a published package keeps even retired records as tombstones.
    """
    assert record.uuid is not None
    links: list[tuple[str, str, str | None]] = [
        (r.type.value, r.target, r.note) for r in record.relations
    ]
    links += [("affiliate-of", target, None) for target in getattr(record, "affiliates", [])]
    created, modified = record_times(record, release)
    out = []
    for relation, target_id, note in links:
        target = by_id.get(target_id)
        if target is None:
            continue
        stamp = Stamp(
            publisher_id, stix_time(created), stix_time(modified), stricter(record.tlp, target.tlp)
        )
        rel_id = stix_id("relationship", record.uuid, f"{relation}:{target_id}")
        relationship_type = RELATIONSHIP_TYPE.get(relation, "related-to")
        out.append(
            stamp.common("relationship", rel_id)
            | clean(
                {
                    "relationship_type": relationship_type,
                    "description": note,
                    "source_ref": built[record.id].main_id,
                    "target_ref": built[target_id].main_id,
                    "extensions": {
                        PROPERTIES_EXTENSION_ID: {
                            "extension_type": "property-extension",
                            "relation": relation,
                        }
                    },
                }
            )
        )
    return out


def _tlp_marking(tlp: Tlp) -> dict[str, Any]:
    """A TLP 2.0 marking definition exactly as OASIS publishes it."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp_marking_id(tlp),
        "created": _TLP2_CREATED,
        "name": f"TLP:{tlp.value}",
        "extensions": {
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.value.lower(),
            }
        },
    }


def _kpfeed_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": KPFEED_IDENTITY_ID,
        "created": EXTENSION_CREATED,
        "modified": EXTENSION_CREATED,
        "name": "kpfeed",
        "description": "The kpfeed project, which defines the kpfeed STIX extension.",
        "identity_class": "organization",
        "object_marking_refs": [tlp_marking_id(Tlp.CLEAR)],
    }


def _extension_definitions() -> list[dict[str, Any]]:
    schema = (
        "JSON Schema {name} in feed/export/stix-schemas/ of kpfeed (the layout "
        "`stix2_validator --schemas` reads), described in docs/guides/exports.md; property "
        "names and meanings follow the kpfeed record model (docs/concepts/records.md)."
    )
    common = {
        "type": "extension-definition",
        "spec_version": "2.1",
        "created_by_ref": KPFEED_IDENTITY_ID,
        "created": EXTENSION_CREATED,
        "modified": EXTENSION_CREATED,
        "version": EXTENSION_VERSION,
        "object_marking_refs": [tlp_marking_id(Tlp.CLEAR)],
    }
    return [
        {
            "id": SYMBOL_EXTENSION_ID,
            "name": "kpfeed symbol",
            "description": (
                f"Adds the `{SYMBOL_TYPE}` SDO: a symbol (number, rune, slogan, gesture, flag, "
                "logo, meme, emoji) used by violent extremists, with its moderation guidance, "
                "ambiguity level, aliases by language and text patterns with their "
                "normalization, as catalogued by a kpfeed knowledge package."
            ),
            "schema": schema.format(name=f"{SYMBOL_EXTENSION_ID}.json"),
            "extension_types": ["new-sdo"],
        }
        | common,
        {
            "id": PROPERTIES_EXTENSION_ID,
            "name": "kpfeed record properties",
            "description": (
                "Adds kpfeed's record fields to threat-actor, report and relationship objects: "
                "moderation guidance and ambiguity level, aliases by language, text patterns, "
                "legal designations, lifecycle fields, and the exact kpfeed relation type."
            ),
            "schema": schema.format(name=f"{PROPERTIES_EXTENSION_ID}.json"),
            "extension_types": ["property-extension"],
        }
        | common,
    ]


def _publisher(package: PublishedPackage, publisher_id: str) -> dict[str, Any]:
    """The catalogue's publisher: author of every record object (`created_by_ref`)."""
    release = package.release
    frozen = utc(release.created)
    created = min([record_times(r, release)[0] for r in package.records] + [frozen])
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": publisher_id,
        "created_by_ref": KPFEED_IDENTITY_ID,
        "created": stix_time(created),
        "modified": stix_time(frozen),
        "name": release.publisher,
        "description": f"Publisher of {release.title} ({release.catalogue}).",
        "identity_class": "organization",
        "object_marking_refs": [tlp_marking_id(Tlp.CLEAR)],
    }

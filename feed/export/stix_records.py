"""STIX 2.1 objects for one record: threat-actor, identity, x-kpfeed-symbol, report, files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from feed.export.common import dedupe, english, guidance_text, record_times
from feed.model import AnyRecord, Group, Manifesto, ReleaseInfo, Symbol
from feed.model.records import RECORD_NAMESPACE, FileHash
from feed.model.vocab import Confidence, GroupKind, RelationType, Tlp

__all__ = [
    "KPFEED_IDENTITY_ID",
    "PROPERTIES_EXTENSION_ID",
    "RELATIONSHIP_TYPE",
    "SYMBOL_EXTENSION_ID",
    "SYMBOL_TYPE",
    "RecordObjects",
    "Stamp",
    "clean",
    "file_id",
    "kpfeed_fields",
    "record_objects",
    "stix_id",
    "stix_time",
    "stricter",
    "tlp_marking_id",
]

#: The type of the new SDO that carries a symbol record (STIX 2.1 §7.3, extension `new-sdo`).
SYMBOL_TYPE = "x-kpfeed-symbol"
#: Fixed forever: kpfeed's two extension definitions and the kpfeed identity that defines them.
#: Two, not one with both extension types: the stix2 library maps one extension id to one
#: extension class, so a shared id would make consumers' registrations clash.
SYMBOL_EXTENSION_ID = (
    f"extension-definition--{uuid5(RECORD_NAMESPACE, 'stix-extension:kpfeed-symbol')}"
)
PROPERTIES_EXTENSION_ID = (
    f"extension-definition--{uuid5(RECORD_NAMESPACE, 'stix-extension:kpfeed-properties')}"
)
KPFEED_IDENTITY_ID = f"identity--{uuid5(RECORD_NAMESPACE, 'stix-identity:kpfeed')}"
#: STIX 2.1 §2.9: deterministic ids of cyber observables are UUIDv5 in this namespace.
SCO_NAMESPACE = UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

#: TLP 2.0 marking definitions by their standard ids (OASIS cti-stix-common-objects).
_TLP_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
}
_TLP_ORDER = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER]

#: STIX Appendix A "None/Low/Med/High" confidence scale.
_CONFIDENCE = {Confidence.LOW: 15, Confidence.MEDIUM: 50, Confidence.HIGH: 85}
_IDENTITY_CLASS = {
    GroupKind.ORGANISATION: "organization",
    GroupKind.MOVEMENT: "group",
    GroupKind.NETWORK: "group",
}
#: kpfeed relation -> the closest STIX relationship type; the exact one rides in the extension.
#: Group affiliates (`affiliate-of`) are `related-to` as well.
RELATIONSHIP_TYPE: dict[str, str] = {
    RelationType.USES_SYMBOL.value: "uses",
    RelationType.ASSOCIATED_WITH.value: "related-to",
    RelationType.SUCCESSOR_OF.value: "derived-from",
    RelationType.VARIANT_OF.value: "derived-from",
    RelationType.INSPIRED_BY.value: "related-to",
}
_HASH_NAMES = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}


def tlp_marking_id(tlp: Tlp) -> str:
    """The standard STIX id of a TLP 2.0 marking definition."""
    return _TLP_IDS[tlp]


def stricter(a: Tlp, b: Tlp) -> Tlp:
    """The more restrictive of two TLP markings."""
    return max(a, b, key=_TLP_ORDER.index)


def stix_time(moment: datetime) -> str:
    """A STIX timestamp: UTC, millisecond precision, `Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def stix_id(stix_type: str, record_uuid: UUID, role: str | None = None) -> str:
    """`<type>--<uuid>`: the record's own UUID for its main object, a UUIDv5 under it otherwise.

    The same record therefore gives the same STIX ids in every release and on every machine.
    """
    return f"{stix_type}--{record_uuid if role is None else uuid5(record_uuid, role)}"


def file_id(hashes: dict[str, str]) -> str:
    """Deterministic `file` id per STIX 2.1 §2.9: UUIDv5 over the canonical JSON of one hash.

    One hash is chosen in the order the OASIS stix2 library uses (MD5, SHA-1, SHA-256,
    SHA-512), so the id equals the one it computes for the same file (a test checks this).
    """
    for name in ("MD5", "SHA-1", "SHA-256", "SHA-512"):
        if name in hashes:
            chosen = {name: hashes[name]}
            break
    else:
        raise ValueError("a file needs at least one hash")
    canonical = json.dumps({"hashes": chosen}, sort_keys=True, separators=(",", ":"))
    return f"file--{uuid5(SCO_NAMESPACE, canonical)}"


def clean(value: dict[str, Any]) -> dict[str, Any]:
    """Drop None, empty lists and empty dicts at every level: STIX forbids empty lists."""
    out: dict[str, Any] = _clean(value)
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, dict | list):
                item = _clean(item)
                if not item:
                    continue
            elif item is None:
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_clean(item) if isinstance(item, dict | list) else item for item in value]
    return value


@dataclass(frozen=True)
class Stamp:
    """What every object derived from one record shares: author, times, marking."""

    created_by: str
    created: str
    modified: str
    tlp: Tlp

    def common(self, stix_type: str, object_id: str) -> dict[str, Any]:
        return {
            "type": stix_type,
            "spec_version": "2.1",
            "id": object_id,
            "created_by_ref": self.created_by,
            "created": self.created,
            "modified": self.modified,
            "object_marking_refs": [tlp_marking_id(self.tlp)],
        }


@dataclass
class RecordObjects:
    """The STIX objects one record becomes, and the id other records' relations point at."""

    main_id: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    #: file SCOs with the TLP of the record that lists them (merged across records later).
    files: list[tuple[dict[str, Any], Tlp]] = field(default_factory=list)


def kpfeed_fields(record: AnyRecord) -> dict[str, Any]:
    """Everything kpfeed knows that STIX has no property for, as extension properties."""
    dump = record.model_dump(mode="json", exclude_none=True)
    fields: dict[str, Any] = {
        "record_id": record.id,
        "record_type": record.type,
        "revision": record.revision,
        "first_released_in": record.first_released_in,
        "last_changed_in": record.last_changed_in,
        "retired_in": record.retired_in,
        "status": record.status.value,
        "ideologies": [i.value for i in record.ideologies],
        "regions": list(record.regions),
        "ambiguity": record.guidance.ambiguity.value,
        "guidance": {
            "signals": record.guidance.signals,
            "benign_uses": list(record.guidance.benign_uses),
            "known_collisions": list(record.guidance.known_collisions),
        },
        "alias_details": dump.get("aliases", []),
        "summary_translations": {k: v for k, v in record.summary.items() if k != "en"},
        "designations": dump.get("designations", []),
        "text_patterns": dump["indicators"].get("text_patterns", []),
        "numeric_codes": dump["indicators"].get("numeric_codes", []),
        "evasions": dump["indicators"].get("evasions", []),
        "perceptual_hashes": dump["indicators"].get("perceptual_hashes", []),
    }
    if isinstance(record, Group):
        fields |= {
            "group_kind": record.kind.value,
            "founded": record.founded,
            "dissolved": record.dissolved,
        }
    elif isinstance(record, Symbol):
        fields |= {
            "category": record.category.value,
            "visual_description": record.visual_description,
            "reference_images": dump.get("reference_images", []),
        }
    else:
        fields |= {
            "title": record.title,
            "attack": dump.get("attack"),
            "languages": list(record.languages),
            "derivatives": dump.get("derivatives", []),
        }
    return clean(fields)


def _description(record: AnyRecord) -> str:
    parts = [english(record.summary), english(record.description), guidance_text(record)]
    return "\n\n".join(p for p in parts if p)


def _external_references(record: AnyRecord) -> list[dict[str, str]]:
    refs = [{"source_name": "kpfeed", "external_id": record.id}]
    for source in record.sources:
        refs.append(
            {
                "source_name": source.publisher,
                "description": f"{source.title} (accessed {source.accessed.isoformat()})",
                "url": source.url,
            }
        )
    for d in record.designations:
        ended = f"; ended {d.ended.isoformat()}" if d.ended else ""
        refs.append(
            {
                "source_name": d.authority,
                "description": f"Legal designation ({d.jurisdiction}): {d.instrument}; "
                f"listed {d.listed.isoformat()}{ended}",
                "url": d.citation,
            }
        )
    unique = dedupe(json.dumps(r, sort_keys=True) for r in refs)
    return [json.loads(r) for r in unique]


def _descriptive(record: AnyRecord) -> dict[str, Any]:
    """Properties shared by the record's main object, whatever its STIX type."""
    return clean(
        {
            "name": record.name,
            "description": _description(record),
            "labels": [i.value for i in record.ideologies],
            "confidence": _CONFIDENCE[record.confidence],
            "lang": "en",
            "revoked": True if record.retired_in else None,
            "external_references": _external_references(record),
        }
    )


def _aliases(record: AnyRecord) -> list[str]:
    return dedupe(a.value for a in record.aliases if a.value != record.name)


def _hash_files(hashes: list[FileHash]) -> list[dict[str, Any]]:
    """One `file` observable per listed hash (a record's indicators name single hashes)."""
    files = []
    for h in hashes:
        file_hashes = {_HASH_NAMES[h.algorithm.value]: h.value}
        files.append(_file(file_hashes))
    return files


def _file(hashes: dict[str, str]) -> dict[str, Any]:
    return {"type": "file", "spec_version": "2.1", "id": file_id(hashes), "hashes": hashes}


def record_objects(record: AnyRecord, release: ReleaseInfo, created_by: str) -> RecordObjects:
    """The STIX objects for one record (relationships between records are made elsewhere)."""
    assert record.uuid is not None  # derived by the model for every record
    created, modified = record_times(record, release)
    stamp = Stamp(created_by, stix_time(created), stix_time(modified), record.tlp)
    if isinstance(record, Group):
        return _group(record, stamp)
    if isinstance(record, Symbol):
        return _symbol(record, stamp)
    return _manifesto(record, stamp)


def _extension(record: AnyRecord) -> dict[str, Any]:
    return {
        PROPERTIES_EXTENSION_ID: {"extension_type": "property-extension", **kpfeed_fields(record)}
    }


def _file_links(record: AnyRecord, stamp: Stamp, main_id: str, out: RecordObjects) -> None:
    assert record.uuid is not None
    for file in _hash_files(record.indicators.file_hashes):
        out.files.append((file, stamp.tlp))
        rel_id = stix_id("relationship", record.uuid, f"file:{file['id']}")
        out.objects.append(
            stamp.common("relationship", rel_id)
            | {"relationship_type": "related-to", "source_ref": main_id, "target_ref": file["id"]}
        )


def _group(record: Group, stamp: Stamp) -> RecordObjects:
    assert record.uuid is not None
    actor_id = stix_id("threat-actor", record.uuid)
    identity_id = stix_id("identity", record.uuid, "identity")
    out = RecordObjects(main_id=actor_id)
    actor = stamp.common("threat-actor", actor_id) | _descriptive(record)
    actor |= clean({"aliases": _aliases(record), "primary_motivation": "ideology"})
    actor["extensions"] = _extension(record)
    identity = stamp.common("identity", identity_id) | clean(
        {
            "name": record.name,
            "description": english(record.summary),
            "identity_class": _IDENTITY_CLASS[record.kind],
            "external_references": [{"source_name": "kpfeed", "external_id": record.id}],
            "revoked": True if record.retired_in else None,
        }
    )
    attributed = stamp.common(
        "relationship", stix_id("relationship", record.uuid, "attributed-to")
    ) | {"relationship_type": "attributed-to", "source_ref": actor_id, "target_ref": identity_id}
    out.objects += [actor, identity, attributed]
    _file_links(record, stamp, actor_id, out)
    return out


def _symbol(record: Symbol, stamp: Stamp) -> RecordObjects:
    assert record.uuid is not None
    symbol_id = stix_id(SYMBOL_TYPE, record.uuid)
    out = RecordObjects(main_id=symbol_id)
    symbol = stamp.common(SYMBOL_TYPE, symbol_id) | _descriptive(record)
    symbol |= clean({"aliases": _aliases(record)}) | kpfeed_fields(record)
    symbol["extensions"] = {SYMBOL_EXTENSION_ID: {"extension_type": "new-sdo"}}
    out.objects.append(symbol)
    _file_links(record, stamp, symbol_id, out)
    return out


def _manifesto(record: Manifesto, stamp: Stamp) -> RecordObjects:
    assert record.uuid is not None
    report_id = stix_id("report", record.uuid)
    out = RecordObjects(main_id=report_id)
    refs: list[str] = []
    variants = []
    for variant in record.file_variants:
        file = _file({_HASH_NAMES[h.algorithm.value]: h.value for h in variant.hashes})
        out.files.append((file, stamp.tlp))
        refs.append(file["id"])
        variants.append(
            clean(
                {
                    "file_ref": file["id"],
                    "format": variant.format,
                    "language": variant.language,
                    "description": variant.description,
                }
            )
        )
    for file in _hash_files(record.indicators.file_hashes):
        out.files.append((file, stamp.tlp))
        refs.append(file["id"])
    if record.attack is not None:
        location_id = stix_id("location", record.uuid, "attack-location")
        out.objects.append(
            stamp.common("location", location_id)
            | {
                "name": f"{record.attack.place}, {record.attack.country}",
                "city": record.attack.place,
                "country": record.attack.country,
            }
        )
        refs.append(location_id)
    report = stamp.common("report", report_id) | _descriptive(record)
    report |= {"report_types": ["threat-report"], "published": stamp.created}
    extension = _extension(record)
    if variants:
        extension[PROPERTIES_EXTENSION_ID]["file_variants"] = variants
    report["extensions"] = extension
    # object_refs must not be empty; related records are added when relations are resolved.
    report["object_refs"] = dedupe(refs)
    out.objects.append(report)
    return out

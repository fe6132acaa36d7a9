"""JSON Schemas of kpfeed's STIX extensions, in the layout `stix2_validator --schemas` reads.

Built from the record model, so the extensions cannot drift from the records they carry. The
rendered files ship in `feed/export/stix-schemas/` (a test keeps them equal to what this
module renders): `x-kpfeed-symbol.json` for the new SDO, and one file per extension
definition id, which the OASIS validator applies to every object using that extension.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from feed.export.stix_records import PROPERTIES_EXTENSION_ID, SYMBOL_EXTENSION_ID, SYMBOL_TYPE
from feed.model.records import (
    ID_PATTERN,
    VERSION_PATTERN,
    Alias,
    Attack,
    Derivative,
    Evasion,
    LegalDesignation,
    NumericCode,
    PerceptualHash,
    ReferenceImage,
    TextPattern,
)
from feed.model.vocab import (
    Ambiguity,
    GroupKind,
    Ideology,
    RecordType,
    RelationType,
    Status,
    SymbolCategory,
)

__all__ = [
    "SCHEMA_DIR",
    "extension_json_schema",
    "validator_schemas",
    "write_validator_schemas",
]

SCHEMA_DIR = Path(__file__).with_name("stix-schemas")

#: STIX common properties a `x-kpfeed-symbol` may carry; the OASIS validator checks their form.
_STIX_COMMON = [
    "type",
    "spec_version",
    "id",
    "created_by_ref",
    "created",
    "modified",
    "revoked",
    "labels",
    "confidence",
    "lang",
    "external_references",
    "object_marking_refs",
    "granular_markings",
    "extensions",
    "name",
    "description",
    "aliases",
]


def _enum(values: list[str], title: str) -> dict[str, Any]:
    return {"type": "string", "enum": values, "title": title}


def _array(items: dict[str, Any], title: str) -> dict[str, Any]:
    # STIX forbids empty lists, so the exporter leaves empty ones out.
    return {"type": "array", "items": items, "minItems": 1, "title": title}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _record_properties() -> dict[str, Any]:
    """Extension properties every record type may carry (names as in `kpfeed_fields`)."""
    version = {"type": "string", "pattern": VERSION_PATTERN}
    text = {"type": "string", "minLength": 1}
    return {
        "record_id": {"type": "string", "pattern": ID_PATTERN, "title": "kpfeed record id"},
        "record_type": _enum([t.value for t in RecordType], "Record type"),
        "revision": {"type": "integer", "minimum": 1, "title": "Record revision"},
        "first_released_in": version,
        "last_changed_in": version,
        "retired_in": version,
        "status": _enum([s.value for s in Status], "Status"),
        "ideologies": _array(_enum([i.value for i in Ideology], "Ideology"), "Ideologies"),
        "regions": _array({"type": "string", "pattern": "^[A-Z]{2}$"}, "Regions"),
        "ambiguity": _enum([a.value for a in Ambiguity], "Ambiguity"),
        "guidance": {
            "type": "object",
            "title": "Moderation guidance",
            "properties": {
                "signals": text,
                "benign_uses": _array(text, "Benign uses"),
                "known_collisions": _array(text, "Known collisions"),
            },
            "required": ["signals"],
            "additionalProperties": False,
        },
        "alias_details": _array(_ref("Alias"), "Aliases with language, script and kind"),
        "summary_translations": {
            "type": "object",
            "additionalProperties": text,
            "title": "Summary in languages other than English",
        },
        "designations": _array(_ref("LegalDesignation"), "Legal designations"),
        "text_patterns": _array(_ref("TextPattern"), "Text patterns"),
        "numeric_codes": _array(_ref("NumericCode"), "Numeric codes"),
        "evasions": _array(_ref("Evasion"), "Known evasions"),
        "perceptual_hashes": _array(_ref("PerceptualHash"), "Perceptual hashes"),
    }


def extension_json_schema() -> dict[str, Any]:
    """The schema: `$defs/symbol` for the new SDO, `$defs/property_extension` for the rest."""
    _, top = models_json_schema(
        [
            (model, "serialization")
            for model in (
                Alias,
                Attack,
                Derivative,
                Evasion,
                LegalDesignation,
                NumericCode,
                PerceptualHash,
                ReferenceImage,
                TextPattern,
            )
        ],
        ref_template="#/$defs/{model}",
    )
    defs: dict[str, Any] = dict(top["$defs"])
    common = _record_properties()
    symbol_only = {
        "category": _enum([c.value for c in SymbolCategory], "Symbol category"),
        "visual_description": {"type": "string", "minLength": 1},
        "reference_images": _array(_ref("ReferenceImage"), "Reference images"),
    }
    defs["symbol"] = {
        "title": SYMBOL_TYPE,
        "description": "A symbol record as a STIX 2.1 SDO (extension type `new-sdo`).",
        "type": "object",
        "properties": {name: {} for name in _STIX_COMMON}
        | {"type": {"const": SYMBOL_TYPE}}
        | common
        | symbol_only,
        "required": ["type", "id", "name", "category", "ambiguity", "record_id", "extensions"],
        "additionalProperties": False,
    }
    defs["property_extension"] = {
        "title": "kpfeed property extension",
        "description": "kpfeed fields on threat-actor, report and relationship objects.",
        "type": "object",
        "properties": {"extension_type": {"const": "property-extension"}}
        | common
        | {
            "group_kind": _enum([k.value for k in GroupKind], "Group kind"),
            "founded": {"type": "string"},
            "dissolved": {"type": "string"},
            "title": {"type": "string", "minLength": 1},
            "attack": _ref("Attack"),
            "languages": _array({"type": "string"}, "Languages"),
            "derivatives": _array(_ref("Derivative"), "In-scope derivatives"),
            "file_variants": _array(
                {
                    "type": "object",
                    "properties": {
                        "file_ref": {"type": "string", "pattern": "^file--"},
                        "format": {"type": "string"},
                        "language": {"type": "string"},
                        "description": {"type": "string"},
                    },
                    "required": ["file_ref", "format"],
                    "additionalProperties": False,
                },
                "Known file variants (the hashes are on the referenced file objects)",
            ),
            "relation": _enum(
                [r.value for r in RelationType] + ["affiliate-of"], "kpfeed relation type"
            ),
        },
        "required": ["extension_type"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kpfeed STIX 2.1 extension",
        "description": "What kpfeed adds to STIX 2.1; see docs/guides/exports.md.",
        "$defs": defs,
    }


def validator_schemas() -> dict[str, bytes]:
    """The schema files by name, each self-contained, as committed in `stix-schemas/`."""
    base = extension_json_schema()
    symbol = base | {"title": f"{SYMBOL_TYPE} object", "$ref": "#/$defs/symbol"}
    properties = base | {
        "title": "Object using the kpfeed record properties extension",
        "type": "object",
        "properties": {
            "extensions": {
                "type": "object",
                "properties": {PROPERTIES_EXTENSION_ID: {"$ref": "#/$defs/property_extension"}},
                "required": [PROPERTIES_EXTENSION_ID],
            }
        },
        "required": ["extensions"],
    }
    docs = {
        f"{SYMBOL_TYPE}.json": symbol,
        f"{SYMBOL_EXTENSION_ID}.json": symbol,
        f"{PROPERTIES_EXTENSION_ID}.json": properties,
    }
    return {
        name: (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
        for name, doc in docs.items()
    }


def write_validator_schemas(folder: Path = SCHEMA_DIR) -> None:
    """Re-render the shipped schema files (after a record model change)."""
    folder.mkdir(exist_ok=True)
    for name, data in validator_schemas().items():
        (folder / name).write_bytes(data)


if __name__ == "__main__":  # python -m feed.export.stix_schema
    write_validator_schemas()

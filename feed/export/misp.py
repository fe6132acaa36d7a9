"""A release as a MISP galaxy and cluster (the misp-galaxy repository's file formats)."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid5

from feed.export.common import english
from feed.model import AnyRecord, Group, PublishedPackage, ReleaseInfo, Symbol
from feed.model.records import RECORD_NAMESPACE
from feed.model.vocab import RelationType

__all__ = ["misp_cluster", "misp_galaxy", "to_misp"]

CATEGORY = "violent-extremism"
ICON = "user-secret"
NAMESPACE = "kpfeed"
#: kpfeed relation -> MISP relationship type (misp-objects `relationships/definition.json`).
RELATED_TYPE: dict[str, str] = {
    RelationType.USES_SYMBOL.value: "uses",
    RelationType.ASSOCIATED_WITH.value: "related-to",
    RelationType.SUCCESSOR_OF.value: "successor-of",
    RelationType.VARIANT_OF.value: "variant-of",
    RelationType.INSPIRED_BY.value: "related-to",
    "affiliate-of": "affiliated",
}


def to_misp(package: PublishedPackage) -> dict[str, bytes]:
    """The galaxy and cluster files, at the paths the misp-galaxy repository uses.

    `galaxies/<catalogue>.json` and `clusters/<catalogue>.json`; drop both into a MISP
    instance's misp-galaxy folder (or a fork of the repository) and update the galaxies.
    """
    kind = package.release.catalogue
    return {
        f"galaxies/{kind}.json": _dump(misp_galaxy(package.release)),
        f"clusters/{kind}.json": _dump(misp_cluster(package)),
    }


def _dump(doc: dict[str, Any]) -> bytes:
    # The misp-galaxy repository's own layout: two-space indent, sorted keys, UTF-8.
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _description(release: ReleaseInfo) -> str:
    return (
        f"{release.title}: violent extremist groups, the symbols they use and attacker "
        f"manifestos, with moderation guidance. Published by {release.publisher} with kpfeed."
    )


def misp_galaxy(release: ReleaseInfo) -> dict[str, Any]:
    """The galaxy: one per catalogue, stable UUID, version = the release sequence."""
    return {
        "description": _description(release),
        "icon": ICON,
        "name": release.title,
        "namespace": NAMESPACE,
        "type": release.catalogue,
        "uuid": str(uuid5(RECORD_NAMESPACE, f"misp-galaxy:{release.catalogue}")),
        "version": release.sequence,
    }


def misp_cluster(package: PublishedPackage) -> dict[str, Any]:
    """The cluster: one value per record, its UUID the record's (the same as its STIX id's)."""
    release = package.release
    by_id = {record.id: record for record in package.records}
    names = _values(package.records)
    return {
        "authors": [release.publisher],
        "category": CATEGORY,
        "description": _description(release),
        "name": release.title,
        "source": release.publisher,
        "type": release.catalogue,
        "uuid": str(uuid5(RECORD_NAMESPACE, f"misp-cluster:{release.catalogue}")),
        "values": [_value(record, names[record.id], by_id) for record in package.records],
        "version": release.sequence,
    }


def _values(records: list[AnyRecord]) -> dict[str, str]:
    """Each record's cluster value: its name, with its id added where names collide.

    MISP tags by value (`misp-galaxy:<type>="<value>"`) and refuses duplicates, compared
    without case; a group and a symbol may share a name, so such names are made unique.
    """
    seen: dict[str, int] = {}
    for record in records:
        seen[record.name.casefold()] = seen.get(record.name.casefold(), 0) + 1
    return {r.id: r.name if seen[r.name.casefold()] == 1 else f"{r.name} ({r.id})" for r in records}


def _value(record: AnyRecord, value: str, by_id: dict[str, AnyRecord]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "description": english(record.summary),
        "meta": _meta(record, value),
        "uuid": str(record.uuid),
        "value": value,
    }
    related = _related(record, by_id)
    if related:
        entry["related"] = related
    if record.retired_in:
        entry["revoked"] = True
    return entry


def _strings(values: list[str]) -> list[str]:
    """A meta list as MISP keeps it: unique and sorted (pymispgalaxies sorts when it saves)."""
    return sorted(set(values))


def _meta(record: AnyRecord, value: str) -> dict[str, Any]:
    """Standard meta (synonyms, refs, official-refs, country, status) plus kpfeed's own keys.

    MISP allows any further meta key whose value is a string or a list of strings.
    """
    guidance = record.guidance
    meta: dict[str, Any] = {
        "synonyms": _strings([a.value for a in record.aliases if a.value != value]),
        "refs": _strings([s.url for s in record.sources]),
        "official-refs": _strings([d.citation for d in record.designations]),
        "country": record.regions[0] if record.regions else None,
        "status": record.status.value,
        "kpfeed-id": record.id,
        "kpfeed-type": record.type,
        "ambiguity": guidance.ambiguity.value,
        "moderation-guidance": guidance.signals,
        "benign-uses": _strings(guidance.benign_uses),
        "known-collisions": _strings(guidance.known_collisions),
        "ideologies": _strings([i.value for i in record.ideologies]),
        "regions": _strings(record.regions),
        "tlp": f"TLP:{record.tlp.value}",
        "confidence": record.confidence.value,
        "revision": str(record.revision),
        "first-released-in": record.first_released_in,
        "last-changed-in": record.last_changed_in,
        "retired-in": record.retired_in,
        "designations": _strings(
            [
                f"{d.jurisdiction}: {d.authority}, {d.instrument} (listed {d.listed.isoformat()}"
                + (f", ended {d.ended.isoformat()})" if d.ended else ")")
                for d in record.designations
            ]
        ),
        "text-patterns": _strings([p.value for p in record.indicators.text_patterns]),
        "numeric-codes": _strings([c.value for c in record.indicators.numeric_codes]),
    }
    if isinstance(record, Group):
        meta |= {"group-kind": record.kind.value, "founded": record.founded}
        meta |= {"dissolved": record.dissolved}
    elif isinstance(record, Symbol):
        meta |= {
            "symbol-category": record.category.value,
            "visual-description": record.visual_description,
        }
    else:
        meta |= {"title": record.title, "languages": _strings(record.languages)}
        if record.attack is not None:
            meta |= {
                "attack-date": record.attack.date.isoformat(),
                "attack-place": record.attack.place,
                "attack-country": record.attack.country,
            }
    return {key: v for key, v in meta.items() if v not in (None, "", [])}


def _related(record: AnyRecord, by_id: dict[str, AnyRecord]) -> list[dict[str, Any]]:
    """Links to records in the package; the kpfeed relation is tagged where MISP's is vaguer."""
    links = [(r.type.value, r.target) for r in record.relations]
    links += [("affiliate-of", target) for target in getattr(record, "affiliates", [])]
    related = []
    for relation, target_id in links:
        target = by_id.get(target_id)
        if target is None:
            continue
        item: dict[str, Any] = {"dest-uuid": str(target.uuid), "type": RELATED_TYPE[relation]}
        if relation == RelationType.INSPIRED_BY.value:
            item["tags"] = [f'kpfeed:relation="{relation}"']
        if item not in related:
            related.append(item)
    # Sorted as pymispgalaxies saves them, so a load-and-save leaves the file unchanged.
    return sorted(related, key=lambda item: (item["dest-uuid"], item["type"]))

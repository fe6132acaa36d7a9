"""`feed.atom`: one release's catalogue as a complete Atom 1.0 feed (RFC 4287, RFC 5005).

The feed id is the catalogue's (one logical feed across releases; each release's document is
that feed at a moment), entries are the records in id order with the record's `urn:uuid` as
id, categories for type, ideologies and ambiguity, a guidance-first text summary, and an
`alternate` link of type `application/json` to the machine-readable record. `fh:complete`
tells readers that records missing from this document are no longer in the catalogue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from feed.model.release import PublishedPackage
from feed.render.atomkit import AtomLink, KpfeedEntry, atom_document, make_entry, new_feed
from feed.render.common import catalogue_feed_id, gc_paused, release_time
from feed.render.links import FeedLinks
from feed.render.sources import PackageSource, PublishedRecord, as_package_source
from feed.render.summary import data_summary_text

__all__ = ["render_atom_feed"]


class _Schemes:
    """Category scheme IRIs, computed once per feed."""

    def __init__(self, links: FeedLinks) -> None:
        self.type = links.category_scheme("record-type")
        self.ideology = links.category_scheme("ideology")
        self.ambiguity = links.category_scheme("ambiguity")


def _categories(data: dict[str, Any], schemes: _Schemes) -> list[AtomLink]:
    kind: str = data["type"]
    ambiguity = data["guidance"]["ambiguity"]
    categories = [{"term": kind, "scheme": schemes.type, "label": kind.title()}]
    categories.extend(
        {"term": i, "scheme": schemes.ideology, "label": i} for i in data["ideologies"]
    )
    categories.append(
        {
            "term": f"ambiguity:{ambiguity}",
            "scheme": schemes.ambiguity,
            "label": f"Ambiguity: {ambiguity}",
        }
    )
    return categories


def _entry(
    record: PublishedRecord, links: FeedLinks, schemes: _Schemes, version: str, fallback: datetime
) -> KpfeedEntry:
    data = record.data()
    modified, created = data.get("modified"), data.get("created")
    return make_entry(
        entry_id=f"urn:uuid:{data['uuid']}",
        title=data["name"],
        updated=datetime.fromisoformat(modified) if modified else fallback,
        published=datetime.fromisoformat(created) if created else None,
        summary=data_summary_text(data),
        links=[
            {
                "href": links.record(record.id, version),
                "rel": "alternate",
                "type": "application/json",
                "title": "Machine-readable record",
            }
        ],
        categories=_categories(data, schemes),
    )


@gc_paused()
def render_atom_feed(pkg: PublishedPackage | PackageSource, links: FeedLinks) -> bytes:
    """The release's catalogue as Atom 1.0 bytes (UTF-8, XML declaration, trailing newline)."""
    source = as_package_source(pkg)
    release = source.release
    updated = release_time(release)
    schemes = _Schemes(links)
    fg = new_feed(
        feed_id=f"urn:uuid:{catalogue_feed_id(release.catalogue)}",
        title=f"{release.title} {release.version}",
        subtitle=f"Release {release.version} (sequence {release.sequence}) of the catalogue: "
        f"every record, with moderation guidance. Records digest {source.records_digest}.",
        updated=updated,
        author=release.publisher,
        rights=f"TLP:{release.tlp}",
        links=[
            {"href": links.feed_atom(), "rel": "self", "type": "application/atom+xml"},
            {"href": links.feed_json(), "rel": "alternate", "type": "application/feed+json"},
            {
                "href": links.release_feed_atom(release.version),
                "rel": "related",
                "type": "application/atom+xml",
                "title": f"Release {release.version} (permanent copy)",
            },
            {
                "href": links.release_package_json(release.version),
                "rel": "related",
                "type": "application/json",
                "title": "Full package",
            },
        ],
        history="complete",
    )
    entries = (
        _entry(record, links, schemes, release.version, updated) for record in source.records
    )
    return atom_document(fg, entries)

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
from feed.render.atomkit import AtomDocument, AtomLink, KpfeedEntry, make_entry, new_feed
from feed.render.common import catalogue_feed_id, gc_paused, release_time
from feed.render.links import FeedLinks
from feed.render.sources import PackageSource, PublishedRecord, as_package_source
from feed.render.summary import data_summary_text

__all__ = ["AtomFeedWriter", "render_atom_feed"]


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
    record: PublishedRecord,
    data: dict[str, Any],
    summary: str,
    links: FeedLinks,
    schemes: _Schemes,
    version: str,
    fallback: datetime,
) -> KpfeedEntry:
    modified, created = data.get("modified"), data.get("created")
    return make_entry(
        entry_id=f"urn:uuid:{data['uuid']}",
        title=data["name"],
        updated=datetime.fromisoformat(modified) if modified else fallback,
        published=datetime.fromisoformat(created) if created else None,
        summary=summary,
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


class AtomFeedWriter:
    """`feed.atom`, one record at a time: `add` each record of the source in order."""

    def __init__(self, source: PackageSource, links: FeedLinks) -> None:
        release = source.release
        self._links = links
        self._version = release.version
        self._updated = release_time(release)
        self._schemes = _Schemes(links)
        fg = new_feed(
            feed_id=f"urn:uuid:{catalogue_feed_id(release.catalogue)}",
            title=f"{release.title} {release.version}",
            subtitle=f"Release {release.version} (sequence {release.sequence}) of the catalogue: "
            f"every record, with moderation guidance. Records digest {source.records_digest}.",
            updated=self._updated,
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
        self._document = AtomDocument(fg)

    def add(self, record: PublishedRecord, data: dict[str, Any], summary: str) -> None:
        """One record's entry; `data` is `record.data()`, `summary` `data_summary_text(data)`."""
        self._document.add(
            _entry(record, data, summary, self._links, self._schemes, self._version, self._updated)
        )

    def finish(self) -> bytes:
        return self._document.finish()


@gc_paused()
def render_atom_feed(pkg: PublishedPackage | PackageSource, links: FeedLinks) -> bytes:
    """The release's catalogue as Atom 1.0 bytes (UTF-8, XML declaration, trailing newline)."""
    source = as_package_source(pkg)
    writer = AtomFeedWriter(source, links)
    for record in source.records:
        data = record.data()
        writer.add(record, data, data_summary_text(data))
    return writer.finish()

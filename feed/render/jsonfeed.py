"""`feed.json`: one release's catalogue as a complete JSON Feed 1.1, one item per record.

Each item carries what a feed reader shows (title, guidance-first summary as text and escaped
HTML, tags, link to the machine-readable record) and, in the `_kpfeed` extension, the record
itself in its canonical JSON, so a consumer needs nothing but this file. The feed-level
`_kpfeed` object names the release (version, sequence, records digest, TLP) the items belong to.
"""

from __future__ import annotations

from typing import Any

import orjson

from feed.errors import PublishError
from feed.model.records import RecordBase
from feed.model.release import PublishedPackage
from feed.render.common import catalogue_feed_id, clean_text, gc_paused, release_time, rfc3339
from feed.render.links import FeedLinks
from feed.render.package import json_with_array, record_json
from feed.render.summary import record_summaries, record_tags

__all__ = ["JSON_FEED_VERSION", "render_json_feed"]

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _item(record: RecordBase, links: FeedLinks, about: str, version: str, fallback: str) -> bytes:
    modified = rfc3339(record.modified) if record.modified else fallback
    text, html = record_summaries(record)
    item: dict[str, Any] = {
        "id": f"urn:uuid:{record.uuid}",
        "url": links.record(record.id, version),
        "title": clean_text(record.name),
        "content_text": text,
        "content_html": html,
        "summary": clean_text(record.summary["en"]),
    }
    if record.created:
        item["date_published"] = rfc3339(record.created)
    item |= {
        "date_modified": modified,
        "tags": record_tags(record),
        "language": "en",
        "_kpfeed": {
            "about": about,
            "record": orjson.Fragment(record_json(record)),
            "revision": record.revision,
            "tlp": record.tlp,
        },
    }
    try:
        return orjson.dumps(item)
    except orjson.JSONEncodeError as error:
        raise PublishError(f"record {record.id}: cannot be written as JSON: {error}") from None


@gc_paused()
def render_json_feed(pkg: PublishedPackage, links: FeedLinks) -> bytes:
    """The release's catalogue as JSON Feed 1.1 bytes (canonical JSON, see `package.py`)."""
    release = pkg.release
    fallback = rfc3339(release_time(release))
    head = {
        "version": JSON_FEED_VERSION,
        "title": clean_text(f"{release.title} {release.version}"),
        "description": clean_text(
            f"{release.title}, release {release.version}: every record of the catalogue "
            f"({release.counts.total}), with moderation guidance."
        ),
        "home_page_url": links.base_url,
        "feed_url": links.feed_json(),
        "language": "en",
        "authors": [{"name": clean_text(release.publisher)}],
        "_kpfeed": {
            "about": links.schemas(),
            "id": f"urn:uuid:{catalogue_feed_id(release.catalogue)}",
            "complete": True,
            "format": pkg.format,
            "catalogue": release.catalogue,
            "version": release.version,
            "sequence": release.sequence,
            "records_digest": pkg.records_digest,
            "tlp": str(release.tlp),
            "updated": rfc3339(release_time(release)),
            "package_url": links.release_package_json(release.version),
            "changes_url": links.release_changes_json(release.version),
            "release_feed_url": links.release_feed_json(release.version),
        },
    }
    about = links.schemas()
    items = (_item(record, links, about, release.version, fallback) for record in pkg.records)
    return json_with_array(head, "items", items)

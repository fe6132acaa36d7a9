"""`feed.json`: one release's catalogue as a complete JSON Feed 1.1, one item per record.

Each item carries what a feed reader shows (title, guidance-first summary as text and escaped
HTML, tags, link to the machine-readable record) and, in the `_kpfeed` extension, the record
itself in its canonical JSON, so a consumer needs nothing but this file. The feed-level
`_kpfeed` object names the release (version, sequence, records digest, TLP) the items belong to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from feed.errors import PublishError
from feed.model.release import PublishedPackage
from feed.render.common import catalogue_feed_id, clean_text, gc_paused, release_time, rfc3339
from feed.render.links import FeedLinks
from feed.render.package import JsonArrayWriter
from feed.render.sources import PackageSource, PublishedRecord, as_package_source
from feed.render.summary import data_summaries, data_tags

__all__ = ["JSON_FEED_VERSION", "JsonFeedWriter", "render_json_feed"]

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _item(
    record: PublishedRecord,
    data: dict[str, Any],
    summaries: tuple[str, str],
    links: FeedLinks,
    about: str,
    version: str,
    fallback: str,
) -> bytes:
    modified = data.get("modified")
    created = data.get("created")
    text, html = summaries
    item: dict[str, Any] = {
        "id": f"urn:uuid:{data['uuid']}",
        "url": links.record(record.id, version),
        "title": clean_text(data["name"]),
        "content_text": text,
        "content_html": html,
        "summary": clean_text(data["summary"]["en"]),
    }
    if created:
        item["date_published"] = _rfc3339(created)
    item |= {
        "date_modified": _rfc3339(modified) if modified else fallback,
        "tags": data_tags(data),
        "language": "en",
        "_kpfeed": {
            "about": about,
            "record": orjson.Fragment(record.json),
            "revision": data["revision"],
            "tlp": data["tlp"],
        },
    }
    try:
        return orjson.dumps(item)
    except orjson.JSONEncodeError as error:
        raise PublishError(f"record {record.id}: cannot be written as JSON: {error}") from None


def _rfc3339(published: str) -> str:
    """A date-time of a record's JSON, written as `rfc3339` writes it."""
    return rfc3339(datetime.fromisoformat(published))


class JsonFeedWriter:
    """`feed.json`, one record at a time: `add` each record of the source in order."""

    def __init__(self, source: PackageSource, links: FeedLinks) -> None:
        release = source.release
        self._links = links
        self._about = links.schemas()
        self._version = release.version
        self._fallback = rfc3339(release_time(release))
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
                "format": source.head.format,
                "catalogue": release.catalogue,
                "version": release.version,
                "sequence": release.sequence,
                "records_digest": source.records_digest,
                "tlp": str(release.tlp),
                "updated": rfc3339(release_time(release)),
                "package_url": links.release_package_json(release.version),
                "changes_url": links.release_changes_json(release.version),
                "release_feed_url": links.release_feed_json(release.version),
            },
        }
        self._items = JsonArrayWriter(head, "items")

    def add(
        self, record: PublishedRecord, data: dict[str, Any], summaries: tuple[str, str]
    ) -> None:
        """One record's item; `data` is `record.data()`, `summaries` `data_summaries(data)`."""
        self._items.add(
            _item(record, data, summaries, self._links, self._about, self._version, self._fallback)
        )

    def finish(self) -> bytes:
        return self._items.finish()


@gc_paused()
def render_json_feed(pkg: PublishedPackage | PackageSource, links: FeedLinks) -> bytes:
    """The release's catalogue as JSON Feed 1.1 bytes (canonical JSON, see `package.py`)."""
    source = as_package_source(pkg)
    writer = JsonFeedWriter(source, links)
    for record in source.records:
        data = record.data()
        writer.add(record, data, data_summaries(data))
    return writer.finish()

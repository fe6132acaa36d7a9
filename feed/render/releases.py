"""`releases.json` and `releases.atom`: the release index, archived per RFC 5005 when it grows.

Paging scheme (stable archives). Releases are ordered by sequence, oldest first, and cut into
pages of `page_size` from the oldest end: archive page 1 holds releases 1..page_size, page 2
the next page_size, and so on. The subscription documents (`releases.json`, `releases.atom`)
hold whatever is left at the newest end: between 1 and page_size releases. With `n` releases
there are `(n - 1) // page_size` archive pages, and every one of them is full, so a page is
written once, when release `k * page_size + 1` arrives, and never changes afterwards: its
content depends only on its own releases, its number and the links, never on newer releases
(its title, author and `updated` come from its own newest release). It stays byte-identical,
cacheable forever and valid under its old signature.

Links: the subscription document has `prev-archive` to the newest archive page; archive page k
has `prev-archive` to page k-1 (none on page 1), `current` to the subscription document and
`self`, and carries `<fh:archive/>`. Archive pages carry no `next-archive`: RFC 5005 says
SHOULD, but a page would have to change when its successor appears, and immutability matters
more here; readers reconstruct the feed from the subscription document backwards, which is how
RFC 5005 says to consume it. The JSON documents mirror this with JSON Feed's own `next_url`
(the next, older page) and the same links in their `_kpfeed` object. Paths: `archive_path`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from feed.errors import ConfigError, PublishError
from feed.model.release import ReleaseInfo, parse_version
from feed.render.atomkit import AtomLink, KpfeedEntry, atom_document, make_entry, new_feed
from feed.render.common import (
    clean_text,
    gc_paused,
    release_entry_id,
    release_time,
    releases_feed_id,
    rfc3339,
)
from feed.render.jsonfeed import JSON_FEED_VERSION
from feed.render.links import RELEASES_ATOM, RELEASES_JSON, FeedLinks, archive_path
from feed.render.package import canonical_json
from feed.render.summary import release_summary_html, release_summary_text

__all__ = ["archive_page_count", "render_release_index"]


def archive_page_count(release_count: int, page_size: int) -> int:
    """How many (full) archive pages `release_count` releases make."""
    return max(0, (release_count - 1) // page_size)


def _ordered(releases: Sequence[ReleaseInfo]) -> list[ReleaseInfo]:
    """Releases oldest first, after checking they form one catalogue's history."""
    if not releases:
        raise PublishError("the release index needs at least one release")
    ordered = sorted(releases, key=lambda r: r.sequence)
    catalogues = {r.catalogue for r in ordered}
    if len(catalogues) != 1:
        raise PublishError(f"releases of several catalogues cannot share an index: {catalogues}")
    for older, newer in pairwise(ordered):
        if older.sequence == newer.sequence:
            raise PublishError(f"releases {older.version} and {newer.version} share a sequence")
        if parse_version(older.version) >= parse_version(newer.version):
            raise PublishError(
                f"release {newer.version} (sequence {newer.sequence}) does not come after "
                f"{older.version} (sequence {older.sequence})"
            )
    return ordered


def _files(release: ReleaseInfo, links: FeedLinks) -> list[tuple[str, str, str]]:
    """(url, media type, title) of a release's permanent files, package first."""
    v = release.version
    return [
        (links.release_package_json(v), "application/json", "Full package (package.json)"),
        (links.release_changes_json(v), "application/json", "Changes (changes.json)"),
        (links.release_feed_json(v), "application/feed+json", "Catalogue feed (feed.json)"),
        (links.release_feed_atom(v), "application/atom+xml", "Catalogue feed (feed.atom)"),
    ]


def _json_item(release: ReleaseInfo, links: FeedLinks) -> dict[str, Any]:
    files = _files(release, links)
    counts = release.counts
    extension: dict[str, Any] = {
        "version": release.version,
        "sequence": release.sequence,
        "previous_version": release.previous_version,
        "created": rfc3339(release.created),
        "published": rfc3339(release.published) if release.published else None,
        "counts": {
            "added": counts.added,
            "changed": counts.changed,
            "retired": counts.retired,
            "total": counts.total,
        },
        "tlp": str(release.tlp),
        "package_url": files[0][0],
        "changes_url": files[1][0],
        "feed_json_url": files[2][0],
        "feed_atom_url": files[3][0],
    }
    return {
        "id": f"urn:uuid:{release_entry_id(release.catalogue, release.version)}",
        "url": files[0][0],
        "title": clean_text(f"{release.title} {release.version}"),
        "content_text": release_summary_text(release),
        "content_html": release_summary_html(release),
        "date_published": rfc3339(release_time(release)),
        "attachments": [
            {"url": url, "mime_type": media, "title": title} for url, media, title in files
        ],
        "_kpfeed": {k: v for k, v in extension.items() if v is not None},
    }


def _atom_entry(release: ReleaseInfo, links: FeedLinks) -> KpfeedEntry:
    files = _files(release, links)
    entry_links: list[AtomLink] = [
        {"href": url, "rel": "alternate" if i == 0 else "related", "type": media, "title": title}
        for i, (url, media, title) in enumerate(files)
    ]
    return make_entry(
        entry_id=f"urn:uuid:{release_entry_id(release.catalogue, release.version)}",
        title=f"{release.title} {release.version}",
        updated=release_time(release),
        published=release_time(release),
        summary=release_summary_text(release),
        links=entry_links,
    )


def _page(
    page_releases: list[ReleaseInfo], links: FeedLinks, *, page: int | None, prev_page: int | None
) -> tuple[bytes, bytes]:
    """(json, atom) of one document: the subscription document (page None) or archive `page`."""
    newest = page_releases[-1]
    newest_first = list(reversed(page_releases))
    feed_id = f"urn:uuid:{releases_feed_id(newest.catalogue)}"
    title = f"{newest.title}: releases" + (f" (archive page {page})" if page else "")
    if page is None:
        self_json, self_atom = links.releases_json(), links.releases_atom()
    else:
        self_json, self_atom = links.archive(page, "json"), links.archive(page, "atom")
    prev_json = links.archive(prev_page, "json") if prev_page else None
    prev_atom = links.archive(prev_page, "atom") if prev_page else None

    extension: dict[str, Any] = {
        "about": links.schemas(),
        "id": feed_id,
        "catalogue": newest.catalogue,
        "archive": page is not None,
    }
    if page is not None:
        extension["page"] = page
        extension["self"] = self_json
        extension["current"] = links.releases_json()
    if prev_json:
        extension["prev_archive"] = prev_json
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": clean_text(title),
        "home_page_url": links.base_url,
        "feed_url": links.releases_json(),
        "description": clean_text(
            f"Releases of {newest.title}, newest first: notes, counts and files of each."
        ),
        "language": "en",
        "authors": [{"name": clean_text(newest.publisher)}],
    }
    if prev_json:
        document["next_url"] = prev_json  # JSON Feed's "next" page holds older items
    document["_kpfeed"] = extension
    document["items"] = [_json_item(release, links) for release in newest_first]

    atom_links: list[AtomLink] = [
        {"href": self_atom, "rel": "self", "type": "application/atom+xml"},
        {"href": self_json, "rel": "alternate", "type": "application/feed+json"},
    ]
    if page is not None:
        atom_links.append(
            {"href": links.releases_atom(), "rel": "current", "type": "application/atom+xml"}
        )
    if prev_atom:
        atom_links.append(
            {"href": prev_atom, "rel": "prev-archive", "type": "application/atom+xml"}
        )
    fg = new_feed(
        feed_id=feed_id,
        title=title,
        subtitle=f"Releases of {newest.title}, newest first: notes, counts and files of each.",
        updated=release_time(newest),
        author=newest.publisher,
        links=atom_links,
        history="archive" if page is not None else None,
    )
    entries = [_atom_entry(release, links) for release in newest_first]
    return canonical_json(document), atom_document(fg, entries)


@gc_paused()
def render_release_index(
    releases: Sequence[ReleaseInfo], links: FeedLinks, *, page_size: int
) -> dict[str, bytes]:
    """Every document of the release index, by path relative to the published directory.

    Always `releases.json` and `releases.atom`; plus `releases/archive/<k>.json` and `.atom`
    for each full archive page k (see the module docstring for the paging scheme).
    """
    if page_size < 1:
        raise ConfigError(f"releases page size must be at least 1, not {page_size}")
    ordered = _ordered(releases)
    pages = archive_page_count(len(ordered), page_size)
    out: dict[str, bytes] = {}
    current_json, current_atom = _page(
        ordered[pages * page_size :], links, page=None, prev_page=pages or None
    )
    out[RELEASES_JSON] = current_json
    out[RELEASES_ATOM] = current_atom
    for page in range(1, pages + 1):
        chunk = ordered[(page - 1) * page_size : page * page_size]
        page_json, page_atom = _page(chunk, links, page=page, prev_page=page - 1 or None)
        out[archive_path(page, "json")] = page_json
        out[archive_path(page, "atom")] = page_atom
    return out

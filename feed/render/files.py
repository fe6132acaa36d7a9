"""Every file one release publishes, by path: the renderers in one call for the publish step."""

from __future__ import annotations

from collections.abc import Sequence

from feed.errors import PublishError
from feed.model.release import ChangeSet, PublishedPackage, ReleaseInfo
from feed.render.atom import AtomFeedWriter
from feed.render.common import gc_paused
from feed.render.jsonfeed import JsonFeedWriter
from feed.render.links import FEED_ATOM, FEED_JSON, PACKAGE_JSON, FeedLinks, release_path
from feed.render.package import render_changes, render_package
from feed.render.releases import render_release_index
from feed.render.sources import (
    ChangesSource,
    PackageSource,
    as_changes_source,
    as_package_source,
)
from feed.render.summary import data_summaries

__all__ = ["render_release_files"]


def render_release_files(
    pkg: PublishedPackage | PackageSource,
    changes: ChangeSet | ChangesSource,
    releases: Sequence[ReleaseInfo],
    links: FeedLinks,
    *,
    page_size: int,
) -> dict[str, bytes]:
    """Paths (relative to the published directory) and bytes of everything `pkg` publishes.

    The current `package.json`, `feed.json` and `feed.atom` are the very bytes of the release's
    permanent copies under `releases/<version>/` (rendered once, so signed once), plus
    `changes.json`, and the release index with its archive pages. `releases` is the history
    the index lists; it must end with `pkg`'s release.
    """
    pkg, changes = as_package_source(pkg), as_changes_source(changes)  # each record encoded once
    release = pkg.release
    if changes.version != release.version or changes.catalogue != release.catalogue:
        raise PublishError(
            f"changes for {changes.catalogue} {changes.version} do not belong to "
            f"{release.catalogue} {release.version}"
        )
    if changes.records_digest != pkg.records_digest:
        raise PublishError(f"changes for {release.version} do not lead to the package's records")
    newest = max(releases, key=lambda r: r.sequence, default=None)
    if newest != release:
        raise PublishError(f"the release history must end with {release.version}")
    package_json = render_package(pkg)
    feed_json, feed_atom = _render_feeds(pkg, links)
    v = release.version
    files = {
        PACKAGE_JSON: package_json,
        FEED_JSON: feed_json,
        FEED_ATOM: feed_atom,
        release_path(v, "package.json"): package_json,
        release_path(v, "changes.json"): render_changes(changes),
        release_path(v, "feed.json"): feed_json,
        release_path(v, "feed.atom"): feed_atom,
    }
    files.update(render_release_index(releases, links, page_size=page_size))
    return files


@gc_paused()
def _render_feeds(source: PackageSource, links: FeedLinks) -> tuple[bytes, bytes]:
    """`feed.json` and `feed.atom` in one pass: each record parsed and summarised once for
    both (the same bytes `render_json_feed` and `render_atom_feed` give, a test checks)."""
    json_feed, atom_feed = JsonFeedWriter(source, links), AtomFeedWriter(source, links)
    for record in source.records:
        data = record.data()
        summaries = data_summaries(data)
        json_feed.add(record, data, summaries)
        atom_feed.add(record, data, summaries[0])
    return json_feed.finish(), atom_feed.finish()

"""One call renders every file of a release; current files are the release copies' bytes."""

from __future__ import annotations

import pytest

import feed.render
from feed.errors import PublishError
from feed.model import ChangeSet, PublishedPackage
from feed.render import (
    FeedLinks,
    render_atom_feed,
    render_changes,
    render_json_feed,
    render_package,
    render_release_files,
)
from tests.unit.render.common import MakeRelease


def _changes_for(changes: ChangeSet, package: PublishedPackage) -> ChangeSet:
    return changes.model_copy(
        update={
            "version": package.release.version,
            "sequence": package.release.sequence,
            "records_digest": package.records_digest,
        }
    )


def test_every_file_of_the_release_by_path(
    package: PublishedPackage, changes: ChangeSet, make_release: MakeRelease, links: FeedLinks
) -> None:
    changes = _changes_for(changes, package)
    files = render_release_files(package, changes, [package.release], links, page_size=2)
    v = package.release.version
    assert sorted(files) == sorted(
        [
            "package.json",
            "feed.json",
            "feed.atom",
            f"releases/{v}/package.json",
            f"releases/{v}/changes.json",
            f"releases/{v}/feed.json",
            f"releases/{v}/feed.atom",
            "releases.json",
            "releases.atom",
        ]
    )
    assert files["package.json"] is files[f"releases/{v}/package.json"]
    assert files["feed.json"] is files[f"releases/{v}/feed.json"]
    assert files["feed.atom"] is files[f"releases/{v}/feed.atom"]
    assert files["package.json"] == render_package(package)
    assert files["feed.json"] == render_json_feed(package, links)
    assert files["feed.atom"] == render_atom_feed(package, links)
    assert files[f"releases/{v}/changes.json"] == render_changes(changes)


def test_changes_or_history_of_another_release_are_refused(
    package: PublishedPackage, changes: ChangeSet, make_release: MakeRelease, links: FeedLinks
) -> None:
    with pytest.raises(PublishError, match="do not belong"):
        render_release_files(package, changes, [package.release], links, page_size=2)
    good = _changes_for(changes, package)
    with pytest.raises(PublishError, match="do not lead"):
        render_release_files(
            package, good.model_copy(update={"records_digest": "f" * 64}), [], links, page_size=2
        )
    with pytest.raises(PublishError, match="must end with"):
        render_release_files(package, good, [package.release, make_release(2)], links, page_size=2)


def test_the_public_surface_is_what_all_says() -> None:
    assert sorted(feed.render.__all__) == [
        "FeedLinks",
        "render_atom_feed",
        "render_changes",
        "render_json_feed",
        "render_package",
        "render_release_files",
        "render_release_index",
    ]
    for name in feed.render.__all__:
        assert getattr(feed.render, name).__module__.startswith("feed.render.")

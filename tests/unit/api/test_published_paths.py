"""Published paths: what may be served, with which media type and cache lifetime."""

from __future__ import annotations

import pytest

from feed.api.published import cache_control, content_type, is_immutable, safe_relative_path
from feed.errors import NotFoundError


@pytest.mark.parametrize(
    "path",
    ["", "/etc/passwd", "../x", "a/../../x", "releases//x", "a/./b", ".hidden", "a\\b", "a\x00b"],
)
def test_paths_that_could_leave_the_tree_or_name_hidden_files_are_refused(path: str) -> None:
    with pytest.raises(NotFoundError):
        safe_relative_path(path)


@pytest.mark.parametrize(
    "path", ["feed.json", "releases/2024.1/changes.json", "tuf/metadata/1.root.json"]
)
def test_ordinary_published_paths_are_accepted(path: str) -> None:
    assert safe_relative_path(path) == path


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("feed.json", "application/feed+json"),
        ("releases.json", "application/feed+json"),
        ("releases/2024.1/feed.json", "application/feed+json"),
        ("package.json", "application/json"),
        ("releases/2024.1/changes.json", "application/json"),
        ("feed.atom", "application/atom+xml"),
        ("feed.json.minisig", "text/plain; charset=utf-8"),
        ("minisign.pub", "text/plain; charset=utf-8"),
        ("tuf/targets/blob", "application/octet-stream"),
    ],
)
def test_each_published_file_gets_its_media_type(path: str, media_type: str) -> None:
    assert content_type(path) == media_type


@pytest.mark.parametrize(
    ("path", "immutable"),
    [
        ("releases/2024.1/package.json", True),
        ("releases/2024.1/feed.atom", True),
        ("releases/2024.1/package.json.minisig", False),
        ("releases.json", False),
        ("feed.json", False),
        ("tuf/metadata/3.root.json", True),
        ("tuf/metadata/timestamp.json", False),
        ("tuf/targets/" + "a" * 64 + ".feed.json", True),
        ("tuf/targets/feed.json", False),
    ],
)
def test_only_frozen_files_are_immutable_and_signatures_never_are(
    path: str, immutable: bool
) -> None:
    assert is_immutable(path) is immutable


def test_a_restricted_feed_is_never_cached_by_shared_caches() -> None:
    assert cache_control("feed.json", max_age=60, private=True) == "private, max-age=60"
    assert cache_control("releases/2024.1/feed.json", max_age=60, private=True).startswith(
        "private,"
    )

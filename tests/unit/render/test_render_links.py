"""FeedLinks names every published file and record under the configured base URLs."""

from __future__ import annotations

import pytest

from feed.config import Settings
from feed.errors import ConfigError, PublishError
from feed.render import FeedLinks
from feed.render.links import CURRENT_FILES, archive_path, release_path


def test_current_files_sit_at_the_top_of_the_published_directory(links: FeedLinks) -> None:
    base = "https://feed.example.org/kp/"
    assert links.feed_json() == base + "feed.json"
    assert links.feed_atom() == base + "feed.atom"
    assert links.package_json() == base + "package.json"
    assert links.releases_json() == base + "releases.json"
    assert links.releases_atom() == base + "releases.atom"
    assert [links.url(name) for name in CURRENT_FILES] == [
        links.feed_json(),
        links.feed_atom(),
        links.package_json(),
        links.releases_json(),
        links.releases_atom(),
    ]


def test_each_release_keeps_its_files_under_its_version(links: FeedLinks) -> None:
    base = "https://feed.example.org/kp/releases/2022.2/"
    assert links.release_package_json("2022.2") == base + "package.json"
    assert links.release_changes_json("2022.2") == base + "changes.json"
    assert links.release_feed_json("2022.2") == base + "feed.json"
    assert links.release_feed_atom("2022.2") == base + "feed.atom"
    assert release_path("2022.2", "feed.atom") == "releases/2022.2/feed.atom"


def test_record_link_points_at_the_api_record_in_that_release(links: FeedLinks) -> None:
    assert (
        links.record("symbol:synthetic-0000001", "2022.1")
        == "https://api.example.org/api/v1/records/symbol:synthetic-0000001?release=2022.1"
    )


def test_archive_pages_are_numbered_from_one(links: FeedLinks) -> None:
    assert archive_path(1, "atom") == "releases/archive/1.atom"
    assert links.archive(3, "json") == "https://feed.example.org/kp/releases/archive/3.json"
    with pytest.raises(PublishError, match="start at 1"):
        archive_path(0, "json")


@pytest.mark.parametrize("version", ["../../etc", "2022.0", "2022", "2022.1/..", ""])
def test_a_version_that_could_leave_its_folder_is_refused(links: FeedLinks, version: str) -> None:
    with pytest.raises(PublishError, match=r"YYYY\.N"):
        links.release_feed_json(version)
    with pytest.raises(PublishError, match=r"YYYY\.N"):
        links.record("group:x", version)


def test_a_record_id_that_is_not_type_and_slug_is_refused(links: FeedLinks) -> None:
    with pytest.raises(PublishError, match="record id"):
        links.record("group:x?release=1999.1&", "2022.1")


@pytest.mark.parametrize(
    "url",
    ["https://feed.example.org/kp", "feed.example.org/", "ftp://x.org/", "https://x.org/?a=/"],
)
def test_base_urls_must_be_absolute_folders(url: str) -> None:
    with pytest.raises(ConfigError, match="ending with '/'"):
        FeedLinks(url, "https://api.example.org/api/v1/")
    with pytest.raises(ConfigError, match="api_base_url"):
        FeedLinks("https://feed.example.org/", url)


def test_links_come_from_the_settings_with_the_api_on_localhost_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KPFEED_API_BASE_URL", raising=False)
    settings = Settings(base_url="https://feed.example.org/kp/")
    links = FeedLinks.from_settings(settings)
    assert links.api_base_url == "http://127.0.0.1:8000/api/v1/"
    assert links.feed_json() == "https://feed.example.org/kp/feed.json"

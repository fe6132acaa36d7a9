"""releases.json/.atom: newest first, archived per RFC 5005 in pages that never change."""

from __future__ import annotations

import json
import random
from typing import Any

import feedparser
import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from feed.errors import ConfigError, PublishError
from feed.model import ReleaseInfo
from feed.render import FeedLinks, render_release_index
from feed.render.atomkit import FH_NS
from feed.render.releases import archive_page_count
from tests.unit.render.common import SCRIPT, MakeRelease

NS = {"a": "http://www.w3.org/2005/Atom", "fh": FH_NS}
PAGE = 3


def _history(make_release: MakeRelease, count: int) -> list[ReleaseInfo]:
    return [make_release(n) for n in range(1, count + 1)]


def _index(make_release: MakeRelease, links: FeedLinks, count: int) -> dict[str, bytes]:
    return render_release_index(_history(make_release, count), links, page_size=PAGE)


def _xml(data: bytes) -> Any:
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))


def _link(root: Any, rel: str) -> list[str]:
    found: list[str] = root.xpath("a:link[@rel=$rel]/@href", namespaces=NS, rel=rel)
    return found


def _versions_atom(root: Any) -> list[str]:
    return [t.rsplit(" ", 1)[1] for t in root.xpath("a:entry/a:title/text()", namespaces=NS)]


@pytest.mark.parametrize(
    ("count", "pages"), [(1, 0), (PAGE, 0), (PAGE + 1, 1), (2 * PAGE, 1), (2 * PAGE + 1, 2)]
)
def test_archive_pages_appear_only_past_the_page_size(
    make_release: MakeRelease, links: FeedLinks, count: int, pages: int
) -> None:
    out = _index(make_release, links, count)
    expected = ["releases.json", "releases.atom"]
    for page in range(1, pages + 1):
        expected += [f"releases/archive/{page}.json", f"releases/archive/{page}.atom"]
    assert list(out) == expected
    assert archive_page_count(count, PAGE) == pages


def test_subscription_document_holds_the_newest_releases_newest_first(
    make_release: MakeRelease, links: FeedLinks
) -> None:
    out = _index(make_release, links, 2 * PAGE + 1)
    assert _versions_atom(_xml(out["releases.atom"])) == ["2022.7"]
    assert _versions_atom(_xml(out["releases/archive/2.atom"])) == ["2022.6", "2022.5", "2022.4"]
    assert _versions_atom(_xml(out["releases/archive/1.atom"])) == ["2022.3", "2022.2", "2022.1"]
    full = _index(make_release, links, PAGE)
    assert _versions_atom(_xml(full["releases.atom"])) == ["2022.3", "2022.2", "2022.1"]
    items = json.loads(full["releases.json"])["items"]
    assert [i["_kpfeed"]["version"] for i in items] == ["2022.3", "2022.2", "2022.1"]


def test_archive_links_follow_rfc_5005(make_release: MakeRelease, links: FeedLinks) -> None:
    out = _index(make_release, links, 2 * PAGE + 1)
    current = _xml(out["releases.atom"])
    assert _link(current, "prev-archive") == [links.archive(2, "atom")]
    assert _link(current, "self") == [links.releases_atom()]
    assert current.xpath("fh:archive | fh:complete", namespaces=NS) == []
    newest_archive = _xml(out["releases/archive/2.atom"])
    assert _link(newest_archive, "prev-archive") == [links.archive(1, "atom")]
    assert _link(newest_archive, "current") == [links.releases_atom()]
    assert _link(newest_archive, "self") == [links.archive(2, "atom")]
    assert _link(newest_archive, "next-archive") == []  # would change the page later: see docs
    assert len(newest_archive.xpath("fh:archive", namespaces=NS)) == 1
    oldest = _xml(out["releases/archive/1.atom"])
    assert _link(oldest, "prev-archive") == []
    assert oldest.findtext("{*}id") == current.findtext("{*}id")  # one logical feed


def test_full_archive_pages_never_change_when_releases_are_added(
    make_release: MakeRelease, links: FeedLinks
) -> None:
    seen: dict[str, bytes] = {}
    for count in range(1, 4 * PAGE + 2):
        out = _index(make_release, links, count)
        for path, data in out.items():
            if path.startswith("releases/archive/"):
                assert seen.setdefault(path, data) == data, f"{path} changed at {count} releases"
    assert len(seen) == 2 * 4  # pages 1..4, json and atom


def test_archive_pages_do_not_take_the_newest_releases_title(
    make_release: MakeRelease, links: FeedLinks
) -> None:
    history = _history(make_release, PAGE + 1)
    before = render_release_index(history, links, page_size=PAGE)
    history[-1] = make_release(PAGE + 1, title="A renamed catalogue", publisher="Someone else")
    after = render_release_index(history, links, page_size=PAGE)
    assert after["releases/archive/1.atom"] == before["releases/archive/1.atom"]
    assert after["releases/archive/1.json"] == before["releases/archive/1.json"]
    assert after["releases.atom"] != before["releases.atom"]


def test_walking_prev_archive_reconstructs_every_release_once(
    make_release: MakeRelease, links: FeedLinks
) -> None:
    count = 3 * PAGE + 2
    out = _index(make_release, links, count)
    by_url = {links.url(path): data for path, data in out.items()}
    versions: list[str] = []
    url: str | None = links.releases_atom()
    while url:
        parsed = feedparser.parse(by_url[url])
        assert parsed.bozo == 0
        versions += [e.title.rsplit(" ", 1)[1] for e in parsed.entries]
        prev = [ln["href"] for ln in parsed.feed.links if ln["rel"] == "prev-archive"]
        url = prev[0] if prev else None
    assert versions == [f"2022.{n}" for n in range(count, 0, -1)]
    json_versions: list[str] = []
    next_url: str | None = links.releases_json()
    while next_url:
        doc = json.loads(by_url[next_url])
        json_versions += [i["_kpfeed"]["version"] for i in doc["items"]]
        next_url = doc.get("next_url")
    assert json_versions == versions


def test_every_json_document_is_a_valid_json_feed(
    make_release: MakeRelease, links: FeedLinks, jsonfeed_validator: Draft202012Validator
) -> None:
    out = _index(make_release, links, 2 * PAGE + 1)
    for path, data in out.items():
        if path.endswith(".json"):
            assert list(jsonfeed_validator.iter_errors(json.loads(data))) == [], path
        else:
            assert feedparser.parse(data).bozo == 0, path


def test_release_entries_carry_counts_notes_and_links_to_its_files(
    make_release: MakeRelease, links: FeedLinks
) -> None:
    release = make_release(2, notes=f"Notes with {SCRIPT} and a bell \x07.")
    out = render_release_index([make_release(1), release], links, page_size=PAGE)
    item = json.loads(out["releases.json"])["items"][0]
    assert item["_kpfeed"]["counts"] == {"added": 3, "changed": 1, "retired": 0, "total": 6}
    assert item["_kpfeed"]["previous_version"] == "2022.1"
    assert item["content_text"].startswith("Release 2022.2 (sequence 2): 3 added, 1 changed")
    assert f"Notes with {SCRIPT} and a bell \ufffd." in item["content_text"]
    assert "&lt;script&gt;" in item["content_html"]
    assert "<script>" not in item["content_html"]
    assert [(a["url"], a["mime_type"]) for a in item["attachments"]] == [
        (links.release_package_json("2022.2"), "application/json"),
        (links.release_changes_json("2022.2"), "application/json"),
        (links.release_feed_json("2022.2"), "application/feed+json"),
        (links.release_feed_atom("2022.2"), "application/atom+xml"),
    ]
    entry = _xml(out["releases.atom"]).xpath("a:entry", namespaces=NS)[0]
    assert [(ln.get("rel"), ln.get("type"), ln.get("href")) for ln in entry.findall("{*}link")] == [
        ("alternate", "application/json", links.release_package_json("2022.2")),
        ("related", "application/json", links.release_changes_json("2022.2")),
        ("related", "application/feed+json", links.release_feed_json("2022.2")),
        ("related", "application/atom+xml", links.release_feed_atom("2022.2")),
    ]
    assert f"Notes with {SCRIPT} and a bell \ufffd." in entry.findtext("{*}summary")
    assert entry.findtext("{*}updated") == "2022-01-21T02:00:00+00:00"


def test_the_order_releases_are_given_in_does_not_matter(
    make_release: MakeRelease, links: FeedLinks
) -> None:
    history = _history(make_release, 2 * PAGE + 2)
    shuffled = list(history)
    random.Random(4).shuffle(shuffled)
    assert render_release_index(shuffled, links, page_size=PAGE) == render_release_index(
        history, links, page_size=PAGE
    )


def test_an_index_that_is_not_one_catalogues_history_is_refused(
    make_release: MakeRelease, links: FeedLinks
) -> None:
    with pytest.raises(PublishError, match="at least one release"):
        render_release_index([], links, page_size=PAGE)
    with pytest.raises(PublishError, match="several catalogues"):
        render_release_index(
            [make_release(1), make_release(2, catalogue="other")], links, page_size=PAGE
        )
    with pytest.raises(PublishError, match="share a sequence"):
        render_release_index([make_release(1), make_release(2, sequence=1)], links, page_size=PAGE)
    with pytest.raises(PublishError, match="does not come after"):
        render_release_index(
            [make_release(1, version="2023.1"), make_release(2)], links, page_size=PAGE
        )
    with pytest.raises(ConfigError, match="page size"):
        render_release_index([make_release(1)], links, page_size=0)

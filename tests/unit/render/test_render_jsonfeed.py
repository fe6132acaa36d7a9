"""feed.json: a complete JSON Feed 1.1 of the release, one item per record, record in `_kpfeed`."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from jsonschema import Draft202012Validator

from feed.model import AnyRecord, PublishedPackage, dump_record, parse_record
from feed.render import FeedLinks, render_json_feed
from feed.render.common import REPLACEMENT
from tests.unit.render.common import CONTROL, SCRIPT, MakePackage, hostile_data


def _feed(package: PublishedPackage, links: FeedLinks) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_json_feed(package, links))
    return data


def test_feed_json_is_a_valid_json_feed_1_1(
    package: PublishedPackage, links: FeedLinks, jsonfeed_validator: Draft202012Validator
) -> None:
    errors = list(jsonfeed_validator.iter_errors(_feed(package, links)))
    assert errors == []


def test_one_item_per_record_in_id_order_with_the_record_uuid_as_id(
    package: PublishedPackage, links: FeedLinks
) -> None:
    items = _feed(package, links)["items"]
    assert [i["_kpfeed"]["record"]["id"] for i in items] == [r.id for r in package.records]
    assert [i["id"] for i in items] == [f"urn:uuid:{r.uuid}" for r in package.records]
    assert [i["title"] for i in items if SCRIPT not in i["title"]] == [
        r.name for r in package.records if r.name != SCRIPT
    ]


def test_each_item_carries_its_record_exactly_and_links_to_it(
    package: PublishedPackage, links: FeedLinks
) -> None:
    for item, record in zip(_feed(package, links)["items"], package.records, strict=True):
        assert item["_kpfeed"]["record"] == dump_record(record)
        assert parse_record(item["_kpfeed"]["record"]) == record
        assert item["_kpfeed"]["revision"] == record.revision
        assert item["_kpfeed"]["tlp"] == "CLEAR"
        assert item["url"] == links.record(record.id, package.release.version)


def test_tags_are_type_ideologies_and_ambiguity(
    package: PublishedPackage, links: FeedLinks, hostile: AnyRecord
) -> None:
    (item,) = [i for i in _feed(package, links)["items"] if i["id"] == f"urn:uuid:{hostile.uuid}"]
    assert item["tags"] == [
        hostile.type,
        *(i.value for i in hostile.ideologies),
        f"ambiguity:{hostile.guidance.ambiguity.value}",
    ]
    assert item["language"] == "en"
    assert item["date_modified"] == "2022-03-04T05:06:07Z"
    assert item["date_published"] == "2021-01-02T03:04:05Z"


def test_summary_puts_the_moderation_guidance_first(
    package: PublishedPackage, links: FeedLinks
) -> None:
    record = package.records[0]
    item = _feed(package, links)["items"][0]
    lines = item["content_text"].split("\n")
    assert lines[0] == f"What it signals: {record.guidance.signals}"
    assert lines[1].startswith(f"Ambiguity: {record.guidance.ambiguity.value} (")
    assert lines[2] == "Benign uses:"
    assert lines[3] == f"- {record.guidance.benign_uses[0]}"
    assert lines[4] == "Known collisions:"
    assert item["content_html"].startswith("<p><strong>What it signals:</strong> ")
    assert item["summary"] == record.summary["en"]


class _Elements(HTMLParser):
    """Collects the element names and the text an HTML fragment really holds."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_record_text_is_escaped_in_the_html_and_never_becomes_markup(
    package: PublishedPackage, links: FeedLinks, hostile: AnyRecord
) -> None:
    (item,) = [i for i in _feed(package, links)["items"] if i["id"] == f"urn:uuid:{hostile.uuid}"]
    assert item["title"] == SCRIPT  # JSON strings are text: shown as written
    parser = _Elements()
    parser.feed(item["content_html"])
    parser.close()
    assert parser.tags == {"p", "strong", "ul", "li"}
    text = "".join(parser.text)
    assert "<img src=x onerror=alert(1)>" in text
    assert f"Benign {SCRIPT}" in text


def test_forbidden_control_characters_are_replaced_in_text_but_kept_in_the_record(
    package: PublishedPackage, links: FeedLinks, hostile: AnyRecord
) -> None:
    (item,) = [i for i in _feed(package, links)["items"] if i["id"] == f"urn:uuid:{hostile.uuid}"]
    shown = "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\rj"
    assert shown in item["summary"]
    assert shown in item["content_text"]
    assert REPLACEMENT in item["content_html"]
    assert "\x00" not in item["content_html"]
    assert CONTROL in item["_kpfeed"]["record"]["summary"]["en"]


def test_feed_names_the_release_it_is(package: PublishedPackage, links: FeedLinks) -> None:
    feed = _feed(package, links)
    ext = feed["_kpfeed"]
    assert ext["version"] == package.release.version
    assert ext["sequence"] == package.release.sequence
    assert ext["records_digest"] == package.records_digest
    assert ext["tlp"] == "CLEAR"
    assert ext["complete"] is True
    assert feed["feed_url"] == links.feed_json()
    assert feed["home_page_url"] == links.base_url
    assert ext["package_url"] == links.release_package_json(package.release.version)
    assert feed["authors"] == [{"name": package.release.publisher}]


def test_same_package_gives_identical_bytes(make_package: MakePackage, links: FeedLinks) -> None:
    one = make_package([parse_record(hostile_data(n)) for n in range(3, 9)])
    two = make_package([parse_record(hostile_data(n)) for n in reversed(range(3, 9))])
    assert render_json_feed(one, links) == render_json_feed(two, links)


def test_a_retired_record_says_so_before_anything_else(
    make_package: MakePackage, links: FeedLinks
) -> None:
    data = hostile_data()
    data["retired_in"] = "2022.2"
    pkg = make_package([parse_record(data)])
    item = _feed(pkg, links)["items"][0]
    assert item["content_text"].startswith("Retired: in release 2022.2; no longer in the catalogue")
    assert item["content_html"].startswith("<p><strong>Retired:</strong> in release 2022.2;")

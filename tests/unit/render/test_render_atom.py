"""feed.atom: a complete Atom 1.0 feed built with feedgen, its known faults fixed in the output."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from feed.errors import PublishError
from feed.model import AnyRecord, PublishedPackage, parse_record
from feed.render import FeedLinks, render_atom_feed
from feed.render.atomkit import FH_NS, atom_document, make_entry, new_feed
from tests.unit.render.common import SCRIPT, MakePackage, hostile_data

NS = {"a": "http://www.w3.org/2005/Atom", "fh": FH_NS}


def _xml(data: bytes) -> Any:
    """Parse strictly: no recovery, no entities, no network."""
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def _entry_of(root: Any, record: AnyRecord) -> Any:
    (entry,) = root.xpath("a:entry[a:id=$id]", namespaces=NS, id=f"urn:uuid:{record.uuid}")
    return entry


def test_feed_parses_with_lxml_and_feedparser_without_complaint(
    package: PublishedPackage, links: FeedLinks
) -> None:
    data = render_atom_feed(package, links)
    root = _xml(data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == len(package.records)


def test_titles_and_ids_round_trip_exactly_through_feedparser(
    package: PublishedPackage, links: FeedLinks
) -> None:
    parsed = feedparser.parse(render_atom_feed(package, links))
    assert [e.id for e in parsed.entries] == [f"urn:uuid:{r.uuid}" for r in package.records]
    assert [e.title for e in parsed.entries] == [r.name for r in package.records]
    assert parsed.feed.title == f"{package.release.title} {package.release.version}"


def test_entries_come_in_record_id_order_not_feedgens_prepend_order(
    package: PublishedPackage, links: FeedLinks
) -> None:
    root = _xml(render_atom_feed(package, links))
    ids = root.xpath("a:entry/a:id/text()", namespaces=NS)
    assert ids == [f"urn:uuid:{r.uuid}" for r in package.records]
    assert ids != sorted(ids)  # uuid order differs from id order, so this proves the order


def test_entry_link_keeps_rel_type_and_title(package: PublishedPackage, links: FeedLinks) -> None:
    root = _xml(render_atom_feed(package, links))
    for record in package.records:
        (link,) = _entry_of(root, record).xpath("a:link", namespaces=NS)
        assert dict(link.attrib) == {
            "href": links.record(record.id, package.release.version),
            "rel": "alternate",
            "type": "application/json",
            "title": "Machine-readable record",
        }
    parsed = feedparser.parse(render_atom_feed(package, links))
    assert parsed.entries[0].links[0]["type"] == "application/json"


def test_stock_feedgen_still_drops_entry_link_attributes() -> None:
    """The fault KpfeedEntry works around; when feedgen fixes it, this fails: drop the fix."""
    entry = FeedEntry()
    entry.id("urn:x")
    entry.title("t")
    entry.link(href="https://example.org/r", rel="alternate", type="application/json")
    link = entry.atom_entry().find("link")
    assert dict(link.attrib) == {"href": "https://example.org/r"}


def test_generator_is_kpfeed_without_feedgens_name_or_version(
    package: PublishedPackage, links: FeedLinks
) -> None:
    data = render_atom_feed(package, links)
    (generator,) = _xml(data).xpath("a:generator", namespaces=NS)
    assert generator.text == "kpfeed"
    assert dict(generator.attrib) == {}
    assert b"feedgen" not in data


def test_feed_is_marked_complete_and_names_itself(
    package: PublishedPackage, links: FeedLinks
) -> None:
    root = _xml(render_atom_feed(package, links))
    assert len(root.xpath("fh:complete", namespaces=NS)) == 1
    assert root.xpath("a:link[@rel='self']/@href", namespaces=NS) == [links.feed_atom()]
    assert root.xpath("a:updated/text()", namespaces=NS) == ["2022-01-11T02:00:00+00:00"]
    assert root.xpath("a:author/a:name/text()", namespaces=NS) == [package.release.publisher]
    assert root.xpath("a:rights/text()", namespaces=NS) == ["TLP:CLEAR"]
    (feed_id,) = root.xpath("a:id/text()", namespaces=NS)
    assert feed_id.startswith("urn:uuid:")


def test_feed_id_stays_the_same_across_releases(
    make_package: MakePackage, make_release: Any, records: list[AnyRecord], links: FeedLinks
) -> None:
    first = _xml(render_atom_feed(make_package(records, make_release(1)), links))
    second = _xml(render_atom_feed(make_package(records, make_release(2)), links))
    assert first.findtext("{*}id") == second.findtext("{*}id")


def test_categories_carry_type_ideologies_and_ambiguity_with_schemes(
    package: PublishedPackage, links: FeedLinks, hostile: AnyRecord
) -> None:
    entry = _entry_of(_xml(render_atom_feed(package, links)), hostile)
    categories = [
        (c.get("term"), c.get("scheme")) for c in entry.xpath("a:category", namespaces=NS)
    ]
    assert categories == [
        (hostile.type, links.category_scheme("record-type")),
        *((i.value, links.category_scheme("ideology")) for i in hostile.ideologies),
        (f"ambiguity:{hostile.guidance.ambiguity.value}", links.category_scheme("ambiguity")),
    ]


def test_entry_summary_is_guidance_first_text(
    package: PublishedPackage, links: FeedLinks, hostile: AnyRecord
) -> None:
    entry = _entry_of(_xml(render_atom_feed(package, links)), hostile)
    (summary,) = entry.xpath("a:summary", namespaces=NS)
    assert summary.get("type") == "text"
    assert summary.text.startswith(f"What it signals: {hostile.guidance.signals}\nAmbiguity: ")
    assert entry.findtext("{*}updated") == "2022-03-04T05:06:07+00:00"
    assert entry.findtext("{*}published") == "2021-01-02T03:04:05+00:00"


def test_markup_in_records_stays_text(
    package: PublishedPackage, links: FeedLinks, hostile: AnyRecord
) -> None:
    data = render_atom_feed(package, links)
    root = _xml(data)
    assert (
        root.xpath("//*[local-name()='script' or local-name()='injected' or local-name()='img']")
        == []
    )
    entry = _entry_of(root, hostile)
    assert entry.findtext("{*}title") == SCRIPT
    assert "</summary><injected/>" in entry.findtext("{*}summary")
    assert b"<script>" not in data
    (parsed,) = [e for e in feedparser.parse(data).entries if e.id == f"urn:uuid:{hostile.uuid}"]
    assert parsed.title == SCRIPT


def test_forbidden_control_characters_become_replacement_characters(
    package: PublishedPackage, links: FeedLinks, hostile: AnyRecord
) -> None:
    entry = _entry_of(_xml(render_atom_feed(package, links)), hostile)
    summary = entry.findtext("{*}summary")
    assert "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\rj" in summary
    assert "&amp; <alias> \ufffd" in summary  # the alias's BEL, and its markup kept as text


def test_control_characters_in_the_title_keep_the_document_well_formed(
    make_package: MakePackage, links: FeedLinks
) -> None:
    data = hostile_data()
    data["name"] = "bad\x01name\x1b"
    record = parse_record(data)
    root = _xml(render_atom_feed(make_package([record]), links))
    assert _entry_of(root, record).findtext("{*}title") == "bad\ufffdname\ufffd"


def test_same_package_gives_identical_bytes(
    make_package: MakePackage, links: FeedLinks, records: list[AnyRecord]
) -> None:
    assert render_atom_feed(make_package(records), links) == render_atom_feed(
        make_package(list(reversed(records))), links
    )


@pytest.mark.parametrize("history", ["complete", "archive", None])
def test_streamed_document_equals_feedgens_own_serialization(
    history: Any, links: FeedLinks
) -> None:
    moment = datetime(2022, 5, 6, 7, 8, 9, tzinfo=UTC)

    def feed() -> FeedGenerator:
        return new_feed(
            feed_id="urn:uuid:00000000-0000-5000-8000-000000000001",
            title="T <&>",
            updated=moment,
            author="A",
            links=[{"href": links.feed_atom(), "rel": "self", "type": "application/atom+xml"}],
            subtitle="S",
            rights="TLP:CLEAR",
            history=history,
        )

    def entries() -> list[Any]:
        return [
            make_entry(
                entry_id=f"urn:uuid:00000000-0000-5000-8000-00000000001{n}",
                title=f"entry {n} <b>",
                updated=moment,
                summary=f"summary {n} & more",
                links=[{"href": f"https://example.org/{n}", "rel": "alternate", "type": "a/b"}],
                categories=[{"term": "t", "scheme": "https://example.org/s", "label": "T"}],
                published=moment,
            )
            for n in range(3)
        ]

    streamed = atom_document(feed(), entries())
    whole = feed()
    for entry in entries():
        whole.add_entry(entry, order="append")
    assert streamed == whole.atom_str(pretty=False, encoding="UTF-8", xml_declaration=True) + b"\n"


def test_an_entry_lxml_refuses_is_named_in_a_publish_error(links: FeedLinks) -> None:
    moment = datetime(2022, 5, 6, tzinfo=UTC)
    fg = new_feed(feed_id="urn:x", title="t", updated=moment, author="a", links=[])
    entry = make_entry(
        entry_id="urn:uuid:00000000-0000-5000-8000-000000000009",
        title="t",
        updated=moment,
        summary="s",
        links=[{"href": "https://example.org/\x01", "rel": "alternate"}],  # not cleaned: URLs
    )
    with pytest.raises(PublishError, match="Atom entry urn:uuid:00000000-0000-5000-8000-0000"):
        atom_document(fg, [entry])

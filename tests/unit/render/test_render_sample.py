"""The shipped sample package renders into every format, and independent parsers read it back."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import yaml
from jsonschema import Draft202012Validator
from lxml import etree

from feed.model import AnyRecord, PackageManifest, PublishedPackage, parse_record
from feed.render import FeedLinks, render_atom_feed, render_json_feed, render_package
from tests.unit.render.common import MakePackage, MakeRelease

SAMPLE = Path(__file__).resolve().parents[3] / "packages" / "sample"


def _sample(make_package: MakePackage, make_release: MakeRelease) -> PublishedPackage:
    manifest = PackageManifest.model_validate(yaml.safe_load((SAMPLE / "package.yaml").read_text()))
    records: list[AnyRecord] = [
        parse_record(yaml.safe_load(path.read_text(encoding="utf-8")))
        for folder in ("groups", "symbols", "manifestos")
        for path in sorted((SAMPLE / folder).glob("*.yaml"))
    ]
    release = make_release(
        1,
        catalogue=manifest.catalogue,
        title=manifest.title,
        publisher=manifest.publisher,
        counts={"added": len(records), "changed": 0, "retired": 0, "total": len(records)},
    )
    return make_package(records, release)


def test_sample_package_renders_and_reads_back_in_every_format(
    make_package: MakePackage,
    make_release: MakeRelease,
    links: FeedLinks,
    jsonfeed_validator: Draft202012Validator,
) -> None:
    package = _sample(make_package, make_release)
    assert len(package.records) > 20

    assert PublishedPackage.model_validate_json(render_package(package)) == package

    feed_json = json.loads(render_json_feed(package, links))
    assert list(jsonfeed_validator.iter_errors(feed_json)) == []
    assert [i["title"] for i in feed_json["items"]] == [r.name for r in package.records]

    atom = render_atom_feed(package, links)
    etree.fromstring(atom, etree.XMLParser(recover=False, resolve_entities=False))
    parsed = feedparser.parse(atom)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == [r.name for r in package.records]
    assert [e.id for e in parsed.entries] == [f"urn:uuid:{r.uuid}" for r in package.records]

"""The shipped sample package parses, hangs together and keeps manifestos free of content."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from feed.model import AnyRecord, PackageManifest, dump_record, parse_record
from feed.model.records import LIFECYCLE_FIELDS, Manifesto

SAMPLE = Path(__file__).resolve().parents[2] / "packages" / "sample"
RECORD_DIRS = {"groups": "group", "symbols": "symbol", "manifestos": "manifesto"}
RECORD_FILES = sorted(p for d in RECORD_DIRS for p in (SAMPLE / d).glob("*.yaml"))
URL = re.compile(r"(?i)\b(?:https?|ftp)://|\bwww\.[a-z0-9-]+\.[a-z]")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _records() -> list[AnyRecord]:
    return [parse_record(_load(p)) for p in RECORD_FILES]


def _strings(value: Any) -> list[str]:
    """Every string inside a nested structure of dicts and lists."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_package_manifest_is_the_sample_catalogue() -> None:
    manifest = PackageManifest.model_validate(_load(SAMPLE / "package.yaml"))
    assert manifest.name == "sample"
    assert manifest.catalogue == "euif-knowledge-package"
    assert "public sources" in manifest.title


def test_sample_holds_between_25_and_40_records_of_every_type() -> None:
    records = _records()
    assert 25 <= len(records) <= 40
    assert {r.type for r in records} == set(RECORD_DIRS.values())


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_record_file_parses_and_is_named_after_its_slug_and_type(path: Path) -> None:
    data = _load(path)
    record = parse_record(data)
    assert path.stem == record.slug
    assert RECORD_DIRS[path.parent.name] == record.type


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_record_file_leaves_derived_fields_to_the_system(path: Path) -> None:
    data = _load(path)
    assert "uuid" not in data
    assert not LIFECYCLE_FIELDS & set(data)


def test_ids_are_unique_and_every_relation_and_affiliate_target_exists() -> None:
    records = _records()
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids))
    known = set(ids)
    for record in records:
        targets = [rel.target for rel in record.relations]
        targets += getattr(record, "affiliates", [])
        missing = [t for t in targets if t not in known]
        assert not missing, f"{record.id} points at records not in the package: {missing}"
        assert record.id not in targets, f"{record.id} relates to itself"


def test_every_record_cites_a_source_and_every_designation_a_citation() -> None:
    for record in _records():
        assert record.sources, record.id
        for designation in record.designations:
            assert designation.citation.startswith("https://"), record.id


def test_numeric_codes_match_with_separators_ignored_and_go_to_human_review() -> None:
    for record in _records():
        patterns = {t.value: t for t in record.indicators.text_patterns if t.kind == "numeric-code"}
        for pattern in patterns.values():
            assert pattern.normalization.ignore_separators, f"{record.id}: {pattern.value}"
            assert pattern.word_boundaries, f"{record.id}: {pattern.value}"
        for code in record.indicators.numeric_codes:
            assert code.value in patterns, f"{record.id}: no text pattern for {code.value}"
            # Numbers occur in ordinary text all the time: never automatic.
            assert record.guidance.ambiguity == "high", record.id


def test_manifestos_carry_no_file_variants_and_no_urls_outside_sources() -> None:
    manifestos = [r for r in _records() if isinstance(r, Manifesto)]
    assert manifestos
    for record in manifestos:
        assert record.file_variants == [], record.id
        assert record.indicators.file_hashes == [], record.id
        assert record.indicators.perceptual_hashes == [], record.id
        data = dump_record(record)
        for allowed in ("sources", "designations"):
            data.pop(allowed, None)
        with_urls = [s for s in _strings(data) if URL.search(s)]
        assert not with_urls, f"{record.id} has URLs outside sources/designations: {with_urls}"


def test_url_check_catches_links_hidden_in_manifesto_text() -> None:
    # Guards the check above: it must see a link in any free-text field, not just in `url`.
    assert URL.search("copies at https://example.org/x")
    assert URL.search("see www.example.org for the file")
    assert not URL.search("The Great Replacement, 2019")

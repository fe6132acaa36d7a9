"""The typed catalogue a mirror holds: records by id, by alias, and changed since a release."""

from __future__ import annotations

from pathlib import Path

import pytest

from feed.client import Catalogue
from feed.errors import InputError, NotFoundError, ValidationFailed
from feed.model import Symbol
from tests.unit.client.conftest import MakeClient
from tests.unit.client.site import Site, changed, package_bytes, records


@pytest.fixture
def catalogue(site: Site, make_client: MakeClient) -> Catalogue:
    """The mirror after releases 2026.1 (30 records) and 2026.2 (two changed, one added)."""
    client = make_client()
    client.pull()
    current = list(site.current.records)
    current[4] = changed(current[4], 1)
    current[5] = changed(current[5], 1)
    site.release([*current, *records(1, start=30)])
    client.pull()
    return client.catalogue()


def test_release_and_records_by_id(catalogue: Catalogue, site: Site) -> None:
    assert (catalogue.name, catalogue.version, catalogue.sequence) == (
        "synthetic-test",
        "2026.2",
        2,
    )
    assert len(catalogue) == 31
    assert list(catalogue) == sorted(r.id for r in site.current.records)
    record = catalogue["symbol:synthetic-0000001"]
    assert isinstance(record, Symbol)
    assert record == site.current.records[list(catalogue).index(record.id)]
    assert catalogue.get("symbol:no-such-record") is None
    assert "group:synthetic-0000000" in catalogue


def test_lookup_by_alias_ignores_case_and_width(catalogue: Catalogue) -> None:
    record = catalogue["group:synthetic-0000003"]
    alias = record.aliases[0].value
    assert catalogue.by_alias(alias.upper()) == [record]
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in alias)
    assert catalogue.by_alias(full_width) == [record]
    assert catalogue.by_alias(record.name.lower()) == [record]
    assert catalogue.by_alias("no such alias") == []


def test_records_changed_since_a_release(catalogue: Catalogue, site: Site) -> None:
    ids = sorted(r.id for r in site.current.records)
    expected = [ids[4], ids[5], "group:synthetic-0000030"]
    assert sorted(r.id for r in catalogue.changed_since("2026.1")) == sorted(expected)
    assert all(r.last_changed_in == "2026.2" for r in catalogue.changed_since("2026.1"))
    assert len(catalogue.changed_since("2025.9")) == 31
    assert catalogue.changed_since("2026.2") == []
    with pytest.raises(InputError, match=r"is not YYYY.N"):
        catalogue.changed_since("last year")


def test_opening_a_folder_that_is_no_mirror_says_so(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"not a kpfeed mirror yet"):
        Catalogue.load(tmp_path)


def test_invalid_record_is_refused_when_asked_for_with_its_location(site: Site) -> None:
    data = package_bytes(site.current).replace(b'"status":"active"', b'"status":"gone"', 1)
    catalogue = Catalogue(data)
    first = next(iter(catalogue))
    with pytest.raises(ValidationFailed) as caught:
        catalogue[first]
    assert caught.value.problems[0].pointer == "/records/0/status"

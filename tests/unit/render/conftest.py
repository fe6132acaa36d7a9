"""Fixtures for the renderer tests: small releases of synthetic records, one of them hostile."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from feed.model import (
    AnyRecord,
    Change,
    ChangeSet,
    Counts,
    PublishedPackage,
    ReleaseInfo,
    parse_record,
    records_digest,
)
from feed.render import FeedLinks
from feed.synthetic import synthetic_record
from tests.unit.render.common import CATALOGUE, MakePackage, MakeRelease, hostile_data


@pytest.fixture
def links() -> FeedLinks:
    return FeedLinks("https://feed.example.org/kp/", "https://api.example.org/api/v1/")


def _release(n: int = 1, **overrides: Any) -> ReleaseInfo:
    """Release number n (sequence n, versions 2022.1, 2022.2, ...)."""
    created = datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=10 * n)
    data: dict[str, Any] = {
        "catalogue": CATALOGUE,
        "title": "Synthetic Knowledge Package",
        "publisher": "kpfeed synthetic data",
        "version": f"2022.{n}",
        "sequence": n,
        "created": created,
        "published": created + timedelta(hours=2),
        "notes": f"Synthetic release {n}.",
        "previous_version": f"2022.{n - 1}" if n > 1 else None,
        "counts": Counts(added=3, changed=1, retired=0, total=3 * n),
        "tlp": "CLEAR",
    }
    data.update(overrides)
    return ReleaseInfo(**data)


@pytest.fixture
def make_release() -> MakeRelease:
    return _release


def _package(records: Sequence[AnyRecord], release: ReleaseInfo | None = None) -> PublishedPackage:
    ordered = sorted(records, key=lambda r: r.id)
    return PublishedPackage(
        format="kpfeed/1",
        release=release or _release(1),
        records_digest=records_digest(ordered),
        records=ordered,
    )


@pytest.fixture
def make_package() -> MakePackage:
    return _package


@pytest.fixture
def hostile() -> AnyRecord:
    return parse_record(hostile_data())


@pytest.fixture
def records(hostile: AnyRecord) -> list[AnyRecord]:
    """Six ordinary synthetic records (two of each type) and the hostile one, sorted by id."""
    ordinary = [synthetic_record(n) for n in range(6)]
    return sorted([*ordinary, hostile], key=lambda r: r.id)


@pytest.fixture
def package(records: list[AnyRecord]) -> PublishedPackage:
    return _package(records)


@pytest.fixture
def changes(records: list[AnyRecord]) -> ChangeSet:
    """One change of each kind against an imagined previous release."""
    add, mod, gone = records[0], records[1], records[2]
    digest = records_digest(records)
    return ChangeSet(
        format="kpfeed/1",
        catalogue=CATALOGUE,
        version="2022.2",
        sequence=2,
        previous_version="2022.1",
        previous_sequence=1,
        base_digest="0" * 64,
        records_digest=digest,
        changes=[
            Change(op="ADD", id=add.id, revision=add.revision, record=add),
            Change(op="MOD", id=mod.id, revision=mod.revision, fields=["summary"], record=mod),
            Change(op="DEL", id=gone.id, revision=gone.revision),
        ],
    )


@pytest.fixture(scope="session")
def jsonfeed_validator() -> Draft202012Validator:
    """Validator of JSON Feed 1.1, from a schema written from the specification."""
    schema = json.loads((Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())

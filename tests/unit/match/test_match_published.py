"""The hosted matcher's cache: one compilation per published package, a new publication is
picked up at the next call, a refresh (same package, new generation) compiles nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from feed.errors import ConfigError, NotFoundError
from feed.match import PublishedMatcher
from feed.model import AnyRecord
from feed.publish import current_generation, publish_files
from tests.unit.match.catalogue import CODE_1488, evasion_catalogue, package_data, record


def _package(records: list[AnyRecord], version: str, sequence: int) -> bytes:
    data: dict[str, Any] = package_data(records)
    data["release"] |= {"version": version, "sequence": sequence}
    return orjson.dumps(data)


def test_a_new_publication_is_matched_from_the_next_call_and_a_refresh_compiles_nothing(
    tmp_path: Path,
) -> None:
    public = tmp_path / "public"
    first = evasion_catalogue()
    publish_files(public, {"package.json": _package(first, "2024.1", 1), "feed.json": b"{}"})
    hosted = PublishedMatcher(public)

    before = hosted.current()
    assert before.release is not None
    assert before.release.version == "2024.1"
    assert [r.record_id for r in before.match("greetings 14/88")] == [CODE_1488]
    assert hosted.current() is before
    assert hosted.compilations == 1

    # A refresh: only other files change; the package is hard-linked into the new generation.
    generation = current_generation(public)
    publish_files(public, {"package.json": _package(first, "2024.1", 1), "feed.json": b"[]"})
    assert current_generation(public) != generation
    assert hosted.current() is before
    assert hosted.compilations == 1

    # A new release: 1488 retired from the catalogue, a new code added.
    second = [r for r in first if r.id != CODE_1488]
    second.append(record(12, ambiguity="high", numeric_codes=[{"value": "2083", "meaning": "X"}]))
    publish_files(public, {"package.json": _package(second, "2024.2", 2), "feed.json": b"[]"})
    after = hosted.current()
    assert after is not before
    assert after.release is not None
    assert after.release.version == "2024.2"
    assert CODE_1488 not in {r.record_id for r in after.match("greetings 14/88")}
    assert [r.record_id for r in after.match("code 2083")] == [record(12).id]
    assert hosted.compilations == 2


def test_nothing_published_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no release has been published"):
        PublishedMatcher(tmp_path / "public").current()


def test_a_package_changed_after_publication_is_refused_and_never_cached(tmp_path: Path) -> None:
    public = tmp_path / "public"
    data = package_data(evasion_catalogue())
    data["records"][0]["name"] = "Tampered"
    publish_files(public, {"package.json": orjson.dumps(data)})
    hosted = PublishedMatcher(public)
    for _ in range(2):
        with pytest.raises(ConfigError, match="records digest"):
            hosted.current()
    assert hosted.compilations == 0

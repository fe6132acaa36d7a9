"""Shared rendering pieces: XML-safe text, UTC timestamps, stable ids, GC pausing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from feed.render.common import (
    catalogue_feed_id,
    clean_text,
    gc_paused,
    release_entry_id,
    releases_feed_id,
    rfc3339,
)


def test_clean_text_replaces_only_what_xml_forbids() -> None:
    allowed = "tab\tnl\ncr\r del\x7f nel\x85 emoji\U0001f600 bmp\ufffd"
    assert clean_text(allowed) is allowed
    assert clean_text("a\x00b\x1fc\ufffed\uffffe\ud800f") == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"


def test_timestamps_are_utc_with_z_and_naive_means_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert rfc3339(datetime(2022, 5, 1, 12, 0, tzinfo=plus_two)) == "2022-05-01T10:00:00Z"
    assert rfc3339(datetime(2022, 5, 1, 12, 0)) == "2022-05-01T12:00:00Z"


def test_feed_ids_are_fixed_forever() -> None:
    # Changing any of these would make every reader see a brand-new feed or release entry.
    assert catalogue_feed_id("euif-knowledge-package") == UUID(
        "19ef6d9f-6476-58e9-b524-107569722b67"
    )
    assert releases_feed_id("euif-knowledge-package") != catalogue_feed_id("euif-knowledge-package")
    assert release_entry_id("c", "2022.1") != release_entry_id("c", "2022.2")


@pytest.fixture
def gc_state() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


@pytest.mark.usefixtures("gc_state")
def test_gc_paused_restores_the_collector_as_it_found_it() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause did not switch it back on early
    assert gc.isenabled()
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()  # never switched on by a caller that did not switch it off


@pytest.mark.usefixtures("gc_state")
def test_gc_paused_switches_the_collector_back_on_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="boom"), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()

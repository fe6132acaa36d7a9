"""Conditional requests and content negotiation follow RFC 9110."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from feed.api.conditional import accepts_gzip, etag_matches, not_modified_since


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("", False),
        (None, False),
    ],
)
def test_if_none_match_uses_weak_comparison_over_a_list(header: str | None, expected: bool) -> None:
    assert etag_matches(header, '"abc"') is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("*", True),
        ("*;q=0", False),
        ("identity", False),
        ("deflate", False),
        (None, False),
    ],
)
def test_gzip_is_chosen_only_when_accept_encoding_allows_it(
    header: str | None, expected: bool
) -> None:
    assert accepts_gzip(header) is expected


def test_if_modified_since_compares_whole_seconds() -> None:
    mtime = 1_700_000_000.75
    assert not_modified_since(formatdate(1_700_000_000, usegmt=True), mtime)
    assert not not_modified_since(formatdate(1_699_999_999, usegmt=True), mtime)
    assert not not_modified_since("not a date", mtime)
    assert not not_modified_since(None, mtime)

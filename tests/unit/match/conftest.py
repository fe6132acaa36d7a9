"""Fixtures of the matcher tests: a matcher over the evasion catalogue."""

from __future__ import annotations

import pytest

from feed.match import Matcher
from tests.unit.match.catalogue import evasion_catalogue


@pytest.fixture(scope="session")
def evasion_matcher() -> Matcher:
    return Matcher.from_records(evasion_catalogue())

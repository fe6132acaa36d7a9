"""Fixtures for the export tests: the sample package and 1,000 synthetic records."""

from __future__ import annotations

import pytest

from feed.model import PublishedPackage
from feed.synthetic import synthetic_records
from tests.unit.export.common import package_of, sample_package


@pytest.fixture(scope="session")
def sample() -> PublishedPackage:
    return sample_package()


@pytest.fixture(scope="session")
def synthetic_1k() -> PublishedPackage:
    return package_of(synthetic_records(1000))

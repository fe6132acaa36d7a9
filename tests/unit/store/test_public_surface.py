"""`feed.store` exports exactly what its query modules offer, and nothing it does not have."""

from __future__ import annotations

import importlib

import pytest

import feed.store

QUERY_MODULES = ["audit", "importing", "meta", "notes", "records", "releases"]


def test_every_exported_name_exists_and_the_list_is_sorted() -> None:
    assert feed.store.__all__ == sorted(feed.store.__all__)
    missing = [name for name in feed.store.__all__ if not hasattr(feed.store, name)]
    assert missing == []


@pytest.mark.parametrize("module", QUERY_MODULES)
def test_each_query_module_is_fully_exported(module: str) -> None:
    offered = set(importlib.import_module(f"feed.store.{module}").__all__) - {"BATCH_SIZE"}
    assert offered <= set(feed.store.__all__)

"""The client's public surface is explicit: `__all__` lists what exists, and nothing private."""

from __future__ import annotations

import importlib
import inspect

import pytest

import feed.client

MODULES = [
    "feed.client",
    "feed.client.assemble",
    "feed.client.catalogue",
    "feed.client.delta",
    "feed.client.fetch",
    "feed.client.http",
    "feed.client.index",
    "feed.client.mirror",
    "feed.client.primed",
    "feed.client.result",
    "feed.client.state",
    "feed.client.trust",
    "feed.client.updater",
    "feed.client.verify",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_are_public_and_unique(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    for item in exported:
        assert not item.startswith("_")
        assert hasattr(module, item), f"{name}.__all__ names {item}, which does not exist"


@pytest.mark.parametrize("name", MODULES[1:])
def test_every_public_class_and_function_of_a_module_is_exported(name: str) -> None:
    module = importlib.import_module(name)
    defined = {
        item
        for item, value in vars(module).items()
        if not item.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == name
    }
    assert defined <= set(module.__all__)


def test_package_exports_the_api_a_consumer_needs() -> None:
    for item in ("CatalogueClient", "PullResult", "Catalogue", "Fetcher", "MemoryFetcher"):
        assert item in feed.client.__all__

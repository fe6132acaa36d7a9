"""Fixtures of the console tests: a workspace per module (copied from one built per session),
and the app over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from feed.api import create_app
from tests.integration.console.workspace import Workspace, build_workspace


@pytest.fixture(scope="session")
def workspace_template(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Built once per session (keys, two signed publications): modules get copies."""
    return build_workspace(tmp_path_factory.mktemp("console-template"))


@pytest.fixture(scope="module")
def workspace(workspace_template: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A module's own copy: synthetic catalogue, two published releases, accounts, an open
    cycle (SQLite). The published directory's symlink is relative, so the copy is whole."""
    root = tmp_path_factory.mktemp("console") / "workspace"
    shutil.copytree(workspace_template.root, root, symlinks=True)
    return replace(
        workspace_template,
        root=root,
        database_url=f"sqlite:///{root / 'kpfeed.db'}",
        public_dir=root / "public",
        key_dir=root / "keys",
        tokens=dict(workspace_template.tokens),
    )


@pytest.fixture(scope="module")
def client(workspace: Workspace) -> Iterator[TestClient]:
    """The app over the workspace with its lifespan entered (tests sign it in as they need)."""
    with TestClient(create_app(workspace.settings()), base_url="http://testserver") as c:
        yield c


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so browser fixtures can screenshot failures."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report

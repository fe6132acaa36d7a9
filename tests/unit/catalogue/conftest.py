"""Fixtures for editor-file and validation tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feed.model import PackageManifest
from feed.source_parse import dump_json
from feed.source_yaml import dump_yaml


@pytest.fixture
def manifest() -> PackageManifest:
    return PackageManifest(
        name="synthetic",
        title="Synthetic test package",
        description="Obviously synthetic records for tests.",
        publisher="kpfeed tests",
    )


@pytest.fixture
def write_record(tmp_path: Path) -> Callable[..., Path]:
    """Write raw record data (or text/bytes) as a file under tmp_path/pkg/<folder>/<name>."""

    def write(name: str, content: Any, folder: str = "symbols") -> Path:
        path = tmp_path / "pkg" / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif name.endswith(".json"):
            path.write_bytes(dump_json(content))
        else:
            path.write_bytes(dump_yaml(content))
        return path

    return write

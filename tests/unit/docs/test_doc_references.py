"""Every test a documentation page names exists, so the security model cannot cite a ghost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCS = REPO / "docs"
REFERENCE = re.compile(r"\b(tests/[\w/]+\.py)(?:::(\w+))?")


def references() -> list[tuple[Path, str, str | None]]:
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for match in REFERENCE.finditer(page.read_text(encoding="utf-8")):
            found.append((page, match.group(1), match.group(2)))
    return found


def test_the_security_model_names_tests() -> None:
    named = [ref for ref in references() if ref[0].name == "model.md" and ref[2]]
    assert len(named) >= 20


@pytest.mark.parametrize(
    ("page", "path", "name"),
    references(),
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_every_named_test_exists(page: Path, path: str, name: str | None) -> None:
    where = page.relative_to(REPO)
    file = REPO / path
    assert file.is_file(), f"{where} names {path}, which does not exist"
    if name:
        source = file.read_text(encoding="utf-8")
        assert re.search(rf"^\s*(async\s+)?def {name}\(", source, re.M), (
            f"{where} names {path}::{name}, which is not defined there"
        )

"""The examples in docs/editor-file-format.md are valid, so the doc cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from feed.model import PackageManifest
from feed.source import SourceRecord
from feed.source_parse import Limits
from feed.source_yaml import parse_yaml
from feed.validate import validate_items

DOC = Path(__file__).resolve().parents[3] / "docs" / "editor-file-format.md"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_package_yaml_example_is_a_valid_manifest() -> None:
    manifest = PackageManifest.model_validate(parse_yaml(_yaml_blocks()[0], Limits()))
    assert manifest.name == "sample"


def test_the_record_example_is_a_valid_record() -> None:
    data = parse_yaml(_yaml_blocks()[1], Limits())
    item = SourceRecord("packages/sample/symbols/synthetic-example.yaml", data)
    records, problems = validate_items([item], known_ids={"symbol:synthetic-other"})
    assert problems == []
    assert records[0].regions == ["DE", "NO"]

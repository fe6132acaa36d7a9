"""Fault campaign: Hypothesis fuzzing of the record importer (`feed.source*`, `feed.validate`).

Whatever an editor's file holds, `load_and_validate` either returns records or raises
`ValidationFailed` whose problems each name the file they are in and say what is wrong; no
other exception escapes. Inputs: arbitrary bytes and text, valid record files with bytes
inserted, deleted or replaced, and valid records whose structure was mutated (a value
replaced by any JSON value, a field dropped or added) written as YAML or JSON. Examples:
150 per test by default, 2000 with `--faults=full` or `KPFEED_FAULTS=full`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from feed.errors import ValidationFailed
from feed.model import PackageManifest
from feed.source import SourceRecord, to_source_data, write_package
from feed.source_yaml import dump_yaml
from feed.synthetic import synthetic_record
from feed.validate import load_and_validate, validate_items
from tests.integration.faults.fuzzing import JSON_VALUES, examples, mutated
from tests.integration.faults.scale import FaultScale

pytestmark = pytest.mark.slow

MANIFEST = PackageManifest(
    name="fuzz",
    catalogue="kpfeed-fuzz",
    title="Fuzzed synthetic catalogue",
    publisher="kpfeed tests",
)
#: Record 3 is a symbol that the other two (a group and a manifesto) may point at.
RECORDS = [synthetic_record(n).model_copy(update={"relations": []}) for n in (1, 2, 3)]
TARGET = RECORDS[2]


class Package:
    """A valid package source on disk whose one record file a test overwrites."""

    def __init__(self, root: Path) -> None:
        self.root = root / "package"
        if self.root.exists():
            shutil.rmtree(self.root)
        written = write_package(self.root, MANIFEST, RECORDS)
        self.record_file = next(p for p in written if TARGET.id.split(":", 1)[1] in p.name)
        self.valid_yaml = self.record_file.read_bytes()

    def load(self, data: bytes, suffix: str = ".yaml") -> None:
        """Write `data` as the record file (with `suffix`) and import the package."""
        for old in self.record_file.parent.glob(f"{self.record_file.stem}.*"):
            old.unlink()
        target = self.record_file.with_suffix(suffix)
        target.write_bytes(data)
        try:
            load_and_validate([self.root])
        except ValidationFailed as failed:
            _check_located(failed, str(self.root))


def _check_located(failed: ValidationFailed, root: str) -> None:
    assert failed.problems
    for problem in failed.problems:
        assert problem.file is not None
        assert problem.file.startswith(root), problem
        assert problem.message.strip(), problem
        assert problem.pointer == "" or problem.pointer.startswith("/"), problem


@pytest.fixture
def package(tmp_path: Path) -> Package:
    return Package(tmp_path)


def test_arbitrary_bytes_as_a_record_file_give_located_problems(
    package: Package, fault_scale: FaultScale
) -> None:
    @examples(fault_scale)
    @given(data=st.binary(max_size=2000), suffix=st.sampled_from([".yaml", ".yml", ".json"]))
    def run(data: bytes, suffix: str) -> None:
        package.load(data, suffix)

    run()


def test_arbitrary_text_as_a_record_file_gives_located_problems(
    package: Package, fault_scale: FaultScale
) -> None:
    yamlish = st.text(
        alphabet=st.sampled_from([*list("ab:-[]{}#&*!|>'\"%@`,?\n\t 0123456789.~"), "\u2028"]),
        max_size=300,
    )

    @examples(fault_scale)
    @given(text=st.text(max_size=500) | yamlish, suffix=st.sampled_from([".yaml", ".json"]))
    def run(text: str, suffix: str) -> None:
        package.load(text.encode("utf-8", "surrogatepass"), suffix)

    run()


def test_valid_record_files_with_bytes_changed_give_located_problems(
    package: Package, fault_scale: FaultScale
) -> None:
    valid = package.valid_yaml
    edit = st.tuples(
        st.sampled_from(["insert", "delete", "replace"]),
        st.integers(min_value=0, max_value=len(valid)),
        st.binary(min_size=1, max_size=8),
    )

    @examples(fault_scale)
    @given(edits=st.lists(edit, min_size=1, max_size=4))
    def run(edits: list[tuple[str, int, bytes]]) -> None:
        data = bytearray(valid)
        for kind, at, chunk in edits:
            if kind == "insert":
                data[at:at] = chunk
            elif kind == "delete":
                del data[at : at + len(chunk)]
            else:
                data[at : at + len(chunk)] = chunk
        package.load(bytes(data))

    run()


@st.composite
def mutated_records(draw: st.DrawFn) -> Any:
    data: Any = to_source_data(draw(st.sampled_from(RECORDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        data = mutated(data, draw)
    return data


def _as_file(data: Any, suffix: str) -> bytes:
    if suffix == ".json":
        return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        return dump_yaml(data)
    except Exception:  # the editor file writer's own limits: write it the plain way
        text = yaml.safe_dump(data, allow_unicode=True)
        return text.encode("utf-8", "surrogatepass")


def test_records_with_a_mutated_structure_give_located_problems(
    package: Package, fault_scale: FaultScale
) -> None:
    @examples(fault_scale)
    @given(data=mutated_records(), suffix=st.sampled_from([".yaml", ".json"]))
    def run(data: Any, suffix: str) -> None:
        package.load(_as_file(data, suffix), suffix)

    run()


def test_validating_mutated_structures_in_memory_only_reports_problems(
    fault_scale: FaultScale,
) -> None:
    @examples(fault_scale)
    @given(items=st.lists(mutated_records() | JSON_VALUES, min_size=1, max_size=4))
    def run(items: list[Any]) -> None:
        sources = [SourceRecord(f"symbols/fuzz-{i}.yaml", data) for i, data in enumerate(items)]
        records, problems = validate_items(sources)
        assert len(records) <= len(items)
        for problem in problems:
            assert problem.file is not None
            assert problem.file.startswith("symbols/fuzz-"), problem
            assert problem.message.strip(), problem

    run()

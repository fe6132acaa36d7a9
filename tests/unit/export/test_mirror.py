"""Reading the mirror's package.json: what is accepted, and precise refusals for the rest."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from feed.errors import IntegrityError, SourceFormatError, ValidationFailed
from feed.export import load_mirror_package, load_package_file
from feed.model import PublishedPackage
from feed.render.package import render_package
from tests.unit.export.common import package_of, synthetic


def _write(mirror: Path, package: PublishedPackage) -> Path:
    mirror.mkdir(parents=True, exist_ok=True)
    path = mirror / "package.json"
    path.write_bytes(package.model_dump_json().encode())
    return path


def test_mirror_package_loads_as_written(tmp_path: Path) -> None:
    package = package_of([synthetic(0), synthetic(1), synthetic(2)])
    _write(tmp_path / "mirror", package)
    assert load_mirror_package(tmp_path / "mirror") == package


def test_the_package_json_that_publication_renders_loads(tmp_path: Path) -> None:
    package = package_of([synthetic(n) for n in range(9)])
    (tmp_path / "package.json").write_bytes(render_package(package))
    assert load_mirror_package(tmp_path) == package


def test_a_folder_without_package_json_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="kpfeed pull"):
        load_mirror_package(tmp_path)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text("<html>not a package</html>")
    with pytest.raises(SourceFormatError, match="not JSON"):
        load_package_file(path)


def test_a_record_that_breaks_the_model_is_refused_by_record_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, package_of([synthetic(0), synthetic(1)]))
    doc = orjson.loads(path.read_bytes())
    doc["records"][1]["guidance"]["ambiguity"] = "extreme"
    path.write_bytes(orjson.dumps(doc))
    with pytest.raises(ValidationFailed) as caught:
        load_package_file(path)
    (problem,) = caught.value.problems
    assert problem.record_id == "symbol:synthetic-0000001"
    assert problem.pointer == "/records/1/guidance/ambiguity"
    assert problem.file == str(path)


def test_a_record_changed_after_verification_breaks_the_digest(tmp_path: Path) -> None:
    path = _write(tmp_path, package_of([synthetic(0)]))
    doc = orjson.loads(path.read_bytes())
    doc["records"][0]["name"] = "Edited by hand"
    path.write_bytes(orjson.dumps(doc))
    with pytest.raises(IntegrityError, match="digest"):
        load_package_file(path)

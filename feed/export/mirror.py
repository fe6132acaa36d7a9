"""Read the current package from a consumer mirror (or any `package.json`) for the exporters."""

from __future__ import annotations

from pathlib import Path

import orjson
from pydantic import ValidationError

from feed.errors import IntegrityError, Problem, SourceFormatError, ValidationFailed
from feed.model import PublishedPackage, records_digest

__all__ = ["MIRROR_PACKAGE", "load_mirror_package", "load_package_file", "parse_package"]

#: Where a mirror keeps the verified current package (written by `kpfeed pull`).
MIRROR_PACKAGE = "package.json"

#: A published package of 100k records is about 300 MB; anything far beyond is not a package.
MAX_PACKAGE_BYTES = 2 * 1024**3


def load_mirror_package(mirror_dir: Path) -> PublishedPackage:
    """The package a mirror holds, parsed, validated and checked against its own digest."""
    path = Path(mirror_dir) / MIRROR_PACKAGE
    if not path.exists():
        raise SourceFormatError(
            str(path), "no package.json: is this a kpfeed mirror? `kpfeed pull` fills one"
        )
    return load_package_file(path)


def load_package_file(path: Path) -> PublishedPackage:
    """A `package.json` file, parsed, validated and checked against its own digest."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PACKAGE_BYTES:
            raise SourceFormatError(str(path), f"{size} bytes is larger than any package")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceFormatError(str(path), "no such file") from None
    except IsADirectoryError:
        raise SourceFormatError(str(path), "is a directory, not a package.json") from None
    except OSError as error:
        raise SourceFormatError(str(path), f"cannot read: {error.strerror}") from None
    return parse_package(data, source=str(path))


def parse_package(data: bytes, *, source: str = "package.json") -> PublishedPackage:
    """Bytes of a `package.json` as a checked PublishedPackage.

    Raises SourceFormatError (not JSON), ValidationFailed (breaks the model, every problem
    located by record) or IntegrityError (records differ from the digest the package states,
    i.e. the file was edited or damaged after it was verified).
    """
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise SourceFormatError(source, f"not JSON: {error}") from None
    try:
        package = PublishedPackage.model_validate(doc)
    except ValidationError as error:
        raise ValidationFailed(_problems(error, doc, source)) from None
    actual = records_digest(package.records)
    if actual != package.records_digest:
        raise IntegrityError(
            f"{source}: records digest {actual} differs from the stated "
            f"{package.records_digest}; the package changed after it was verified"
        )
    return package


def _problems(error: ValidationError, doc: object, source: str) -> list[Problem]:
    """Pydantic errors as located problems, naming the record each one is in."""
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        record_id = None
        if len(loc) >= 2 and loc[0] == "records" and isinstance(loc[1], int):
            record_id = _record_id(doc, loc[1])
            # The tagged union adds the record type as a path step; it is not in the document.
            if len(loc) >= 3 and loc[2] in ("group", "symbol", "manifesto"):
                del loc[2]
        pointer = "/" + "/".join(str(part) for part in loc)
        problems.append(Problem(source, record_id, pointer, item["msg"]))
    return problems


def _record_id(doc: object, index: int) -> str | None:
    if isinstance(doc, dict):
        records = doc.get("records")
        if isinstance(records, list) and 0 <= index < len(records):
            record = records[index]
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                return str(record["id"])
    return None

"""Read the package to match against: a published `package.json`, or a consumer mirror's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from feed.errors import ConfigError, IntegrityError, Problem, SourceFormatError, ValidationFailed
from feed.model import PublishedPackage, records_digest

__all__ = ["MIRROR_PACKAGE", "load_mirror", "load_package", "mirror_package", "parse_package"]

#: Where a consumer mirror keeps the verified current package: `<mirror>/package.json`.
#: The client writes it there after verification; this is the one place the matcher assumes it.
MIRROR_PACKAGE = "package.json"


def mirror_package(mirror: Path) -> Path:
    """The verified current package inside a consumer mirror directory."""
    return mirror / MIRROR_PACKAGE


def _problems(error: ValidationError, file: str, data: Any) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        record_id = None
        if len(loc) >= 2 and loc[0] == "records" and isinstance(loc[1], int):
            raw = data["records"][loc[1]] if isinstance(data, dict) else None
            if isinstance(raw, dict):
                record_id = raw.get("id") if isinstance(raw.get("id"), str) else None
                # pydantic puts the discriminator value in the location; it is not a field
                if len(loc) >= 3 and loc[2] == raw.get("type"):
                    del loc[2]
        pointer = "/" + "/".join(str(part) for part in loc)
        problems.append(Problem(file, record_id, pointer, item["msg"]))
    return problems


def load_package(path: Path) -> PublishedPackage:
    """Read and check a published `package.json` (schema, then its records digest)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceFormatError(str(path), f"cannot read the package: {error.strerror}") from None
    return parse_package(raw, str(path))


def parse_package(raw: bytes, name: str) -> PublishedPackage:
    """Check the bytes of a published `package.json` (schema, then its records digest);
    `name` says where they came from in errors."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SourceFormatError(name, f"not valid JSON: {error}") from None
    try:
        package = PublishedPackage.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(_problems(error, name, data)) from None
    digest = records_digest(package.records)
    if digest != package.records_digest:
        raise IntegrityError(
            f"{name}: records digest {digest} differs from the package's "
            f"{package.records_digest}; the file was changed after it was published"
        )
    return package


def load_mirror(mirror: Path) -> PublishedPackage:
    """The verified current package of a consumer mirror, checked like any package."""
    path = mirror_package(mirror)
    if not path.is_file():
        raise ConfigError(
            f"no package at {path}: is {mirror} a mirror the client has synced? "
            "(or give a package.json directly)"
        )
    return load_package(path)

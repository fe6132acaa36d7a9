"""A typed, read-only view of the release a mirror holds: records by id, alias, and change."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from feed.client.mirror import Mirror
from feed.client.state import pydantic_problems
from feed.errors import (
    InputError,
    IntegrityError,
    NotFoundError,
    SourceFormatError,
    ValidationFailed,
)
from feed.model import AnyRecord
from feed.model.records import RECORD_ADAPTER
from feed.model.release import PublishedPackage, ReleaseInfo, parse_version

__all__ = ["Catalogue"]


def _key(text: str) -> str:
    # NFKC folds compatibility forms (full-width letters, ligatures); casefold handles ß etc.
    return unicodedata.normalize("NFKC", text).casefold().strip()


class Catalogue(Mapping[str, AnyRecord]):
    """The records of one release, by id (`catalogue["symbol:x"]`, `.get`, `in`, `len`).

    Records are checked and typed (`Group`, `Symbol`, `Manifesto`) when first asked for, so
    opening a 100k-record mirror to look one record up stays cheap.
    """

    def __init__(self, package: bytes, *, file: str = "package.json") -> None:
        try:
            document = orjson.loads(package)
            raw_records = document["records"]
            head = PublishedPackage.model_validate({**document, "records": []})
            raw_by_id = {raw["id"]: (i, raw) for i, raw in enumerate(raw_records)}
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise SourceFormatError(file, f"not a kpfeed package: {error}") from None
        except ValidationError as error:
            problems = pydantic_problems(error, file=file, record_id=None, prefix="")
            raise ValidationFailed(problems) from None
        self._file = file
        self.release: ReleaseInfo = head.release
        self.records_digest: str = head.records_digest
        self._raw: dict[str, tuple[int, dict[str, Any]]] = raw_by_id
        self._typed: dict[str, AnyRecord] = {}
        self._aliases: dict[str, list[str]] | None = None

    @classmethod
    def load(cls, mirror_dir: Path | str) -> Catalogue:
        """Open the mirror `kpfeed pull` keeps in `mirror_dir`, after checking its hash."""
        mirror = Mirror(Path(mirror_dir))
        state = mirror.read_state()
        if state is None:
            raise NotFoundError(f"{mirror_dir} is not a kpfeed mirror yet: run `kpfeed pull`")
        try:
            data = mirror.package_path.read_bytes()
        except OSError as error:
            raise NotFoundError(f"cannot read {mirror.package_path}: {error.strerror}") from None
        if hashlib.sha256(data).hexdigest() != state.sha256:
            raise IntegrityError(
                f"{mirror.package_path} is not the package the last pull verified (release "
                f"{state.version}); run `kpfeed pull` to restore it"
            )
        return cls(data)

    # -- the release

    @property
    def version(self) -> str:
        return self.release.version

    @property
    def sequence(self) -> int:
        return self.release.sequence

    @property
    def name(self) -> str:
        """The catalogue's name, e.g. `euif-knowledge-package`."""
        return self.release.catalogue

    # -- records by id

    def __getitem__(self, record_id: str) -> AnyRecord:
        typed = self._typed.get(record_id)
        if typed is None:
            index, raw = self._raw[record_id]
            try:
                typed = RECORD_ADAPTER.validate_python(raw)
            except ValidationError as error:
                problems = pydantic_problems(
                    error, file=self._file, record_id=record_id, prefix=f"/records/{index}"
                )
                raise ValidationFailed(problems) from None
            self._typed[record_id] = typed
        return typed

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._raw

    # -- lookups

    def by_alias(self, text: str) -> list[AnyRecord]:
        """Records whose name or an alias is `text`, ignoring case (and Unicode width forms)."""
        if self._aliases is None:
            index: dict[str, list[str]] = {}
            for record_id, (_, raw) in self._raw.items():
                names = [raw.get("name", "")]
                names += [alias.get("value", "") for alias in raw.get("aliases", ())]
                for key in {_key(n) for n in names if isinstance(n, str) and n}:
                    index.setdefault(key, []).append(record_id)
            self._aliases = index
        return [self[record_id] for record_id in self._aliases.get(_key(text), [])]

    def changed_since(self, version: str) -> list[AnyRecord]:
        """Records added or changed in a release after `version` (by `last_changed_in`).

        Retired records have left the package; `PullResult` counts them.
        """
        try:
            since = parse_version(version)
        except ValueError as error:
            raise InputError(str(error)) from None
        return [
            self[record_id]
            for record_id, (_, raw) in self._raw.items()
            if isinstance(raw.get("last_changed_in"), str) and _later(raw["last_changed_in"], since)
        ]


def _later(version: str, than: tuple[int, int]) -> bool:
    try:
        return parse_version(version) > than
    except ValueError:
        return False

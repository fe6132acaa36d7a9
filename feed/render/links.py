"""Where every published file lives: relative paths in the published directory and their URLs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from feed.config import Settings
from feed.errors import ConfigError, PublishError
from feed.model.records import ID_PATTERN, VERSION_PATTERN

__all__ = [
    "CHANGES_JSON",
    "CURRENT_FILES",
    "FEED_ATOM",
    "FEED_JSON",
    "PACKAGE_JSON",
    "RELEASES_ATOM",
    "RELEASES_JSON",
    "RELEASE_FILES",
    "FeedLinks",
    "archive_path",
    "release_path",
]

FEED_JSON = "feed.json"
FEED_ATOM = "feed.atom"
PACKAGE_JSON = "package.json"
CHANGES_JSON = "changes.json"
RELEASES_JSON = "releases.json"
RELEASES_ATOM = "releases.atom"

#: Files at the top of the published directory that each release replaces.
CURRENT_FILES = (FEED_JSON, FEED_ATOM, PACKAGE_JSON, RELEASES_JSON, RELEASES_ATOM)
#: Files every release keeps forever under `releases/<version>/`.
RELEASE_FILES = (PACKAGE_JSON, CHANGES_JSON, FEED_JSON, FEED_ATOM)

_VERSION = re.compile(VERSION_PATTERN)
_RECORD_ID = re.compile(ID_PATTERN)
_BASE_URL = re.compile(r"^https?://[^\s/?#]+/(?:[^\s?#]*/)?$")

ReleaseFile = Literal["package.json", "changes.json", "feed.json", "feed.atom"]
ArchiveFormat = Literal["json", "atom"]


def release_path(version: str, name: ReleaseFile) -> str:
    """`releases/<version>/<name>`; the version is checked so it can never leave its folder."""
    _check_version(version)
    if name not in RELEASE_FILES:
        raise PublishError(f"{name!r} is not a per-release file ({', '.join(RELEASE_FILES)})")
    return f"releases/{version}/{name}"


def archive_path(page: int, fmt: ArchiveFormat) -> str:
    """`releases/archive/<page>.<fmt>`: page 1 holds the oldest releases (see releases.py)."""
    if page < 1:
        raise PublishError(f"archive page numbers start at 1, not {page}")
    if fmt not in ("json", "atom"):
        raise PublishError(f"archive format must be 'json' or 'atom', not {fmt!r}")
    return f"releases/archive/{page}.{fmt}"


def _check_version(version: str) -> None:
    if not _VERSION.match(version):
        raise PublishError(f"release version {version!r} is not YYYY.N (e.g. 2022.1)")


def _check_base(name: str, url: str) -> None:
    if not _BASE_URL.match(url):
        raise ConfigError(
            f"{name} must be an absolute http(s) URL of a folder ending with '/', not {url!r}"
        )


@dataclass(frozen=True)
class FeedLinks:
    """Absolute URLs of the published files and of the API's machine-readable records.

    `base_url` is the published directory, `api_base_url` the read API (both end with `/`).
    Every URL is `base_url` + the file's relative path, so the publisher writes exactly the
    paths these URLs point at (see `release_path`, `archive_path`).
    """

    base_url: str
    api_base_url: str

    def __post_init__(self) -> None:
        _check_base("base_url", self.base_url)
        _check_base("api_base_url", self.api_base_url)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedLinks:
        """The links of a deployment: `KPFEED_BASE_URL` and `KPFEED_API_BASE_URL`."""
        return cls(base_url=settings.base_url, api_base_url=settings.api_base_url)

    def url(self, path: str) -> str:
        """Absolute URL of a file given by its path relative to the published directory."""
        return self.base_url + path

    # -- current files (replaced by every release)
    def feed_json(self) -> str:
        return self.url(FEED_JSON)

    def feed_atom(self) -> str:
        return self.url(FEED_ATOM)

    def package_json(self) -> str:
        return self.url(PACKAGE_JSON)

    def releases_json(self) -> str:
        return self.url(RELEASES_JSON)

    def releases_atom(self) -> str:
        return self.url(RELEASES_ATOM)

    # -- immutable per-release copies
    def release_file(self, version: str, name: ReleaseFile) -> str:
        return self.url(release_path(version, name))

    def release_package_json(self, version: str) -> str:
        return self.release_file(version, "package.json")

    def release_changes_json(self, version: str) -> str:
        return self.release_file(version, "changes.json")

    def release_feed_json(self, version: str) -> str:
        return self.release_file(version, "feed.json")

    def release_feed_atom(self, version: str) -> str:
        return self.release_file(version, "feed.atom")

    # -- archive pages of the release index
    def archive(self, page: int, fmt: ArchiveFormat) -> str:
        return self.url(archive_path(page, fmt))

    # -- schemas and vocabularies
    def schemas(self) -> str:
        """The folder of published JSON Schemas; documents the `_kpfeed` extension's record."""
        return self.url("schemas/")

    def category_scheme(self, vocabulary: str) -> str:
        """Identifier (IRI) of a category vocabulary such as `record-type` or `ideology`."""
        return self.url(f"schemas/vocabulary/{quote(vocabulary, safe='')}")

    # -- the read API
    def record(self, record_id: str, version: str) -> str:
        """The machine-readable record as it stands in `version`."""
        if not _RECORD_ID.match(record_id):
            raise PublishError(f"{record_id!r} is not a record id (<type>:<slug>)")
        _check_version(version)
        return f"{self.api_base_url}records/{record_id}?release={version}"

"""Pulling into a mirror from a site served in memory: full, delta, chained, unchanged, rotated."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from feed.client import Catalogue, CatalogueClient, MemoryFetcher
from feed.errors import ConfigError, ConflictError
from feed.sign.keys import load_keyring, rotate
from tests.unit.client.conftest import FAST_KDF, PASSPHRASE, MakeClient
from tests.unit.client.site import Site, changed, package_bytes, records


def _requested(fetcher: MemoryFetcher) -> list[str]:
    return [r.url.removeprefix(fetcher.base_url) for r in fetcher.requests]


def test_first_pull_downloads_the_full_package_and_mirrors_it_byte_for_byte(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    result = make_client().pull()
    assert (result.method, result.from_version, result.to_version) == ("full", None, "2026.1")
    assert (result.added, result.changed, result.retired, result.total) == (30, 0, 0, 30)
    assert (mirror / "package.json").read_bytes() == site.files["package.json"]
    assert result.bytes_received > len(site.files["package.json"])


def test_mirror_one_release_behind_applies_that_releases_changes(
    site: Site, make_client: MakeClient, mirror: Path, fetcher: MemoryFetcher
) -> None:
    make_client().pull()
    previous = site.current.records
    new = [changed(r, 1) if i in (3, 7) else r for i, r in enumerate(previous[:-1])]
    site.release([*new, *records(2, start=30)])
    fetcher.requests.clear()

    result = make_client().pull()

    assert (result.method, result.deltas) == ("delta", ("2026.2",))
    assert (result.added, result.changed, result.retired, result.total) == (2, 2, 1, 31)
    assert (mirror / "package.json").read_bytes() == site.files["package.json"]
    package = site.copy_path("package.json")
    assert not any(r.url.endswith(package) and not r.headers.get("range") for r in fetcher.requests)
    assert result.bytes_received < len(site.files["package.json"]) / 2


def test_mirror_several_releases_behind_chains_their_changes(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    make_client().pull()
    current = list(site.current.records)
    for variant in (1, 2, 3):
        current = [changed(r, variant) if i == variant else r for i, r in enumerate(current)]
        site.release(current)

    result = make_client().pull()

    assert (result.method, result.deltas) == ("delta", ("2026.2", "2026.3", "2026.4"))
    assert (result.from_version, result.to_version) == ("2026.1", "2026.4")
    assert (result.added, result.changed, result.retired) == (0, 3, 0)
    assert (mirror / "package.json").read_bytes() == site.files["package.json"]


def test_delta_after_a_delta_rebuilds_from_the_index_the_first_one_wrote(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    make_client().pull()
    first = site.current.records
    # Changes at the start, in the middle and at the end, and a record added between others.
    second = [changed(r, 1) if i in (0, 14, 29) else r for i, r in enumerate(first)]
    site.release([*second[:20], *records(1, start=40), *second[20:]])
    assert make_client().pull().method == "delta"
    third = [changed(r, 2) if i in (1, 15) else r for i, r in enumerate(site.current.records)]
    site.release(third[:-1])

    result = make_client().pull()

    assert (result.method, result.deltas) == ("delta", ("2026.3",))
    assert (result.added, result.changed, result.retired, result.total) == (0, 2, 1, 30)
    assert (mirror / "package.json").read_bytes() == site.files["package.json"]
    held = Catalogue.load(mirror).get(third[15].id)
    assert held is not None
    assert (held.revision, held.description) == (third[15].revision, third[15].description)


def test_unchanged_catalogue_costs_one_conditional_request_answered_304(
    site: Site, make_client: MakeClient, fetcher: MemoryFetcher
) -> None:
    make_client().pull()
    fetcher.requests.clear()

    result = make_client().pull()

    assert result.method == "unchanged"
    assert _requested(fetcher) == ["tuf/metadata/timestamp.json"]
    assert fetcher.requests[0].headers.get("if-none-match")
    assert (result.requests, result.bytes_received) == (1, 0)


def test_refreshed_timestamp_of_the_same_release_changes_nothing(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    make_client().pull()
    before = (mirror / "package.json").stat().st_mtime_ns
    site.refresh()
    result = make_client().pull()
    assert result.method == "unchanged"
    assert (mirror / "package.json").stat().st_mtime_ns == before


def test_later_pulls_use_the_root_pinned_at_the_first(
    site: Site, make_client: MakeClient, mirror: Path, fetcher: MemoryFetcher
) -> None:
    make_client().pull()
    site.release([changed(site.current.records[0], 1), *site.current.records[1:]])
    result = CatalogueClient("https://feed.test/", mirror, fetcher=fetcher).pull()
    assert result.to_version == "2026.2"


def test_first_pull_without_a_trusted_root_is_refused(fetcher: MemoryFetcher, mirror: Path) -> None:
    with pytest.raises(ConfigError, match=r"needs the trusted root"):
        CatalogueClient("https://feed.test/", mirror, fetcher=fetcher).pull()


def test_rotated_keys_are_followed_through_the_new_root(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    make_client().pull()
    key_dir = site.keyring.key_dir
    rotate(
        key_dir, "timestamp", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF
    )
    rotate(key_dir, "root", passphrase=PASSPHRASE, now=datetime.now(UTC), scrypt_log_n=FAST_KDF)
    site.keyring = load_keyring(key_dir, PASSPHRASE)
    from feed.sign import TufRepository

    site.repository = TufRepository(
        site.keyring, {p: d for p, d in site.files.items() if p.startswith("tuf/metadata/")}
    )
    site.release([changed(site.current.records[0], 1), *site.current.records[1:]])

    result = make_client().pull()

    assert result.to_version == "2026.2"
    assert (mirror / ".tuf" / "root_history" / "3.root.json").exists()


def test_typed_catalogue_from_the_mirror(site: Site, make_client: MakeClient) -> None:
    client = make_client()
    client.pull()
    catalogue = client.catalogue()
    assert (catalogue.version, catalogue.sequence, len(catalogue)) == ("2026.1", 1, 30)
    first = site.current.records[0]
    assert catalogue[first.id] == first


def test_mirror_changed_by_hand_is_not_used_as_a_delta_base(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    make_client().pull()
    (mirror / "package.json").write_bytes(b'{"edited": true}')
    with pytest.raises(Exception, match=r"not the package the last pull verified"):
        Catalogue.load(mirror)
    site.release([changed(site.current.records[0], 1), *site.current.records[1:]])

    result = make_client().pull()

    assert result.method == "full"
    assert result.delta_refused == "the mirror's package.json is not the one the last pull verified"
    assert result.added is None
    assert (mirror / "package.json").read_bytes() == site.files["package.json"]


def test_folder_with_a_foreign_package_json_is_refused(
    make_client: MakeClient, mirror: Path
) -> None:
    mirror.mkdir()
    (mirror / "package.json").write_bytes(b"mine")
    with pytest.raises(ConflictError, match=r"did not write"):
        make_client().pull()
    assert (mirror / "package.json").read_bytes() == b"mine"


def test_package_bytes_of_the_site_are_canonical(site: Site) -> None:
    data = site.files["package.json"]
    assert data == package_bytes(site.current)
    assert list(orjson.loads(data)) == ["format", "release", "records_digest", "records"]


def test_mirror_changed_by_hand_in_place_fails_the_rebuild_and_takes_the_full_package(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    """Same size, same modification time: the records digest of the result catches it."""
    make_client().pull()
    package = mirror / "package.json"
    stat = package.stat()
    data = package.read_bytes()
    at = data.rindex(b"Synthetic")  # in the last record, which the next release leaves alone
    package.write_bytes(data[:at] + b"Synthet1c" + data[at + 9 :])
    os.utime(package, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    site.release([changed(site.current.records[0], 1), *site.current.records[1:]])

    result = make_client().pull()

    assert result.method == "full"
    assert result.delta_refused is not None
    assert result.delta_refused.startswith("the changes give records digest")
    assert package.read_bytes() == site.files["package.json"]

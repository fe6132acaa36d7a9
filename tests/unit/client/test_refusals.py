"""Bad input and attacks, served from memory: each is refused, said precisely, mirror unchanged."""

from __future__ import annotations

import datetime as dt
import errno
import itertools
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tuf.ngclient._internal import trusted_metadata_set

from feed.client import CatalogueClient, MemoryFetcher, Reply, Request
from feed.client import mirror as mirror_module
from feed.client.fetch import TransportFailure
from feed.errors import (
    BadSignatureError,
    ExpiredError,
    FetchError,
    IntegrityError,
    RollbackError,
    StoreError,
    TooLargeError,
    TrustError,
)
from feed.model.release import Change, ChangeSet
from feed.sign.keys import Keyring, init_keys
from tests.unit.client.conftest import BASE_URL, FAST_KDF, MakeClient
from tests.unit.client.site import Site, changed, changes_bytes, records

HTML = b"<!doctype html><html><body><h1>Please log in to the hotel Wi-Fi</h1></body></html>"


def _mirror_files(mirror: Path) -> dict[str, bytes]:
    """What a consumer's tools read: the package and the state naming it."""
    return {
        name: (mirror / name).read_bytes()
        for name in ("package.json", ".kpfeed/state.json")
        if (mirror / name).exists()
    }


@pytest.fixture
def pulled(site: Site, make_client: MakeClient, mirror: Path) -> dict[str, bytes]:
    """The mirror after pulling release 2026.1, as its files were then."""
    make_client().pull()
    return _mirror_files(mirror)


def _next_release(site: Site) -> None:
    site.release([changed(site.current.records[0], 1), *site.current.records[1:]])


@pytest.fixture
def shift_tuf_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.timedelta], None]:
    """Move python-tuf's clock (it reads `datetime.now` once per update) into the future."""

    def shift(delta: dt.timedelta) -> None:
        class Later(dt.datetime):
            @classmethod
            def now(cls, tz: dt.tzinfo | None = None) -> Later:
                moved = dt.datetime.now(tz) + delta
                return cls.fromtimestamp(moved.timestamp(), tz)

        clock = types.SimpleNamespace(datetime=Later, timezone=dt.timezone)
        monkeypatch.setattr(trusted_metadata_set, "datetime", clock)

    return shift


# -- tampered files


def test_tampered_package_is_refused_on_its_hash(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    original = site.files["package.json"]
    site.tamper("package.json", original.replace(b"Synthetic group", b"Synthetic GROUP", 1))
    with pytest.raises(IntegrityError, match=r"package.json of release 2026.1 refused .*hash"):
        make_client().pull()
    assert _mirror_files(mirror) == {}


def test_tampered_changes_file_is_refused_and_the_mirror_keeps_its_release(
    site: Site, make_client: MakeClient, mirror: Path, pulled: dict[str, bytes]
) -> None:
    _next_release(site)
    changes = site.files["releases/2026.2/changes.json"]
    site.tamper("releases/2026.2/changes.json", changes.replace(b"Changed", b"Chang3d", 1))
    with pytest.raises(IntegrityError, match=r"releases/2026.2/changes.json .* refused"):
        make_client().pull()
    assert _mirror_files(mirror) == pulled


def test_timestamp_changed_without_its_key_is_refused(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    name = "tuf/metadata/timestamp.json"
    site.files[name] = site.files[name].replace(b'"version": 1', b'"version": 7', 1)
    with pytest.raises(BadSignatureError, match=r"not signed by the trusted keys.*timestamp"):
        make_client().pull()
    assert _mirror_files(mirror) == {}


def test_root_of_another_repository_is_refused(
    make_client: MakeClient, mirror: Path, tmp_path: Path
) -> None:
    other = init_keys(
        tmp_path / "other", passphrase=None, now=dt.datetime.now(dt.UTC), scrypt_log_n=FAST_KDF
    ).roots[0]
    with pytest.raises(BadSignatureError, match=r"not signed by the trusted keys"):
        make_client(root=other).pull()
    assert _mirror_files(mirror) == {}


# -- old releases


def test_replayed_older_metadata_is_a_rollback(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    old = dict(site.files)
    _next_release(site)
    make_client().pull()
    pulled = _mirror_files(mirror)
    site.files.clear()
    site.files.update(old)
    with pytest.raises(RollbackError, match=r"older than metadata already trusted"):
        make_client().pull()
    assert _mirror_files(mirror) == pulled


def test_older_release_signed_anew_is_a_rollback(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    first = site.files["package.json"]
    _next_release(site)
    make_client().pull()
    pulled = _mirror_files(mirror)
    site.publish({"package.json": first}, "2026.1", 1)
    with pytest.raises(RollbackError, match=r"2026.1 \(sequence 1\), older than release 2026.2"):
        make_client().pull()
    assert _mirror_files(mirror) == pulled


# -- expiry (freeze)


def test_expired_timestamp_is_refused(keyring: Keyring, tmp_path: Path) -> None:
    stale = Site(keyring)
    stale.release(records(3), now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    fetcher = MemoryFetcher(stale.files, BASE_URL)
    client = CatalogueClient(BASE_URL, tmp_path / "m", stale.trusted_root, fetcher=fetcher)
    with pytest.raises(ExpiredError, match=r"freeze attack.*timestamp.json is expired"):
        client.pull()
    assert _mirror_files(tmp_path / "m") == {}


def test_unchanged_catalogue_whose_timestamp_expired_is_refused(
    make_client: MakeClient,
    mirror: Path,
    pulled: dict[str, bytes],
    shift_tuf_clock: Callable[[dt.timedelta], None],
    fetcher: MemoryFetcher,
) -> None:
    """The server keeps answering 304 (its refresh job died): the frozen state is refused."""
    shift_tuf_clock(dt.timedelta(days=2))
    fetcher.requests.clear()
    with pytest.raises(ExpiredError, match=r"timestamp.json is expired"):
        make_client().pull()
    assert fetcher.requests[0].headers.get("if-none-match")
    assert _mirror_files(mirror) == pulled


# -- not what was asked for


class _Everywhere(dict[str, Callable[[Request], Reply]]):
    """Files that answer every path the same way."""

    def __init__(self, reply: Callable[[Request], Reply]) -> None:
        super().__init__()
        self.reply = reply

    def get(self, key: str, default: object = None) -> Callable[[Request], Reply]:
        return self.reply


def _everything(reply: Callable[[Request], Reply]) -> _Everywhere:
    return _Everywhere(reply)


def test_html_instead_of_metadata_is_refused_naming_what_came(site: Site, mirror: Path) -> None:
    """A captive portal answers every URL with a login page."""
    page = Reply(200, {"content-type": "text/html"}, [HTML])
    portal = MemoryFetcher(_everything(lambda _: page), BASE_URL)
    client = CatalogueClient(BASE_URL, mirror, site.trusted_root, fetcher=portal)
    with pytest.raises(TrustError, match=r"not TUF metadata.*the server sent text/html"):
        client.pull()
    assert _mirror_files(mirror) == {}


def test_html_instead_of_the_package_is_refused(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    site.tamper("package.json", HTML)
    with pytest.raises(IntegrityError, match=r"package.json of release 2026.1 refused"):
        make_client().pull()
    assert _mirror_files(mirror) == {}


def _huge(announce: bool) -> Callable[[Request], Reply]:
    size = 2 * 1024**3

    def reply(_: Request) -> Reply:
        # 2 GiB produced lazily: nothing of the sort is ever held in memory.
        body = itertools.repeat(b"\0" * 65536, size // 65536)
        return Reply(200, {"content-length": str(size)} if announce else {}, body)

    return reply


@pytest.mark.parametrize("announce", [True, False], ids=["announced", "unannounced"])
def test_two_gigabyte_package_is_cut_off_at_its_signed_length(
    site: Site, make_client: MakeClient, mirror: Path, fetcher: MemoryFetcher, announce: bool
) -> None:
    length = len(site.files["package.json"])
    site.files[site.copy_path("package.json")] = _huge(announce)  # type: ignore[assignment]
    with pytest.raises(TooLargeError, match=f"more than the {length:,} bytes allowed"):
        make_client().pull()
    assert fetcher.stats.bytes_received < 2 * length + 65536
    assert _mirror_files(mirror) == {}


def test_two_gigabyte_timestamp_is_cut_off_at_the_metadata_cap(
    site: Site, make_client: MakeClient, mirror: Path, fetcher: MemoryFetcher
) -> None:
    site.files["tuf/metadata/timestamp.json"] = _huge(False)  # type: ignore[assignment]
    with pytest.raises(TooLargeError, match=r"more than the 16,384 bytes allowed"):
        make_client().pull()
    assert fetcher.stats.bytes_received <= 16384 + 65536


def _dropping(data: bytes, *, times: int) -> Callable[[Request], Reply]:
    """Answers `data`, but the connection drops half-way the first `times` times."""
    count = itertools.count()

    def reply(_: Request) -> Reply:
        def body() -> Iterator[bytes]:
            yield data[: len(data) // 2]
            if next(count) < times:
                raise TransportFailure("connection reset by peer")
            yield data[len(data) // 2 :]

        return Reply(200, {"content-length": str(len(data))}, body())

    return reply


def test_connection_dropped_mid_download_every_time_is_refused_after_retries(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    path = site.copy_path("package.json")
    site.files[path] = _dropping(site.files[path], times=99)  # type: ignore[assignment]
    with pytest.raises(FetchError, match=r"connection dropped after [\d,]+ bytes.*3 attempts"):
        make_client().pull()
    assert _mirror_files(mirror) == {}


def test_connection_dropped_once_is_retried_from_the_start(
    site: Site, make_client: MakeClient, mirror: Path
) -> None:
    data = site.files["package.json"]
    site.files[site.copy_path("package.json")] = _dropping(data, times=1)  # type: ignore[assignment]
    make_client().pull()
    assert (mirror / "package.json").read_bytes() == data


# -- deltas that do not apply


def _publish_changes(site: Site, version: str, sequence: int, data: bytes) -> None:
    """The publisher signs a broken changes file (so TUF accepts it: the delta is what fails)."""
    site.publish({f"releases/{version}/changes.json": data}, version, sequence)


def test_delta_that_does_not_apply_falls_back_to_the_full_package(
    site: Site, make_client: MakeClient, mirror: Path, pulled: dict[str, bytes]
) -> None:
    _next_release(site)
    good = ChangeSet.model_validate_json(site.files["releases/2026.2/changes.json"])
    extra = Change(op="DEL", id="symbol:synthetic-9999999", revision=1)
    bad = good.model_copy(update={"changes": [*good.changes, extra]})
    _publish_changes(site, "2026.2", 2, changes_bytes(bad))

    result = make_client().pull()

    assert result.method == "full"
    assert result.delta_refused == (
        "releases/2026.2/changes.json: DEL symbol:synthetic-9999999, "
        "but release 2026.1 does not hold it"
    )
    assert (mirror / "package.json").read_bytes() == site.files["package.json"]


def test_delta_that_does_not_apply_and_no_full_package_leaves_the_mirror(
    site: Site, make_client: MakeClient, mirror: Path, pulled: dict[str, bytes]
) -> None:
    _next_release(site)
    changes = site.files["releases/2026.2/changes.json"]
    _publish_changes(
        site, "2026.2", 2, changes.replace(b'"base_digest":"', b'"base_digest":"0', 1)[:-1]
    )
    del site.files[site.copy_path("package.json")]
    with pytest.raises(FetchError, match=r"package.json of release 2026.2 refused.*404"):
        make_client().pull()
    assert _mirror_files(mirror) == pulled


def test_disk_full_while_writing_the_delta_leaves_the_last_good_mirror(
    site: Site,
    make_client: MakeClient,
    mirror: Path,
    pulled: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _next_release(site)

    def full(fd: int, data: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(mirror_module, "_write_all", full)
    with pytest.raises(StoreError, match=r"No space left on device; the last good mirror stays"):
        make_client().pull()

    assert _mirror_files(mirror) == pulled
    assert list((mirror / ".kpfeed").glob("work/*")) == []
    monkeypatch.undo()
    assert make_client().pull().method == "delta"
    assert (mirror / "package.json").read_bytes() == site.files["package.json"]

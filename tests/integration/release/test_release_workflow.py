"""The release workflow against a real store: rules, two publications, signatures, TUF client."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from tuf.ngclient import Updater

from feed.client import CatalogueClient
from feed.errors import (
    FourEyesError,
    ImmutableReleaseError,
    PublishError,
    StateError,
    VersionOrderError,
)
from feed.model import ChangeSet, PublishedPackage, records_digest
from feed.publish import published_paths, read_published
from feed.releasing import (
    PublicationReport,
    approve_release,
    create_release,
    publish_release,
    refresh_publication,
)
from feed.sign import load_keyring, parse_trusted_comment, public_key_text, rotate, verify
from feed.store import (
    EditorialState,
    approve_record,
    get_release,
    retire_record,
    save_revision,
    transaction,
)
from feed.synthetic import synthetic_record
from tests.integration.release.common import NOW, Catalogue


def _create_and_approve(cat: Catalogue, version: str, *, at_offset: int = 0) -> None:
    now = NOW + timedelta(days=at_offset)
    with transaction(cat.engine) as session:
        create_release(session, version, notes=f"Notes of {version}.", created_by="alice", now=now)
    with transaction(cat.engine) as session:
        approve_release(session, version, approver="bob", now=now)


def _publish(cat: Catalogue, version: str, *, at_offset: int = 0) -> PublicationReport:
    return publish_release(
        cat.engine,
        version,
        cat.out,
        keyring=cat.keyring,
        options=cat.options,
        now=NOW + timedelta(days=at_offset),
    )


def _edit(cat: Catalogue) -> None:
    """One record added, one changed, one retired, through the editorial workflow."""
    changed = synthetic_record(4)
    changed = changed.model_copy(update={"name": changed.name + " (renamed)"})
    with transaction(cat.engine) as session:
        for record in (synthetic_record(12), changed):
            save_revision(session, record, author="carol", state=EditorialState.IN_REVIEW)
            approve_record(session, record.id, approver="dave")
        retire_record(session, "manifesto:synthetic-0000011", actor="carol")


def _two_releases(cat: Catalogue) -> tuple[dict[str, bytes], dict[str, bytes]]:
    _create_and_approve(cat, "2022.1")
    _publish(cat, "2022.1")
    first = {p: f.read_bytes() for p, f in published_paths(cat.out).items()}
    _edit(cat)
    _create_and_approve(cat, "2022.2", at_offset=30)
    _publish(cat, "2022.2", at_offset=30)
    second = {p: f.read_bytes() for p, f in published_paths(cat.out).items()}
    return first, second


# -- rules ------------------------------------------------------------------------------------


def test_the_creator_cannot_approve_and_nothing_is_stored(catalogue: Catalogue) -> None:
    with transaction(catalogue.engine) as session:
        create_release(session, "2022.1", notes="n", created_by="alice", now=NOW)
    with pytest.raises(FourEyesError), transaction(catalogue.engine) as session:
        approve_release(session, "2022.1", approver="Alice", now=NOW)
    with transaction(catalogue.engine) as session:
        assert get_release(session, "2022.1").approved_by is None


def test_an_unapproved_release_is_not_published(catalogue: Catalogue) -> None:
    with transaction(catalogue.engine) as session:
        create_release(session, "2022.1", notes="n", created_by="alice", now=NOW)
    with pytest.raises(StateError, match="not approved"):
        _publish(catalogue, "2022.1")
    assert not catalogue.out.exists()


def test_a_new_release_waits_for_the_previous_one_to_be_published(catalogue: Catalogue) -> None:
    _create_and_approve(catalogue, "2022.1")
    with (
        pytest.raises(StateError, match=r"2022\.1 is approved, not published"),
        transaction(catalogue.engine) as session,
    ):
        create_release(session, "2022.2", notes="n", created_by="alice", now=NOW)


def test_a_version_that_does_not_increase_is_refused(catalogue: Catalogue) -> None:
    _create_and_approve(catalogue, "2022.3")
    _publish(catalogue, "2022.3")
    with (
        pytest.raises(VersionOrderError, match=r"2022\.2.*2022\.3"),
        transaction(catalogue.engine) as session,
    ):
        create_release(session, "2022.2", notes="n", created_by="alice", now=NOW)


def test_an_unchanged_catalogue_makes_no_new_release(catalogue: Catalogue) -> None:
    _create_and_approve(catalogue, "2022.1")
    _publish(catalogue, "2022.1")
    with (
        pytest.raises(StateError, match="nothing changed"),
        transaction(catalogue.engine) as session,
    ):
        create_release(session, "2022.2", notes="n", created_by="alice", now=NOW)


def test_a_published_release_is_never_published_or_approved_again(catalogue: Catalogue) -> None:
    _create_and_approve(catalogue, "2022.1")
    _publish(catalogue, "2022.1")
    with pytest.raises(ImmutableReleaseError, match="kpfeed refresh"):
        _publish(catalogue, "2022.1")
    with pytest.raises(ImmutableReleaseError), transaction(catalogue.engine) as session:
        approve_release(session, "2022.1", approver="carol", now=NOW)


def test_publishing_into_a_folder_without_the_previous_release_is_refused(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    _create_and_approve(catalogue, "2022.1")
    _publish(catalogue, "2022.1")
    _edit(catalogue)
    _create_and_approve(catalogue, "2022.2")
    with pytest.raises(PublishError, match=r"holds no release, but release 2022\.2 follows"):
        publish_release(
            catalogue.engine,
            "2022.2",
            tmp_path / "elsewhere",
            keyring=catalogue.keyring,
            options=catalogue.options,
            now=NOW,
        )
    with transaction(catalogue.engine) as session:
        assert get_release(session, "2022.2").published_at is None


# -- two publications -------------------------------------------------------------------------


def test_the_second_release_shows_the_real_diff_and_applies_to_the_first(
    catalogue: Catalogue,
) -> None:
    _, files = _two_releases(catalogue)
    changes = ChangeSet.model_validate_json(files["releases/2022.2/changes.json"])
    assert [(c.op, c.id, c.fields) for c in changes.changes] == [
        ("ADD", "group:synthetic-0000012", []),
        ("DEL", "manifesto:synthetic-0000011", []),
        ("MOD", "symbol:synthetic-0000004", ["name"]),
    ]
    old = PublishedPackage.model_validate_json(files["releases/2022.1/package.json"])
    new = PublishedPackage.model_validate_json(files["package.json"])
    mirror = {r.id: r for r in old.records}
    for change in changes.changes:
        if change.op == "DEL":
            del mirror[change.id]
        else:
            assert change.record is not None
            mirror[change.id] = change.record
    assert records_digest(mirror.values()) == new.records_digest == changes.records_digest
    assert changes.base_digest == old.records_digest
    assert (new.release.counts.added, new.release.counts.changed) == (1, 1)
    assert new.release.counts.retired == 1
    renamed = next(r for r in new.records if r.id == "symbol:synthetic-0000004")
    assert (renamed.first_released_in, renamed.last_changed_in) == ("2022.1", "2022.2")


def test_the_first_release_stays_byte_identical_after_the_second(catalogue: Catalogue) -> None:
    first, second = _two_releases(catalogue)
    archived = [p for p in first if p.startswith("releases/2022.1/")]
    assert len(archived) == 8  # four files and their signatures
    for path in archived:
        assert second[path] == first[path], path
    refresh_publication(
        catalogue.out,
        keyring=catalogue.keyring,
        options=catalogue.options,
        now=NOW + timedelta(days=45),
    )
    for path in archived:
        assert read_published(catalogue.out, path) == first[path], path


def test_the_release_index_lists_both_releases_newest_first(catalogue: Catalogue) -> None:
    _, files = _two_releases(catalogue)
    index = orjson.loads(files["releases.json"])
    titles = [item["title"] for item in index["items"]]
    assert "2022.2" in titles[0]
    assert "2022.1" in titles[1]


def test_every_published_file_verifies_with_stock_minisign(catalogue: Catalogue) -> None:
    _two_releases(catalogue)
    root = Path(os.path.realpath(catalogue.out))
    paths = published_paths(catalogue.out)
    files = [p for p in paths if not p.startswith("tuf/") and not p.endswith(".minisig")]
    files.remove("minisign.pub")
    assert len(files) > 10
    for target in files:
        assert f"{target}.minisig" in paths, target
        result = subprocess.run(
            ["minisign", "-V", "-p", str(root / "minisign.pub"), "-m", str(root / target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{target}: {result.stderr}"
        assert f"file:{target} " in result.stdout


def test_a_changed_file_fails_stock_minisign(catalogue: Catalogue, tmp_path: Path) -> None:
    _two_releases(catalogue)
    root = Path(os.path.realpath(catalogue.out))
    copy = tmp_path / "feed.json"
    copy.write_bytes((root / "feed.json").read_bytes().replace(b"Synthetic", b"Synthetik", 1))
    result = subprocess.run(
        [
            "minisign",
            "-V",
            "-p",
            str(root / "minisign.pub"),
            "-m",
            str(copy),
            "-x",
            str(root / "feed.json.minisig"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "verification failed" in result.stderr.lower()


def test_python_tuf_client_fetches_every_target_over_http(
    catalogue: Catalogue, static_server: Callable[[Path], str], tmp_path: Path
) -> None:
    _two_releases(catalogue)
    base = static_server(catalogue.out)
    home = tmp_path / "client"
    (home / "metadata").mkdir(parents=True)
    (home / "targets").mkdir()
    trusted_root = read_published(catalogue.out, "tuf/metadata/1.root.json")
    assert trusted_root is not None
    updater = Updater(
        metadata_dir=str(home / "metadata"),
        metadata_base_url=base + "tuf/metadata/",
        target_base_url=base + "tuf/targets/",
        target_dir=str(home / "targets"),
        bootstrap=trusted_root,
    )
    updater.refresh()
    published = {p for p in published_paths(catalogue.out) if not p.startswith("tuf/")}
    for path in sorted(published):
        info = updater.get_targetinfo(path)
        assert info is not None, path
        local = updater.download_target(info, str(home / "targets" / path.replace("/", "_")))
        assert Path(local).read_bytes() == read_published(catalogue.out, path), path
        assert info.custom["kpfeed"]["version"] in ("2022.1", "2022.2")
    assert updater.get_targetinfo("package.json").custom["kpfeed"] == {  # type: ignore[union-attr]
        "version": "2022.2",
        "sequence": 2,
    }


# -- refresh ----------------------------------------------------------------------------------


def _signature_expiry(cat: Catalogue, path: str) -> datetime:
    data, signature = read_published(cat.out, path), read_published(cat.out, path + ".minisig")
    assert data is not None
    assert signature is not None
    return parse_trusted_comment(verify(data, signature, cat.keyring.minisign)).expires


def test_refresh_of_fresh_signatures_re_signs_only_timestamp_and_snapshot(
    catalogue: Catalogue,
) -> None:
    _two_releases(catalogue)
    before = {p: f.read_bytes() for p, f in published_paths(catalogue.out).items()}
    later = NOW + timedelta(days=30, hours=6)
    report = refresh_publication(
        catalogue.out, keyring=catalogue.keyring, options=catalogue.options, now=later
    )
    assert report.files == ["tuf/metadata/3.snapshot.json", "tuf/metadata/timestamp.json"]
    after = {p: f.read_bytes() for p, f in published_paths(catalogue.out).items()}
    changed = sorted(p for p in after if before.get(p) != after[p])
    assert changed == report.files


def test_refresh_re_signs_current_files_past_half_their_life_but_never_releases(
    catalogue: Catalogue,
) -> None:
    _two_releases(catalogue)
    archived = read_published(catalogue.out, "releases/2022.1/package.json.minisig")
    old_expiry = _signature_expiry(catalogue, "feed.json")
    later = NOW + timedelta(days=30 + 20)  # 2022.2 was signed at +30 days for 30 days
    refresh_publication(
        catalogue.out, keyring=catalogue.keyring, options=catalogue.options, now=later
    )
    assert _signature_expiry(catalogue, "feed.json") == later + timedelta(days=30)
    assert _signature_expiry(catalogue, "feed.json") > old_expiry
    assert read_published(catalogue.out, "releases/2022.1/package.json.minisig") == archived


def test_refresh_after_a_minisign_rotation_re_signs_with_the_new_key(
    catalogue: Catalogue,
) -> None:
    _two_releases(catalogue)
    rotate(catalogue.key_dir, "minisign", passphrase=None, now=NOW)
    keyring = load_keyring(catalogue.key_dir, None)
    later = NOW + timedelta(days=30, hours=6)
    refresh_publication(catalogue.out, keyring=keyring, options=catalogue.options, now=later)
    data = read_published(catalogue.out, "package.json")
    signature = read_published(catalogue.out, "package.json.minisig")
    assert data is not None
    assert signature is not None
    verify(data, signature, keyring.minisign)
    assert read_published(catalogue.out, "minisign.pub") == (
        public_key_text(keyring.minisign).encode()
    )


def test_refresh_of_an_empty_folder_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(PublishError, match="no publication to refresh"):
        refresh_publication(
            catalogue.out, keyring=catalogue.keyring, options=catalogue.options, now=NOW
        )


def test_the_consumer_client_pulls_the_first_release_then_the_second_as_a_delta(
    catalogue: Catalogue, static_server: Callable[[Path], str], tmp_path: Path
) -> None:
    base = static_server(catalogue.out)
    _create_and_approve(catalogue, "2022.1")
    _publish(catalogue, "2022.1")
    root = read_published(catalogue.out, "tuf/metadata/1.root.json")
    mirror = tmp_path / "mirror"
    with CatalogueClient(base, mirror, trusted_root=root) as client:
        first = client.pull()
    assert (first.to_version, first.method) == ("2022.1", "full")
    _edit(catalogue)
    _create_and_approve(catalogue, "2022.2", at_offset=30)
    _publish(catalogue, "2022.2", at_offset=30)
    with CatalogueClient(base, mirror) as client:
        second = client.pull()
    assert (second.to_version, second.method, second.deltas) == ("2022.2", "delta", ("2022.2",))
    assert (second.added, second.changed, second.retired) == (1, 1, 1)
    assert (mirror / "package.json").read_bytes() == read_published(catalogue.out, "package.json")

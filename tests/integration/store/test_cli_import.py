"""`kpfeed import` and `kpfeed export-source`: validated, all-or-nothing, round-tripping."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import feed.cli.store
from feed.cli import main
from feed.config import get_settings
from feed.model import content_of
from feed.store import (
    EditorialState,
    current_records,
    get_manifest,
    history,
    list_audit,
    list_records,
    make_engine,
    save_revision,
    transaction,
)
from feed.synthetic import synthetic_record
from tests.integration.store.common import MANIFEST, write_source

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def store_url(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An initialised store named by KPFEED_DATABASE_URL."""
    monkeypatch.setenv("KPFEED_DATABASE_URL", database_url)
    monkeypatch.setenv("KPFEED_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    assert _run("init")[0] == 0
    yield database_url
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_import_then_reimport_counts_added_and_unchanged(store_url: str, tmp_path: Path) -> None:
    source = write_source(tmp_path / "pkg", range(6))
    code, out = _run("import", str(source), "--as", "ana")
    assert code == 0, out
    assert "imported: 6 added, 0 changed, 0 unchanged" in out
    write_source(source, range(7), variant=0)
    write_source(tmp_path / "v2", [2], variant=1)
    (source / "manifestos" / "synthetic-0000002.yaml").write_bytes(
        (tmp_path / "v2" / "manifestos" / "synthetic-0000002.yaml").read_bytes()
    )
    code, out = _run("import", str(source), "--as", "ben", "--json")
    assert code == 0, out
    assert json.loads(out) == {"added": 1, "changed": 1, "unchanged": 5, "approved": 0}
    engine = make_engine(store_url)
    with transaction(engine) as session:
        revisions = history(session, synthetic_record(2).id)
        manifest = get_manifest(session)
    engine.dispose()
    assert [(r.revision, r.author) for r in revisions] == [(1, "ana"), (2, "ben")]
    assert revisions[0].comment == f"import from {source}"
    assert manifest == MANIFEST


def test_one_bad_record_stores_nothing_and_says_where(store_url: str, tmp_path: Path) -> None:
    source = write_source(tmp_path / "pkg", range(9))
    bad = source / "symbols" / "synthetic-0000004.yaml"
    bad.write_text(bad.read_text().replace("status: active", "status: sleeping"))
    code, out = _run("import", str(source), "--as", "ana")
    assert code == 1
    assert "synthetic-0000004.yaml" in out
    assert "/status" in out
    assert "sleeping" in out
    engine = make_engine(store_url)
    with transaction(engine) as session:
        assert list_records(session) == []
        assert list_audit(session) == []
        assert get_manifest(session) is None
    engine.dispose()


def test_relations_may_point_at_records_already_stored(store_url: str, tmp_path: Path) -> None:
    assert _run("import", str(write_source(tmp_path / "a", range(6))), "--as", "ana")[0] == 0
    # records 6..8 relate to 3..5, which only the store holds
    code, out = _run("import", str(write_source(tmp_path / "b", range(6, 9))), "--as", "ana")
    assert code == 0, out
    assert "3 added" in out


def test_bulk_approval_from_the_command_line(store_url: str, tmp_path: Path) -> None:
    source = write_source(tmp_path / "pkg", range(4))
    code, out = _run("import", str(source), "--as", "ana", "--approve", "--comment", "2022 set")
    assert code == 0, out
    assert "4 approved by ana" in out
    engine = make_engine(store_url)
    with transaction(engine) as session:
        states = {s.state for s in list_records(session)}
        (entry,) = list_audit(session, action="records.bulk_approve")
    engine.dispose()
    assert states == {EditorialState.APPROVED}
    assert entry.actor == "ana"


def test_export_then_reimport_gives_identical_records_and_no_new_revisions(
    store_url: str, tmp_path: Path
) -> None:
    assert _run("import", str(write_source(tmp_path / "pkg", range(8))), "--as", "ana")[0] == 0
    engine = make_engine(store_url)
    with transaction(engine) as session:
        save_revision(session, synthetic_record(5, variant=3), author="ben", comment="edit")
        before = current_records(session)
    for fmt in ("yaml", "json"):
        out_dir = tmp_path / f"export-{fmt}"
        code, out = _run("export-source", "--out", str(out_dir), "--format", fmt)
        assert code == 0, out
        assert f"exported 8 records to {out_dir}" in out
        code, out = _run("import", str(out_dir), "--as", "cy", "--json")
        assert code == 0, out
        assert json.loads(out)["unchanged"] == 8
    with transaction(engine) as session:
        after = current_records(session)
        edited = history(session, synthetic_record(5).id)
    engine.dispose()
    assert after == before
    assert [r.author for r in edited] == ["ana", "ben"]
    by_id = {r.id: r for r in after}
    assert content_of(by_id[synthetic_record(5).id]) == content_of(synthetic_record(5, variant=3))


def test_export_into_a_fresh_store_reproduces_the_catalogue(
    store_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    assert _run("import", str(write_source(tmp_path / "pkg", range(5))), "--as", "ana")[0] == 0
    assert _run("export-source", "--out", str(tmp_path / "out"))[0] == 0
    engine = make_engine(store_url)
    with transaction(engine) as session:
        original = [content_of(r) for r in current_records(session)]
    engine.dispose()
    os.environ["KPFEED_DATABASE_URL"] = sqlite_url  # restored by monkeypatch in the fixture
    get_settings.cache_clear()
    assert _run("init")[0] == 0
    assert _run("import", str(tmp_path / "out"), "--as", "dee")[0] == 0
    fresh = make_engine(sqlite_url)
    with transaction(fresh) as session:
        copied = [content_of(r) for r in current_records(session)]
    fresh.dispose()
    assert copied == original


def test_long_imports_show_progress_on_stderr(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed.cli.store, "PROGRESS_FROM", 3)
    result = CliRunner().invoke(
        main, ["import", str(write_source(tmp_path / "p", range(3))), "--as", "ana"]
    )
    assert result.exit_code == 0, result.output
    assert "importing" in result.stderr
    assert "importing" not in result.stdout


def test_import_into_an_uninitialised_store_says_to_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPFEED_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    get_settings.cache_clear()
    code, out = _run("import", str(write_source(tmp_path / "pkg", range(2))), "--as", "ana")
    get_settings.cache_clear()
    assert code == 1
    assert "run `kpfeed init`" in out


def test_the_installed_command_runs_the_whole_flow(tmp_path: Path) -> None:
    env = os.environ | {"KPFEED_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'kpfeed.db'}"}
    source = write_source(tmp_path / "pkg", range(3))

    def kpfeed(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "feed", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    assert kpfeed("init").returncode == 0
    imported = kpfeed("import", str(source), "--as", "ana", "--approve")
    assert imported.returncode == 0, imported.stderr
    listed = kpfeed("records", "list", "--json")
    assert [(d["id"], d["state"]) for d in json.loads(listed.stdout)] == sorted(
        (synthetic_record(n).id, "approved") for n in (0, 1, 2)
    )

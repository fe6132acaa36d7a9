"""`kpfeed init` and `kpfeed records ...` against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from feed.cli import main
from feed.config import get_settings
from feed.store import import_records, make_engine, save_revision, transaction
from feed.synthetic import synthetic_record


@pytest.fixture
def cli_store(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """KPFEED_DATABASE_URL pointing at this test's database; settings re-read."""
    monkeypatch.setenv("KPFEED_DATABASE_URL", database_url)
    monkeypatch.setenv("KPFEED_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_init_creates_the_store_and_is_idempotent(cli_store: str, tmp_path: Path) -> None:
    assert _run("records", "list")[0] == 1
    first = _run("init")
    second = _run("init")
    assert first[0] == second[0] == 0
    assert "schema 0001" in second[1]
    assert (tmp_path / "var").is_dir()
    assert _run("records", "list") == (0, "no records\n")


def test_records_list_shows_state_and_revisions(cli_store: str) -> None:
    assert _run("init")[0] == 0
    engine = make_engine(cli_store)
    with transaction(engine) as session:
        import_records(session, [synthetic_record(n) for n in range(4)], author="ana")
        save_revision(session, synthetic_record(1, variant=1), author="ben")
    engine.dispose()
    code, out = _run("records", "list", "--type", "symbol")
    assert code == 0
    assert "symbol:synthetic-0000001  draft         2     -  Synthetic symbol 0000001" in out
    assert out.endswith("1 record\n")
    code, out = _run("records", "list", "--json", "--state", "draft")
    assert code == 0
    assert [doc["id"] for doc in json.loads(out)] == sorted(
        synthetic_record(n).id for n in range(4)
    )


def test_records_show_prints_a_revision_and_the_history(cli_store: str) -> None:
    assert _run("init")[0] == 0
    rid = synthetic_record(2).id
    engine = make_engine(cli_store)
    with transaction(engine) as session:
        save_revision(session, synthetic_record(2), author="ana", comment="new")
        save_revision(session, synthetic_record(2, variant=1), author="ben", comment="fixed")
    engine.dispose()
    code, out = _run("records", "show", rid, "--revision", "1", "--json")
    assert code == 0
    assert json.loads(out)["summary"] == synthetic_record(2).summary
    code, out = _run("records", "show", rid)
    assert code == 0
    assert out.startswith(f"# {rid}: revision 2 of 2, draft\n")
    assert "Changed (variant 1)." in out
    code, out = _run("records", "show", rid, "--history")
    assert code == 0
    lines = out.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["r1", "r2"]
    assert lines[1].endswith("ben  fixed")


def test_the_editorial_workflow_from_the_command_line(cli_store: str) -> None:
    assert _run("init")[0] == 0
    rid = synthetic_record(3).id
    engine = make_engine(cli_store)
    with transaction(engine) as session:
        save_revision(session, synthetic_record(3), author="ana")
    engine.dispose()
    assert _run("records", "submit", rid, "--as", "ana")[0] == 0
    code, out = _run("records", "approve", rid, "--as", "ana")
    assert code == 1
    assert "another editor must approve it" in out
    assert _run("records", "approve", rid, "--as", "ben")[0] == 0
    assert _run("records", "retire", rid, "--as", "ben", "--comment", "gone")[0] == 0
    code, out = _run("records", "list", "--json")
    assert [(d["state"], d["approved_by"]) for d in json.loads(out)] == [("retired", "ben")]


def test_unknown_records_are_a_clear_error(cli_store: str) -> None:
    assert _run("init")[0] == 0
    code, out = _run("records", "show", "group:nope")
    assert code == 1
    assert "no record 'group:nope'" in out

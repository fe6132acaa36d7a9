"""Every command in the quickstarts runs, in order, in a fresh workspace (bounded in time).

Pages about the API run against a served demo: the demo workspace is built once for this
module, and each page gets a copy of it and a server of its own (`tests/integration/docs/demo.py`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import REPO
from tests.integration.docs.demo import DOCUMENTED_URL, build_template, free_port, served_demo
from tests.integration.docs.runbook import BlockFailed, clean_environment, run_page, runnable_blocks

DOCS = REPO / "docs"

# Each page with runnable blocks and the test below that runs it.
RUN = {
    "guides/editor.md": "test_editor_quickstart_runs",
    "guides/publisher.md": "test_publisher_quickstart_runs",
    "guides/feedback.md": "test_feedback_quickstart_runs",
    "guides/triage.md": "test_triage_quickstart_runs",
    "guides/moderation.md": "test_moderation_quickstart_runs",
    "guides/operator.md": "test_operator_quickstart_runs",
}


def reader_environment(workspace: Path) -> dict[str, str]:
    """A reader's environment, with keys that are cheap to unlock: scrypt at 2^12 rather than
    2^17 (what the pages show does not depend on it; `keys init` reads the setting)."""
    return clean_environment(workspace, KPFEED_KEY_SCRYPT_LOG_N="12")


def workspace_with_packages(tmp_path: Path) -> Path:
    """A folder like a fresh checkout: the sample package, nothing else."""
    workspace = tmp_path / "checkout"
    shutil.copytree(REPO / "packages", workspace / "packages")
    return workspace


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace `kpfeed demo` builds, once for every page of this module."""
    checkout = workspace_with_packages(tmp_path_factory.mktemp("template"))
    return build_template(checkout / "demo", clean_environment(checkout), checkout)


def run_against_demo(page: str, template: Path, tmp_path: Path) -> Path:
    """Run `page` in a fresh checkout whose `./demo` is served, as the page tells the reader."""
    workspace = workspace_with_packages(tmp_path)
    env = clean_environment(workspace)
    with served_demo(template, workspace, env) as url:
        run_page(DOCS / page, workspace, env, substitutions={DOCUMENTED_URL: url})
    return workspace


def test_every_page_with_runnable_blocks_is_run() -> None:
    marked = {str(page.relative_to(DOCS)) for page in DOCS.rglob("*.md") if runnable_blocks(page)}
    assert marked == set(RUN)


def test_a_failing_block_is_reported_with_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n<!-- test: run -->\n```sh\nexport GREETING=hello\n```\n\n"
        '<!-- test: run -->\n```console\n$ test "$GREETING" = hello\nsample output\n'
        "$ false\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(BlockFailed, match=r"page\.md:10: failed with status 1"):
        run_page(page, tmp_path, clean_environment(tmp_path))


def test_a_block_that_must_fail_but_succeeds_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- test: run, fails -->\n```sh\ntrue\n```\n", encoding="utf-8")
    with pytest.raises(BlockFailed, match="must be refused but exited 0"):
        run_page(page, tmp_path, clean_environment(tmp_path))


def test_editor_quickstart_runs(tmp_path: Path) -> None:
    workspace = workspace_with_packages(tmp_path)
    blocks = run_page(DOCS / "guides" / "editor.md", workspace, clean_environment(workspace))
    assert any(block.must_fail for block in blocks)
    assert (workspace / "var" / "kpfeed.db").is_file()
    assert (workspace / "work" / "sample" / "symbols" / "synthetic-example.yaml").is_file()


def test_publisher_quickstart_runs(tmp_path: Path) -> None:
    workspace = workspace_with_packages(tmp_path)
    env = reader_environment(workspace)
    blocks = run_page(DOCS / "guides" / "publisher.md", workspace, env)
    assert sum(block.must_fail for block in blocks) == 2
    public = workspace / "var" / "public"
    assert sorted(p.name for p in (public / "releases").iterdir()) == ["2024.1", "2024.2"]
    assert (workspace / "pin" / "root.json").is_file()


def test_a_block_marked_as_a_file_is_saved_not_run(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- test: run, file=greet.py -->\n```python\nprint('hello from a saved file')\n```\n\n"
        "<!-- test: run -->\n```sh\npython greet.py > said.txt\n```\n",
        encoding="utf-8",
    )
    run_page(page, tmp_path, clean_environment(tmp_path))
    assert (tmp_path / "said.txt").read_text() == "hello from a saved file\n"


def test_what_a_page_leaves_running_is_stopped(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- test: run -->\n```sh\nsleep 300 > /dev/null 2>&1 &\necho $! > sleeper.pid\n```\n",
        encoding="utf-8",
    )
    run_page(page, tmp_path, clean_environment(tmp_path))
    pid = int((tmp_path / "sleeper.pid").read_text())
    assert not Path(f"/proc/{pid}").exists() or "Z" in _process_state(pid)


def _process_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]


def stored_feedback(workspace: Path) -> list[tuple[str, str | None]]:
    """(kind, retracted_by) of every submission in the page's demo store."""
    with sqlite3.connect(workspace / "demo" / "kpfeed.db") as db:
        return list(db.execute("SELECT kind, retracted_by FROM feedback_submissions"))


def test_feedback_quickstart_runs(demo_template: Path, tmp_path: Path) -> None:
    workspace = run_against_demo("guides/feedback.md", demo_template, tmp_path)
    stored = stored_feedback(workspace)
    # Every kind was sent with curl and with Python; the resent false positive stored nothing.
    kinds = Counter(kind for kind, _ in stored)
    assert kinds == {
        "true-positive": 2,
        "false-positive": 2,
        "inconclusive": 3,
        "sighting": 2,
        "label-dispute": 2,
        "correction": 2,
        "suggestion": 2,
        "usage-report": 2,
        "retraction": 2,
    }
    assert sum(retracted is not None for _, retracted in stored) == 2


def test_triage_quickstart_runs(demo_template: Path, tmp_path: Path) -> None:
    workspace = run_against_demo("guides/triage.md", demo_template, tmp_path)
    with sqlite3.connect(workspace / "demo" / "kpfeed.db") as db:
        statuses = dict(db.execute("SELECT kind, status FROM feedback_submissions"))
        cycles = dict(db.execute("SELECT name, state FROM feedback_cycles"))
    assert statuses == {
        "correction": "accepted",
        "suggestion": "declined",
        "false-positive": "received",
    }
    # The demo's open cycle was closed at the end; next year's was planned, not opened.
    next_year = str(datetime.now(UTC).year + 1)
    assert cycles.pop(next_year) == "planned"
    assert list(cycles.values()) == ["closed"]
    assert "AT" in (workspace / "edit.json").read_text()
    company_view = (workspace / "company-view.json").read_text()
    assert "separators are ignored" in company_view
    assert "FAQ" not in company_view  # the internal note


def test_moderation_quickstart_runs(demo_template: Path, tmp_path: Path) -> None:
    workspace = run_against_demo("guides/moderation.md", demo_template, tmp_path)
    published = (workspace / "demo" / "public" / "package.json").read_bytes()
    assert (workspace / "mirror" / "package.json").read_bytes() == published
    assert (workspace / "downloads" / "package.json").read_bytes() == published
    assert (workspace / "kp.stix.json").stat().st_size > 0
    assert list((workspace / "kp-misp" / "clusters").glob("*.json"))


@pytest.fixture
def second_pg_url(pg_url: str) -> Iterator[str]:
    """Another empty database beside `pg_url` (the operator guide restores into it)."""
    engine = create_engine(os.environ["KPFEED_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    url = make_url(pg_url)
    name = f"{url.database}_restore"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.mark.postgres
def test_operator_quickstart_runs(pg_url: str, second_pg_url: str, tmp_path: Path) -> None:
    workspace = workspace_with_packages(tmp_path)
    port = free_port()
    substitutions = {
        "postgresql+psycopg://kpfeed@127.0.0.1:5432/kpfeed_restore": second_pg_url,
        "postgresql+psycopg://kpfeed@127.0.0.1:5432/kpfeed": pg_url,
        "127.0.0.1:8001": f"127.0.0.1:{port}",
        "--port 8001": f"--port {port}",
    }
    env = reader_environment(workspace)
    run_page(DOCS / "guides" / "operator.md", workspace, env, substitutions=substitutions)
    assert (workspace / "restore" / "public" / "package.json").is_file()
    assert (workspace / "consumer-mirror" / "package.json").read_bytes() == (
        workspace / "srv" / "public" / "package.json"
    ).read_bytes()
    engine = create_engine(second_pg_url)
    try:
        with engine.connect() as conn:
            versions = list(conn.execute(text("SELECT version FROM releases")).scalars())
    finally:
        engine.dispose()
    assert versions == ["2024.1"]

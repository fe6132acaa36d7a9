"""Every command in the quickstarts runs, in order, in a fresh workspace (bounded in time)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.docs.runbook import BlockFailed, clean_environment, run_page, runnable_blocks

DOCS = REPO / "docs"

# Each page with runnable blocks and the test below that runs it.
RUN = {
    "guides/editor.md": "test_editor_quickstart_runs",
    "guides/publisher.md": "test_publisher_quickstart_runs",
}


def workspace_with_packages(tmp_path: Path) -> Path:
    """A folder like a fresh checkout: the sample package, nothing else."""
    workspace = tmp_path / "checkout"
    shutil.copytree(REPO / "packages", workspace / "packages")
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
    env = clean_environment(workspace)
    blocks = run_page(DOCS / "guides" / "publisher.md", workspace, env)
    assert sum(block.must_fail for block in blocks) == 2
    public = workspace / "var" / "public"
    assert sorted(p.name for p in (public / "releases").iterdir()) == ["2024.1", "2024.2"]
    assert (workspace / "pin" / "root.json").is_file()

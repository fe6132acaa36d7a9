"""The committed reference pages are what the code generates; nothing in them is undocumented."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from click.testing import CliRunner

from feed.cli import main
from feed.docsgen import PAGES, default_sources, find_undocumented, generate_pages
from feed.docsgen.openapi_ref import load_openapi
from tests.conftest import REPO

REFERENCE = REPO / "docs" / "reference"


def test_committed_reference_pages_equal_a_fresh_generation() -> None:
    pages = generate_pages(default_sources(REPO / "schemas"))
    for name in PAGES:
        committed = (REFERENCE / name).read_text(encoding="utf-8")
        assert committed == pages[name], (
            f"docs/reference/{name} is out of date: run `kpfeed docs generate` and commit it"
        )


def test_every_command_setting_and_schema_field_is_documented() -> None:
    sources = default_sources(REPO / "schemas")
    assert find_undocumented(sources, generate_pages(sources)) == []


def test_the_cli_reference_names_every_command_of_the_tree() -> None:
    text = (REFERENCE / "cli.md").read_text(encoding="utf-8")
    for command in ("validate", "schemas", "keys init", "keys rotate", "docs generate"):
        assert f"## `kpfeed {command}`" in text


def test_the_http_api_page_follows_the_server_once_it_exists() -> None:
    document = load_openapi()
    text = (REFERENCE / "http-api.md").read_text(encoding="utf-8")
    if importlib.util.find_spec("feed.api") is None:
        assert document is None
        assert "not part of this build yet" in text
    else:
        assert document is not None
        assert document["paths"], "the server's OpenAPI document has no paths"
        for path in document["paths"]:
            assert f"`{path}`" in text


def test_docs_generate_writes_the_pages_into_the_folder_given(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["docs", "generate", "--out", str(tmp_path), "--schemas", str(REPO / "schemas")]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PAGES)
    again = CliRunner().invoke(
        main,
        ["docs", "generate", "--check", "--out", str(tmp_path), "--schemas", str(REPO / "schemas")],
    )
    assert again.exit_code == 0, again.output


def test_docs_generate_check_names_a_stale_page_and_fails(tmp_path: Path) -> None:
    args = ["docs", "generate", "--out", str(tmp_path), "--schemas", str(REPO / "schemas")]
    assert CliRunner().invoke(main, args).exit_code == 0
    (tmp_path / "settings.md").write_text("# Settings\n\nedited by hand\n", encoding="utf-8")
    result = CliRunner().invoke(main, [*args, "--check"])
    assert result.exit_code == 1
    assert "out of date" in result.output
    assert "settings.md" in result.output
    assert (tmp_path / "settings.md").read_text(encoding="utf-8").endswith("edited by hand\n")

"""`find_undocumented` reports each kind of gap: no help, no description, no section, no row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from feed.docsgen import Sources, find_undocumented, generate_pages


@click.group()
def tool() -> None:
    """A tool."""


@tool.command()
@click.argument("record_id")
@click.option("--limit", type=int, help="How many.")
def show(record_id: str, limit: int | None) -> None:
    """Show RECORD_ID."""


class ToySettings(BaseSettings):
    """Two settings."""

    model_config = SettingsConfigDict(env_prefix="TOY_")

    colour: str = Field(default="blue", description="The colour.")
    size: int = Field(default=1, description="The size.")


def schema(description: str = "Nested.") -> dict[str, Any]:
    return {
        "title": "Thing",
        "type": "object",
        "properties": {"name": {"type": "string", "description": "Its name."}},
        "$defs": {
            "Part": {
                "type": "object",
                "description": "A part.",
                "properties": {
                    "spec": {
                        "type": "object",
                        "description": "Inline object.",
                        "properties": {"depth": {"type": "integer", "description": description}},
                    }
                },
            }
        },
    }


def sources(
    cli: click.Command = tool,
    settings: type[BaseSettings] = ToySettings,
    schemas: Mapping[str, Mapping[str, Any]] | None = None,
    openapi: Mapping[str, Any] | None = None,
) -> Sources:
    return Sources(cli, settings, schemas or {"thing": schema()}, openapi)


def test_complete_sources_have_nothing_undocumented() -> None:
    toy = sources()
    assert find_undocumented(toy, generate_pages(toy)) == []


def test_an_option_without_help_is_reported() -> None:
    @click.command()
    @click.option("--fast", is_flag=True)
    def run(fast: bool) -> None:
        """Run."""

    toy = sources(cli=run)
    assert find_undocumented(toy, generate_pages(toy)) == [
        "command `kpfeed`: option --fast has no help text"
    ]


def test_a_command_without_help_is_reported() -> None:
    @tool.command("bare")
    def bare() -> None:
        pass

    try:
        toy = sources()
        assert find_undocumented(toy, generate_pages(toy)) == [
            "command `kpfeed bare` has no help text"
        ]
    finally:
        tool.commands.pop("bare")


def test_an_argument_its_help_does_not_explain_is_reported() -> None:
    @click.command()
    @click.argument("path")
    def run(path: str) -> None:
        """Run on something."""

    toy = sources(cli=run)
    assert find_undocumented(toy, generate_pages(toy)) == [
        "command `kpfeed`: argument PATH is not explained in its help text"
    ]


def test_commands_and_options_missing_from_the_page_are_reported() -> None:
    toy = sources()
    pages = generate_pages(toy)
    pages["cli.md"] = pages["cli.md"].replace("| `--limit` |", "| |")
    cut = pages["cli.md"].index("## `kpfeed show`")
    assert find_undocumented(toy, pages) == [
        "command `kpfeed show`: option --limit is missing from cli.md"
    ]
    pages["cli.md"] = pages["cli.md"][:cut]
    assert find_undocumented(toy, pages) == ["command `kpfeed show` is missing from cli.md"]


def test_a_setting_without_description_or_row_is_reported() -> None:
    class Bare(ToySettings):
        shade: str = "dark"

    toy = sources(settings=Bare)
    pages = generate_pages(toy)
    assert find_undocumented(toy, pages) == ["setting `shade` has no description"]
    pages["settings.md"] = pages["settings.md"].replace("`TOY_SIZE`", "`SIZE`")
    assert "setting `size` (TOY_SIZE) is missing from settings.md" in find_undocumented(toy, pages)


def test_a_schema_field_without_description_is_reported_at_any_depth() -> None:
    toy = sources(schemas={"thing": schema(description="")})
    assert find_undocumented(toy, generate_pages(toy)) == [
        "thing.schema.json#/$defs/Part/properties/spec/properties/depth has no description"
    ]


def test_a_schema_field_missing_from_the_page_is_reported() -> None:
    toy = sources()
    pages = generate_pages(toy)
    pages["record-schema.md"] = pages["record-schema.md"].replace("| `spec.depth` |", "| x |")
    assert find_undocumented(toy, pages) == [
        "field Part.spec.depth is missing from record-schema.md"
    ]


def test_an_operation_without_summary_or_section_is_reported() -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "toy", "version": "1"},
        "paths": {"/a": {"get": {"summary": "A."}}, "/b": {"post": {}}},
    }
    toy = sources(openapi=document)
    pages = generate_pages(toy)
    assert find_undocumented(toy, pages) == ["POST /b has no summary or description"]
    pages["http-api.md"] = pages["http-api.md"].replace("{#get-a}", "")
    assert "GET /a is missing from http-api.md" in find_undocumented(toy, pages)

"""How the generators write text, types, defaults and limits into Markdown."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from feed.docsgen.cli_ref import render_cli
from feed.docsgen.markdown import code, inline
from feed.docsgen.openapi_ref import render_http_api
from feed.docsgen.schema_ref import constraints, schema_type
from feed.docsgen.settings_ref import render_settings


def test_inline_escapes_markup_outside_code_spans_only() -> None:
    text = "Reads KPFEED_<NAME>, a|b & c;\n  see `a|<b>` and ``x`y``."
    assert inline(text) == ("Reads KPFEED_&lt;NAME&gt;, a\\|b &amp; c; see `a|<b>` and ``x`y``.")


def test_code_uses_a_longer_fence_than_the_backticks_inside() -> None:
    assert code("plain") == "`plain`"
    assert code("a`b") == "``a`b``"
    assert code("`edge") == "`` `edge ``"


@click.group()
def tool() -> None:
    """Tool.

    \b
    keep   these
    lines  as they are
    """


@tool.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--role", type=click.Choice(["a", "b"]), required=True, help="Which role.")
@click.option("--count", type=click.IntRange(1, 9), default=3, help="How many.")
@click.option(
    "--dir", "folder", type=click.Path(file_okay=False), default=Path("out"), help="Where."
)
@click.option("--tag", multiple=True, help="Tags.")
@click.option("--token", envvar="TOOL_TOKEN", help="Secret.")
@click.option("--colour/--no-colour", default=True, help="Colour.")
def run(
    paths: tuple[str, ...],
    role: str,
    count: int,
    folder: Path,
    tag: tuple[str, ...],
    token: str | None,
    colour: bool,
) -> None:
    """Run over PATHS.\f

    Not shown: click cuts the help at the form feed.
    """


def test_cli_reference_describes_types_defaults_and_environment() -> None:
    page = render_cli(tool, "tool")
    assert "```text\ntool run [OPTIONS] PATHS...\n```" in page
    assert "| `PATHS...` | text, one or more | yes |" in page
    assert "| `--role` | one of `a`, `b` |   | Which role. |" in page
    assert "| `--count` | integer 1 ≤ x ≤ 9 | `3` | How many. |" in page
    assert "| `--dir` | folder | `out` | Where. |" in page
    assert "| `--tag` | text, repeatable |   | Tags. |" in page
    assert "| `--token` | text |   | Secret. (environment: `TOOL_TOKEN`) |" in page
    assert "| `--colour` / `--no-colour` | flag | `--colour` | Colour. |" in page
    assert "Not shown" not in page
    assert "```text\nkeep   these\nlines  as they are\n```" in page


class ToySettings(BaseSettings):
    """Settings of several types."""

    model_config = SettingsConfigDict(env_prefix="TOY_")

    folder: Path = Field(default=Path("./var/x"), description="A folder.")
    secret: SecretStr | None = Field(default=None, description="A secret.")
    workers: int = Field(default=2, ge=1, le=64, description="Workers.")
    strict: bool = Field(default=False, description="Strict.")


def test_settings_reference_gives_env_type_limits_and_default() -> None:
    page = render_settings(ToySettings)
    assert "| `TOY_FOLDER` | path | `./var/x` | A folder. |" in page
    assert "| `TOY_SECRET` | secret text (optional) | unset | A secret. |" in page
    assert "| `TOY_WORKERS` | integer, ≥ 1, ≤ 64 | `2` | Workers. |" in page
    assert "| `TOY_STRICT` | boolean | `false` | Strict. |" in page


def test_schema_types_read_as_words_with_links() -> None:
    assert schema_type({"anyOf": [{"$ref": "#/$defs/Tlp"}, {"type": "null"}]}) == (
        "[Tlp](#def-tlp) or null"
    )
    assert schema_type({"type": "array", "items": {"type": "string", "format": "uri"}}) == (
        "array of string (uri)"
    )
    assert (
        schema_type({"type": "object", "patternProperties": {"^[a-z]{2}$": {"type": "string"}}})
        == "map from keys matching `^[a-z]{2}$` to string"
    )
    assert schema_type({"const": "kpfeed/1"}) == 'constant `"kpfeed/1"`'
    assert schema_type({"enum": ["low", "high"]}) == "one of `low`, `high`"


def test_schema_limits_include_those_of_members_and_items() -> None:
    limits = constraints(
        {
            "anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}],
            "examples": ["de"],
        }
    )
    assert limits == ["at most 5 characters", "e.g. `de`"]
    assert constraints({"type": "array", "items": {"pattern": "^x$"}, "minItems": 1}) == [
        "at least 1 items",
        "each matches `^x$`",
    ]


def test_http_api_page_lists_operations_parameters_and_schemas() -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "toy", "version": "1", "description": "Toy API."},
        "paths": {
            "/items/{item_id}": {
                "get": {
                    "summary": "One item",
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "Its id.",
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "maximum": 50, "default": 10},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The item",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Item"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "description": "An item.",
                    "required": ["id"],
                    "properties": {"id": {"type": "string", "description": "Id."}},
                }
            }
        },
    }
    page = render_http_api(document)
    assert "| GET | [`/items/{item_id}`](#get-items-item-id) | One item |" in page
    assert "## GET `/items/{item_id}` {#get-items-item-id}" in page
    assert "| `item_id` | path | string | yes |   | Its id. |" in page
    assert "| `limit` | query | integer; ≤ 50 | no | `10` |   |" in page
    assert "| `200` | The item | `application/json`: [Item](#schema-item) |" in page
    assert "### Item {#schema-item}" in page
    assert "| `id` | string | yes |   |   | Id. |" in page


def test_http_api_page_says_the_server_is_not_built_yet_without_one() -> None:
    page = render_http_api(None)
    assert "not part of this build yet" in page

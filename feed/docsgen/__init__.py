"""The reference pages generated from the code: CLI, settings, record schemas and HTTP API.

`kpfeed docs generate` writes them into `docs/reference/`; a test regenerates them and fails when
the committed pages differ or when anything in them has no description (`find_undocumented`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from pydantic_settings import BaseSettings

from feed.atomic import write_atomic
from feed.docsgen.check import find_undocumented
from feed.docsgen.cli_ref import render_cli
from feed.docsgen.openapi_ref import load_openapi, render_http_api
from feed.docsgen.schema_ref import load_schemas, render_schema_page
from feed.docsgen.settings_ref import render_settings
from feed.errors import ExportError

__all__ = [
    "PAGES",
    "Sources",
    "default_sources",
    "find_undocumented",
    "generate_pages",
    "stale_pages",
    "write_pages",
]

# File name of each generated page in the reference folder.
PAGES = ("cli.md", "settings.md", "record-schema.md", "http-api.md")


@dataclass(frozen=True)
class Sources:
    """What the pages are generated from; tests swap in small ones."""

    cli: click.Command
    settings: type[BaseSettings]
    schemas: Mapping[str, Mapping[str, Any]]
    openapi: Mapping[str, Any] | None


def default_sources(schemas_dir: Path) -> Sources:
    """kpfeed's own command tree, settings, schema files and (once it exists) HTTP app."""
    from feed.cli import main  # the CLI imports every command module; keep it off import time
    from feed.config import Settings

    return Sources(main, Settings, load_schemas(schemas_dir), load_openapi())


def generate_pages(sources: Sources) -> dict[str, str]:
    """Every reference page's text by file name."""
    return {
        "cli.md": render_cli(sources.cli),
        "settings.md": render_settings(sources.settings),
        "record-schema.md": render_schema_page(sources.schemas),
        "http-api.md": render_http_api(sources.openapi),
    }


def write_pages(out_dir: Path, pages: Mapping[str, str]) -> list[Path]:
    """Write the pages that changed (atomically) and return their paths."""
    written = []
    for name, text in pages.items():
        path = out_dir / name
        data = text.encode("utf-8")
        try:
            if path.exists() and path.read_bytes() == data:
                continue
            write_atomic(path, data)
        except OSError as error:
            raise ExportError(f"cannot write {path}: {error}") from error
        written.append(path)
    return written


def stale_pages(out_dir: Path, pages: Mapping[str, str]) -> list[str]:
    """Names of the pages whose file in `out_dir` is missing or differs from `pages`."""
    stale = []
    for name, text in pages.items():
        path = out_dir / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            stale.append(name)
    return stale

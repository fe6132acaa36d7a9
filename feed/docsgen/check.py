"""Find what the reference pages leave undocumented: a missing section or row, an empty help."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import click

from feed.docsgen.cli_ref import walk_commands
from feed.docsgen.markdown import anchor
from feed.docsgen.openapi_ref import HTTP_METHODS, operation_anchor
from feed.docsgen.schema_ref import def_anchor

if TYPE_CHECKING:
    from feed.docsgen import Sources

__all__ = ["find_undocumented", "page_sections"]

_HEADING = re.compile(r"^#{1,6} .*\{#([a-z0-9-]+)\}\s*$")
_ROW = re.compile(r"^\| (`+)(.+?)\1 \|")


def page_sections(text: str) -> dict[str, list[str]]:
    """Each section id of a generated page with the first cells (code spans) of its table rows."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = heading.group(1)
            sections[current] = []
            continue
        row = _ROW.match(line)
        if row:
            sections[current].append(row.group(2).strip().replace("\\|", "|"))
    return sections


def find_undocumented(sources: Sources, pages: Mapping[str, str]) -> list[str]:
    """One message per command, option, setting, schema field or operation left undocumented.

    Checks the sources themselves (every help text and description is non-empty) and the pages
    (every one of them has its section or table row), independently of how the pages were made.
    """
    problems = list(_cli(sources.cli, pages.get("cli.md", "")))
    problems.extend(_settings(sources, pages.get("settings.md", "")))
    problems.extend(_schemas(sources.schemas, pages.get("record-schema.md", "")))
    if sources.openapi is not None:
        problems.extend(_openapi(sources.openapi, pages.get("http-api.md", "")))
    return problems


def _cli(root: click.Command, page: str) -> Iterator[str]:
    sections = page_sections(page)
    for doc in walk_commands(root):
        where = f"command `{doc.path}`"
        help_text = (doc.command.help or "").split("\f", 1)[0]
        if not help_text.strip():
            yield f"{where} has no help text"
        if anchor(doc.path) not in sections:
            yield f"{where} is missing from cli.md"
            continue
        rows = sections[anchor(doc.path)]
        for param in doc.command.get_params(doc.context):
            if getattr(param, "hidden", False):
                continue
            if isinstance(param, click.Option):
                if not (param.help or "").strip():
                    yield f"{where}: option {param.opts[0]} has no help text"
                if not any(param.opts[0] in row for row in rows):
                    yield f"{where}: option {param.opts[0]} is missing from cli.md"
            elif isinstance(param, click.Argument):
                metavar = param.make_metavar(doc.context)
                # `PATHS...` is explained by "PATHS are ..."; a custom metavar such as
                # `[FILE|-|PATH]...` by any of its words.
                words = {w for w in re.findall(r"[A-Za-z_]+", metavar)}
                words.add((param.name or "").upper())
                if not any(re.search(rf"\b{re.escape(w)}\b", help_text) for w in words if w):
                    yield f"{where}: argument {metavar} is not explained in its help text"
                if metavar not in rows:
                    yield f"{where}: argument {metavar} is missing from cli.md"


def _settings(sources: Sources, page: str) -> Iterator[str]:
    rows = set(page_sections(page)[""])
    prefix = str(sources.settings.model_config.get("env_prefix") or "")
    for name, info in sources.settings.model_fields.items():
        if not (info.description or "").strip():
            yield f"setting `{name}` has no description"
        alias = info.validation_alias if isinstance(info.validation_alias, str) else None
        env = (alias or prefix + name).upper()
        if env not in rows:
            yield f"setting `{name}` ({env}) is missing from settings.md"


def _schemas(schemas: Mapping[str, Mapping[str, Any]], page: str) -> Iterator[str]:
    for name, doc in schemas.items():
        yield from _field_descriptions(doc, f"{name}.schema.json#")
    sections = {key: set(rows) for key, rows in page_sections(page).items()}
    for name, doc in schemas.items():
        for def_name, sub in doc.get("$defs", {}).items():
            rows = sections.get(def_anchor(def_name))
            if rows is None:
                yield f"definition {def_name} ({name}.schema.json) is missing from record-schema.md"
                continue
            for field in _field_names(sub) - rows:
                yield f"field {def_name}.{field} is missing from record-schema.md"
        expected = _field_names(doc)
        if expected and not any(expected <= rows for rows in sections.values()):
            missing = expected - sections.get(anchor("schema", name), set())
            yield f"{name}.schema.json: fields {sorted(missing)} are missing from record-schema.md"


def _field_descriptions(node: Any, where: str) -> Iterator[str]:
    """Every property, at every level of a schema, that has no description (with its pointer)."""
    if isinstance(node, Mapping):
        for field, sub in (node.get("properties") or {}).items():
            if not isinstance(sub, Mapping) or not str(sub.get("description", "")).strip():
                yield f"{where}/properties/{field} has no description"
        for key, value in node.items():
            yield from _field_descriptions(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _field_descriptions(value, f"{where}/{index}")


def _field_names(schema: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Row names an object schema's table must have: its fields, inline objects' as dotted."""
    names: set[str] = set()
    for field, sub in (schema.get("properties") or {}).items():
        names.add(prefix + field)
        for inner, suffix in _inline(sub):
            names |= _field_names(inner, f"{prefix}{field}{suffix}.")
    return names


def _inline(schema: Any, suffix: str = "") -> Iterator[tuple[Mapping[str, Any], str]]:
    if not isinstance(schema, Mapping):
        return
    if "properties" in schema:
        yield schema, suffix
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, ()):
            yield from _inline(member, suffix)
    yield from _inline(schema.get("items"), suffix + "[]")


def _openapi(document: Mapping[str, Any], page: str) -> Iterator[str]:
    sections = page_sections(page)
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            if not (op.get("summary") or op.get("description") or "").strip():
                yield f"{where} has no summary or description"
            if operation_anchor(method, path) not in sections:
                yield f"{where} is missing from http-api.md"

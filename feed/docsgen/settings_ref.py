"""The settings reference page, read from the fields of `feed.config.Settings`."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import annotated_types
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from feed.docsgen.markdown import code, generated_note, inline, table

__all__ = ["SettingDoc", "render_settings", "setting_docs"]


@dataclass(frozen=True)
class SettingDoc:
    """One setting as the reference shows it."""

    name: str
    env: str
    type: str
    default: str
    description: str


def setting_docs(settings_class: type[BaseSettings]) -> list[SettingDoc]:
    """Every field of `settings_class`, in declaration order."""
    prefix = str(settings_class.model_config.get("env_prefix") or "")
    docs = []
    for name, info in settings_class.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else None
        docs.append(
            SettingDoc(
                name=name,
                env=(alias or prefix + name).upper(),
                type=_type_text(info),
                default=_default_text(info),
                description=info.description or "",
            )
        )
    return docs


def render_settings(settings_class: type[BaseSettings]) -> str:
    """The whole `settings.md` page."""
    docs = setting_docs(settings_class)
    rows = ([code(doc.env), doc.type, doc.default, inline(doc.description)] for doc in docs)
    return (
        "\n".join(
            [
                "# Settings",
                "",
                generated_note("`feed.config.Settings`"),
                "kpfeed reads its settings from environment variables, and only in `feed.config`. "
                "Each setting `name` is read from `KPFEED_NAME` (upper case); unset ones take the "
                "default. Booleans accept `true`/`false` (also `1`/`0`, `yes`/`no`); paths are "
                "relative to the folder kpfeed runs in. Secrets are never printed or logged.",
                "",
                "```sh",
                "export KPFEED_DATABASE_URL=postgresql+psycopg://kpfeed@db.internal/kpfeed",
                "```",
                "",
                table(["environment variable", "type", "default", "description"], rows),
            ]
        )
        + "\n"
    )


def _type_text(info: FieldInfo) -> str:
    text, optional = _annotation_text(info.annotation)
    limits = []
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            limits.append(f"≥ {item.ge}")
        elif isinstance(item, annotated_types.Gt):
            limits.append(f"> {item.gt}")
        elif isinstance(item, annotated_types.Le):
            limits.append(f"≤ {item.le}")
        elif isinstance(item, annotated_types.Lt):
            limits.append(f"< {item.lt}")
        elif isinstance(item, annotated_types.MinLen):
            limits.append(f"at least {item.min_length} characters")
    if limits:
        text += ", " + ", ".join(limits)
    if optional:
        text += " (optional)"
    return text


_NAMES: dict[Any, str] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "boolean",
    SecretStr: "secret text",
}


def _annotation_text(annotation: Any) -> tuple[str, bool]:
    """A reader's name for a field type, and whether None is allowed."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(members) < len(typing.get_args(annotation))
        return " or ".join(_annotation_text(a)[0] for a in members), optional
    if origin is typing.Literal:
        return "one of " + ", ".join(code(str(a)) for a in typing.get_args(annotation)), False
    if origin in (list, tuple, set, frozenset):
        inner = ", ".join(_annotation_text(a)[0] for a in typing.get_args(annotation))
        return f"list of {inner} (JSON)", False
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return "path", False
    if annotation in _NAMES:
        return _NAMES[annotation], False
    return inline(getattr(annotation, "__name__", str(annotation))), False


def _default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        return "computed"
    value = info.default
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, bool):
        return code("true" if value else "false")
    if isinstance(value, PurePath):
        return code(str(value) if value.is_absolute() else f"./{value}")
    if isinstance(value, list | tuple):
        return code(",".join(str(v) for v in value))
    return code(str(value))

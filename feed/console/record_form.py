"""The draft editor's form: a record as fields and tables, and back (pure).

Editors are policy officers, so a record is edited as labelled inputs, one table per list
(aliases, sources ...) with empty rows to add to and a row emptied to remove it. What the form
does not show (e.g. perceptual hashes, file variants, normalization profiles) travels along
unchanged: per row in a hidden field, and at record level in an "other fields" YAML box.

The data the form makes is validated by `feed.editing.validated_record`, the API's and the
CLI's validator; its problems' pointers are mapped back to the inputs they are about.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from feed.console.forms import FieldSpec, Located, locate
from feed.console.record_fields import Localized, Section, Table, items_for, sections_for
from feed.console.sessions import Form
from feed.errors import Problem

__all__ = ["OTHER", "RecordForm", "form_for", "locate_problems", "record_from_form"]

OTHER = "_other"
_KEEP = "_keep"
_ROW = re.compile(r"^(?P<table>.+)\.(?P<index>\d+)\.(?P<column>[a-z_]+)$")


# -- the form's values, from a record's data


@dataclass
class RecordForm:
    """What the template needs: values by input name, rows per table, the other fields."""

    rtype: str
    values: dict[str, str]
    rows: dict[str, int]
    other: str
    located: Located

    @property
    def sections(self) -> tuple[Section, ...]:
        return sections_for(self.rtype)


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _pop(data: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    target: Any = data
    for part in parents:
        target = target.get(part) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target.pop(last, None)


def _english_first(texts: Mapping[str, Any]) -> dict[str, Any]:
    """Text by language with `en` (the reference version) first, the rest as they came."""
    if not isinstance(texts, Mapping):
        return {}
    return {**({"en": texts["en"]} if "en" in texts else {}), **texts}


def _text(value: Any, widget: str) -> str:
    if value is None:
        return ""
    if widget == "lines" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if widget in ("words", "checkboxes") and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if widget == "checkbox":
        return "on" if value is True else ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without the empty lists and dicts left (defaults, or what the form took out)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _prune(value)
        if value in ({}, []):
            continue
        out[key] = value
    return out


def form_for(
    rtype: str, data: Mapping[str, Any], *, other: str | None = None, located: Located | None = None
) -> RecordForm:
    """The form showing record `data` (from the store, or as a refused form made it)."""
    values: dict[str, str] = {"id": str(data.get("id", "")), "type": rtype}
    rows: dict[str, int] = {}
    rest = copy.deepcopy(dict(data))
    for key in ("id", "type", "uuid", "revision", "created", "modified"):
        rest.pop(key, None)
    for key in ("first_released_in", "last_changed_in", "retired_in"):
        rest.pop(key, None)
    for item in items_for(rtype):
        value = _get(data, item.name)
        _pop(rest, item.name)
        if isinstance(item, FieldSpec):
            values[item.name] = _text(value, item.widget)
        elif isinstance(item, Localized):
            texts = _english_first(value if isinstance(value, Mapping) else {})
            for i, (lang, text) in enumerate(texts.items()):
                values[f"{item.name}.{i}.lang"] = str(lang)
                values[f"{item.name}.{i}.text"] = _text(text, "textarea")
            rows[item.name] = len(texts) + (2 if not texts else 1)
        else:
            entries = value if isinstance(value, list) else []
            shown = {c.name for c in item.columns}
            for i, entry in enumerate(entries):
                entry = entry if isinstance(entry, Mapping) else {}
                for column in item.columns:
                    values[f"{item.name}.{i}.{column.name}"] = _text(
                        entry.get(column.name), column.widget
                    )
                kept = {k: v for k, v in entry.items() if k not in shown}
                if kept:
                    values[f"{item.name}.{i}.{_KEEP}"] = json.dumps(kept, ensure_ascii=False)
            rows[item.name] = len(entries) + item.blank_rows
    if other is None:
        pruned = _prune(rest)
        other = yaml.safe_dump(pruned, allow_unicode=True, sort_keys=False) if pruned else ""
    return RecordForm(rtype, values, rows, other, located or Located())


# -- a record's data, from the form


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    target = data
    for part in parents:
        nested = target.get(part)
        if not isinstance(nested, dict):
            nested = target[part] = {}
        target = nested
    target[last] = value


def _value(spec: FieldSpec, form: Form, name: str) -> Any:
    if spec.widget == "checkboxes":
        return form.texts(name)
    if spec.widget == "checkbox":
        return form.has(name)
    text = form.text(name)
    if spec.widget == "lines":
        return [line.strip() for line in text.split("\n") if line.strip()]
    if spec.widget == "words":
        return [w for w in re.split(r"[\s,;]+", text.strip()) if w]
    if spec.widget == "textarea":
        return text.strip() or None
    return text.strip() or None


def _row_indexes(form: Form, name: str) -> list[int]:
    seen = set()
    for key in form.names():
        match = _ROW.match(key)
        if match and match["table"] == name:
            seen.add(int(match["index"]))
    return sorted(seen)


def _other(form: Form) -> tuple[dict[str, Any], list[Problem]]:
    text = form.text(OTHER)
    if not text.strip():
        return {}, []
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        why = getattr(error, "problem", None) or "not readable"
        return {}, [Problem(None, None, f"/{OTHER}", f"not readable as YAML{line}: {why}")]
    if not isinstance(loaded, dict):
        return {}, [Problem(None, None, f"/{OTHER}", "must be fields (name: value), or empty")]
    return loaded, []


def record_from_form(rtype: str, form: Form) -> tuple[dict[str, Any], str, list[Problem]]:
    """(the record's data, the other-fields text as sent, problems the form itself has).

    Empty inputs are left out, so the validator names what is missing; a table row with every
    input empty is dropped.
    """
    data, problems = _other(form)
    data = copy.deepcopy(data)
    data["id"] = form.text("id").strip()
    data["type"] = rtype
    for item in items_for(rtype):
        _pop(data, item.name)
        if isinstance(item, FieldSpec):
            value = _value(item, form, item.name)
            if value not in (None, [], ""):
                _put(data, item.name, value)
        elif isinstance(item, Localized):
            texts: dict[str, str] = {}
            for i in _row_indexes(form, item.name):
                lang = form.text(f"{item.name}.{i}.lang").strip()
                text = form.text(f"{item.name}.{i}.text").strip()
                if text or lang:
                    texts[lang] = text
            if texts:
                _put(data, item.name, texts)
        else:
            entries = [
                entry
                for i in _row_indexes(form, item.name)
                if (entry := _row(item, form, i)) is not None
            ]
            if entries:
                _put(data, item.name, entries)
    return data, form.text(OTHER), problems


def _row(table: Table, form: Form, i: int) -> dict[str, Any] | None:
    entry: dict[str, Any] = {}
    filled = False
    for column in table.columns:
        name = f"{table.name}.{i}.{column.name}"
        value = _value(column, form, name)
        if column.widget == "checkbox":
            entry[column.name] = value
            continue
        if value not in (None, ""):
            entry[column.name] = value
            filled = True
    if not filled:
        return None
    kept = form.text(f"{table.name}.{i}.{_KEEP}")
    if kept:
        try:
            extra = json.loads(kept)
        except ValueError:
            extra = {}
        if isinstance(extra, dict):
            entry = {**extra, **entry}
    return entry


def locate_problems(
    rtype: str, data: Mapping[str, Any], problems: Iterable[Problem], *, strip: str = "/record"
) -> Located:
    """Put the validator's problems beside the inputs of the form showing `data`."""
    names = ["id", OTHER]
    labels = {"id": "Id", OTHER: "Other fields"}
    rename: dict[str, str] = {}
    for item in items_for(rtype):
        names.append(item.name)
        labels[item.name] = item.label
        if isinstance(item, Localized):
            texts = _english_first(_get(data, item.name) or {})
            for i, lang in enumerate(texts):
                rename[f"{item.name}.{lang}"] = f"{item.name}.{i}.text"
                names.append(f"{item.name}.{i}.text")
                labels[f"{item.name}.{i}.text"] = f"{item.label} ({lang or 'no language'})"
        elif isinstance(item, Table):
            entries = _get(data, item.name)
            for i in range(len(entries) if isinstance(entries, list) else 0):
                names.append(f"{item.name}.{i}")
                labels[f"{item.name}.{i}"] = f"{item.label}, row {i + 1}"
                for column in item.columns:
                    key = f"{item.name}.{i}.{column.name}"
                    names.append(key)
                    labels[key] = f"{item.label}, row {i + 1}: {column.label}"
    return locate(problems, names, labels=labels, strip=strip, rename=rename)

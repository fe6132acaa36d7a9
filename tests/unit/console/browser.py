"""What a browser would send for a console form, for tests that post forms without one."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile

from feed.console.forms import FieldSpec
from feed.console.record_fields import Table, sections_for
from feed.console.record_form import OTHER, RecordForm
from feed.console.sessions import Form


def browser_form(form: RecordForm, **extra: str) -> list[tuple[str, str]]:
    """What a browser sends for the draft editor showing `form`, untouched: every input's
    value, checked checkboxes only, each ticked ideology as its own field."""
    widgets: dict[str, str] = {}
    for section in sections_for(form.rtype):
        for item in section.items:
            if isinstance(item, FieldSpec):
                widgets[item.name] = item.widget
            elif isinstance(item, Table):
                for column in item.columns:
                    widgets[f"{item.name}.*.{column.name}"] = column.widget
    sent: list[tuple[str, str]] = [("type", form.rtype), (OTHER, form.other)]
    for name, value in form.values.items():
        parts = name.split(".")
        pattern = ".".join("*" if p.isdigit() else p for p in parts)
        widget = widgets.get(name) or widgets.get(pattern, "text")
        if widget == "checkboxes":
            sent += [(name, v) for v in value.split(", ") if v]
        elif widget == "checkbox":
            if value:
                sent.append((name, "on"))
        elif name != "type":
            sent.append((name, value))
    sent += list(extra.items())
    return sent


def as_form(fields: list[tuple[str, str]]) -> Form:
    """Fields as the console's routes receive them."""
    items: list[tuple[str, str | UploadFile]] = list(fields)
    return Form(FormData(items))

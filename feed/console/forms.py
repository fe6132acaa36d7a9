"""Form fields shared by the console's forms, and located problems put beside their fields (pure).

A field's name is the path of the value it edits, dots between the parts (`period.end`,
`aliases.0.language`), so a problem's JSON Pointer (`/period/end`) names its field directly:
the validator that refused the data is the API's, and its pointers lead the eye to the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from feed.errors import Problem

__all__ = ["Choice", "FieldSpec", "Located", "field_id", "locate", "pointer_parts"]


@dataclass(frozen=True)
class Choice:
    """One option of a select."""

    value: str
    label: str


@dataclass(frozen=True)
class FieldSpec:
    """One input of a form: what it edits, how it is shown, and what it explains."""

    name: str
    label: str
    # text, textarea, select, checkboxes, checkbox, date, number, url; lines (one item per
    # line) and words (items separated by commas or spaces) edit lists of texts
    widget: str = "text"
    choices: tuple[Choice, ...] = ()
    help: str = ""
    required: bool = False
    rows: int = 3
    default: str = ""  # shown in an empty row ("on" checks a checkbox)

    @property
    def id(self) -> str:
        return field_id(self.name)


def field_id(name: str) -> str:
    """The HTML id of the input editing `name` (also the anchor a problem links to)."""
    return "f-" + "".join(ch if ch.isalnum() else "-" for ch in name)


def pointer_parts(pointer: str) -> list[str]:
    """The reference tokens of a JSON Pointer (RFC 6901), unescaped."""
    if not pointer:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.lstrip("/").split("/")]


@dataclass
class Located:
    """Problems of a refused form: by field name, and those that fit no field."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[tuple[str, str]] = field(default_factory=list)  # (where, message)
    anchors: list[tuple[str, str, str]] = field(default_factory=list)  # (field, label, message)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)

    def count(self) -> int:
        return sum(len(v) for v in self.by_field.values()) + len(self.general)


def locate(
    problems: Iterable[Problem],
    fields: Sequence[str],
    *,
    labels: dict[str, str] | None = None,
    strip: str = "",
    rename: dict[str, str] | None = None,
) -> Located:
    """Put each problem beside the field its pointer names, or the nearest field above it.

    `strip` is a pointer prefix to drop first (e.g. `/record`); `rename` maps a pointer's
    dotted path to the form's own name for it where the two differ.
    """
    known = set(fields)
    labels = labels or {}
    rename = rename or {}
    out = Located()
    for problem in problems:
        pointer = problem.pointer
        if strip and (pointer == strip or pointer.startswith(strip + "/")):
            pointer = pointer[len(strip) :]
        parts = pointer_parts(pointer)
        target, rest = None, parts
        for end in range(len(parts), 0, -1):
            dotted = ".".join(parts[:end])
            dotted = rename.get(dotted, dotted)
            if dotted in known:
                target, rest = dotted, parts[end:]
                break
        if target is None:
            out.general.append((pointer or "(the whole form)", problem.message))
            continue
        # A problem inside what a field edits (an item of a list, a key of a map) says where.
        message = f"{'/'.join(rest)}: {problem.message}" if rest else problem.message
        out.by_field.setdefault(target, []).append(message)
        out.anchors.append((target, labels.get(target, target), message))
    return out

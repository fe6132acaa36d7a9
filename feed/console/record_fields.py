"""What the draft editor shows of a record: sections of inputs, tables of rows, texts by
language (pure data; `feed.console.record_form` turns records into these and back)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from feed.console.forms import Choice, FieldSpec
from feed.model.vocab import (
    AliasKind,
    Ambiguity,
    Confidence,
    EvasionTechnique,
    GroupKind,
    HashAlgorithm,
    Ideology,
    PatternKind,
    RelationType,
    Status,
    SymbolCategory,
    Tlp,
)

__all__ = ["Item", "Localized", "Section", "Table", "items_for", "sections_for"]


def _choices(values: Iterable[str], *, blank: bool = False) -> tuple[Choice, ...]:
    out = [Choice(v, v.replace("-", " ")) for v in values]
    return (Choice("", "—"), *out) if blank else tuple(out)


@dataclass(frozen=True)
class Table:
    """A list of objects edited as rows of inputs (`name.<row>.<column>`)."""

    name: str
    label: str
    columns: tuple[FieldSpec, ...]
    help: str = ""
    blank_rows: int = 1


@dataclass(frozen=True)
class Localized:
    """Text by language, edited as rows of (language, text)."""

    name: str
    label: str
    help: str = ""


Item = FieldSpec | Table | Localized


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


def _f(name: str, label: str, widget: str = "text", **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, widget, **kw)


_TYPE_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "symbol": (
        _f("category", "Category", "select", choices=_choices(SymbolCategory), required=True),
        _f("visual_description", "How it looks (in words)", "textarea"),
    ),
    "group": (
        _f("kind", "Kind of group", "select", choices=_choices(GroupKind), required=True),
        _f("founded", "Founded", help="YYYY, YYYY-MM or YYYY-MM-DD"),
        _f("dissolved", "Dissolved", help="YYYY, YYYY-MM or YYYY-MM-DD"),
        _f("affiliates", "Affiliated groups", "words", help="Record ids, e.g. group:example"),
    ),
    "manifesto": (
        _f("title", "Title it circulates under", required=True),
        _f("attack.date", "Attack: date", "date"),
        _f("attack.place", "Attack: place"),
        _f("attack.country", "Attack: country", help="Two-letter code, e.g. NZ"),
        _f("languages", "Languages of the original", "words", help="BCP 47 tags, e.g. en de"),
    ),
}

_TABLES = (
    Table(
        "aliases",
        "Aliases",
        (
            _f("value", "Alias", required=True),
            _f("language", "Language", help="BCP 47, e.g. de, und", required=True),
            _f("script", "Script", help="ISO 15924, e.g. Cyrl"),
            _f("kind", "Kind", "select", choices=_choices(AliasKind, blank=True), required=True),
            _f("first_seen", "First seen", help="YYYY[-MM[-DD]]"),
        ),
        help="Other names, translations and coded forms, in any language.",
        blank_rows=2,
    ),
    Table(
        "indicators.text_patterns",
        "Text patterns",
        (
            _f("value", "Pattern", required=True),
            _f("kind", "Kind", "select", choices=_choices(PatternKind, blank=True), required=True),
            _f("language", "Language"),
            _f("word_boundaries", "Whole words only", "checkbox", default="on"),
        ),
        help="Text to look for. Normalization settings are kept as they are.",
    ),
    Table(
        "indicators.numeric_codes",
        "Numeric codes",
        (
            _f("value", "Digits", required=True),
            _f("display", "As usually written", help="e.g. 14/88"),
            _f("meaning", "What it stands for", required=True),
        ),
    ),
    Table(
        "indicators.evasions",
        "Known evasions",
        (
            _f("value", "Disguised form", required=True),
            _f(
                "technique",
                "Technique",
                "select",
                choices=_choices(EvasionTechnique, blank=True),
                required=True,
            ),
            _f("of", "Form it disguises"),
        ),
    ),
    Table(
        "indicators.file_hashes",
        "File hashes",
        (
            _f(
                "algorithm",
                "Algorithm",
                "select",
                choices=_choices(HashAlgorithm, blank=True),
                required=True,
            ),
            _f("value", "Hash (hex)", required=True),
            _f("description", "Of what"),
        ),
    ),
    Table(
        "designations",
        "Legal designations",
        (
            _f("authority", "Authority", required=True),
            _f("jurisdiction", "Jurisdiction", help="DE, EU, UN ...", required=True),
            _f("instrument", "Instrument", required=True),
            _f("listed", "Listed", "date", required=True),
            _f("ended", "Ended", "date"),
            _f("citation", "Citation (https://)", "url", required=True),
        ),
        help="Bans, proscriptions and listings, each with its public citation.",
    ),
    Table(
        "relations",
        "Related records",
        (
            _f("type", "Relation", "select", choices=_choices(RelationType, blank=True)),
            _f("target", "Record id", help="e.g. symbol:example", required=True),
            _f("note", "Note"),
        ),
    ),
    Table(
        "sources",
        "Sources",
        (
            _f("title", "Title", required=True),
            _f("publisher", "Publisher", required=True),
            _f("url", "URL (https://)", "url", required=True),
            _f("accessed", "Accessed", "date", required=True),
        ),
        help="A public source for every fact. Never a link to a copy of a manifesto.",
        blank_rows=2,
    ),
)


def sections_for(rtype: str) -> tuple[Section, ...]:
    """The form's sections for a record of type `rtype`, guidance first."""
    return (
        Section(
            "Record",
            (
                _f("name", "Name", required=True, help="The name moderators know it by."),
                *_TYPE_FIELDS.get(rtype, ()),
                _f("status", "Status", "select", choices=_choices(Status), required=True),
            ),
        ),
        Section(
            "Moderation guidance",
            (
                _f("guidance.signals", "What it signals", "textarea", required=True, rows=4),
                _f(
                    "guidance.ambiguity",
                    "Ambiguity",
                    "select",
                    choices=_choices(Ambiguity, blank=True),
                    required=True,
                    help="low: may be actioned automatically; medium or high: needs context.",
                ),
                _f("guidance.benign_uses", "Benign uses", "lines", help="One per line."),
                _f("guidance.known_collisions", "Known collisions", "lines", help="One per line."),
            ),
        ),
        Section(
            "Summary and description",
            (
                Localized("summary", "Summary", help="An English (en) summary is required."),
                Localized("description", "Description"),
            ),
        ),
        Section(
            "Scope",
            (
                _f("ideologies", "Ideologies", "checkboxes", choices=_choices(Ideology)),
                _f("regions", "Regions", "words", help="Two-letter country codes, e.g. DE FR"),
                _f("tlp", "TLP marking", "select", choices=_choices(Tlp)),
                _f("confidence", "Editors' confidence", "select", choices=_choices(Confidence)),
            ),
        ),
        Section("Aliases", (_TABLES[0],)),
        Section("Indicators", _TABLES[1:5]),
        Section("Designations, relations and sources", _TABLES[5:]),
    )


def items_for(rtype: str) -> list[Item]:
    """Every input, table and text-by-language of the form, in order."""
    return [item for section in sections_for(rtype) for item in section.items]

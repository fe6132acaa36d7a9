"""The feedback form: which fields each kind shows, and the submission JSON a form makes (pure).

The form builds the same JSON body a client would POST to `/api/v1/feedback`, and the
console hands it to the same `submit_feedback`, so it is checked exactly like the API checks
it; the problems' pointers are the form's field names.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from feed.console.forms import Choice, FieldSpec
from feed.console.sessions import Form
from feed.model.feedback import FalsePositiveReason, FeedbackKind, UsageIntegration
from feed.model.vocab import AliasKind, EvasionTechnique

__all__ = ["KINDS", "fields_for", "submission_from"]

K = FeedbackKind


def _choices(values: list[str], labels: dict[str, str] | None = None) -> tuple[Choice, ...]:
    labels = labels or {}
    return tuple(Choice(v, labels.get(v, v.replace("-", " "))) for v in values)


#: Each kind: (label, what it is for).
KINDS: dict[str, tuple[str, str]] = {
    K.TRUE_POSITIVE: ("True positive", "Content the record matched was what the record describes."),
    K.FALSE_POSITIVE: ("False positive", "Content the record matched was not: tell us why."),
    K.INCONCLUSIVE: ("Inconclusive", "Your moderators could not tell whether the match was right."),
    K.SIGHTING: ("Sighting", "How often you saw the record's content in a period."),
    K.LABEL_DISPUTE: (
        "Label dispute",
        "A label is wrong: ideology, status, ambiguity or type.",
    ),
    K.CORRECTION: ("Correction", "A fact in the record is wrong: the field, the value, evidence."),
    K.SUGGESTION: (
        "Suggestion",
        "Something to add: an alias, a variant, an evasion, or a new record (contributors).",
    ),
    K.USAGE_REPORT: ("Usage report", "How your organisation used a release over a period."),
    K.RETRACTION: ("Retraction", "Withdraw one of your earlier submissions."),
}

RELEASE = FieldSpec("release", "Release", "select", help="The release you used.", required=True)
RECORD = FieldSpec(
    "record",
    "Record",
    help="Its id, e.g. symbol:example (shown on the record page).",
    required=True,
)
COMMENT = FieldSpec(
    "comment",
    "Comment",
    "textarea",
    help="Context for the editors, in words. No personal data, no links to extremist content.",
)
PERIOD = (
    FieldSpec("period.start", "From", "date", required=True),
    FieldSpec("period.end", "To (included)", "date", required=True),
)
_ALIAS_KINDS = _choices([k.value for k in AliasKind])
_TECHNIQUES = _choices([t.value for t in EvasionTechnique])

_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    K.TRUE_POSITIVE: (RELEASE, RECORD, COMMENT),
    K.FALSE_POSITIVE: (
        RELEASE,
        RECORD,
        FieldSpec(
            "reason",
            "Why it was not extremist content",
            "select",
            _choices([r.value for r in FalsePositiveReason]),
            required=True,
        ),
        COMMENT,
    ),
    K.INCONCLUSIVE: (RELEASE, RECORD, COMMENT),
    K.SIGHTING: (
        RELEASE,
        RECORD,
        FieldSpec("count", "Times seen", "number", required=True),
        *PERIOD,
        FieldSpec("regions", "Countries seen from", help="Two-letter codes, e.g. DE, AT."),
        COMMENT,
    ),
    K.LABEL_DISPUTE: (
        RELEASE,
        RECORD,
        FieldSpec(
            "field",
            "Disputed label",
            "select",
            (
                Choice("", "(say in the argument)"),
                Choice("/ideologies", "ideologies"),
                Choice("/status", "status"),
                Choice("/guidance/ambiguity", "ambiguity"),
                Choice("/type", "type"),
            ),
        ),
        FieldSpec(
            "argument",
            "Why the label is wrong, and what it should say",
            "textarea",
            required=True,
        ),
        COMMENT,
    ),
    K.CORRECTION: (
        RELEASE,
        RECORD,
        FieldSpec(
            "field",
            "Field to correct",
            help="Its path in the record, e.g. /aliases/0/language or /status.",
            required=True,
        ),
        FieldSpec("proposed_value", "What it should say", "textarea", required=True),
        FieldSpec(
            "proposed_value_json",
            "The value above is JSON (a list, an object, a number, true/false or null)",
            "checkbox",
        ),
        FieldSpec(
            "evidence",
            "Evidence",
            "url",
            help="A public https:// source (never a copy of a manifesto).",
            required=True,
        ),
        COMMENT,
    ),
    K.SUGGESTION: (
        RELEASE,
        FieldSpec(
            "record",
            "Record",
            help="The record to add to; leave empty when proposing a new record.",
        ),
        FieldSpec(
            "proposal.what",
            "What you propose",
            "select",
            _choices(["alias", "variant", "evasion", "new-record"]),
            required=True,
        ),
        FieldSpec("proposal.alias.value", "Alias (for an alias)"),
        FieldSpec("proposal.alias.language", "Its language (BCP 47, e.g. de, und)"),
        FieldSpec("proposal.alias.kind", "Kind of alias", "select", _ALIAS_KINDS),
        FieldSpec("proposal.value", "Variant as written (for a variant)"),
        FieldSpec("proposal.description", "How the variant differs", "textarea"),
        FieldSpec("proposal.evasion.value", "Disguised form (for an evasion)"),
        FieldSpec("proposal.evasion.technique", "Technique", "select", _TECHNIQUES),
        FieldSpec("proposal.evasion.of", "Form it disguises"),
        FieldSpec(
            "proposal.record",
            "New record (for a new record), in the editor file format (YAML)",
            "textarea",
            rows=14,
        ),
        COMMENT,
    ),
    K.USAGE_REPORT: (
        RELEASE,
        *PERIOD,
        FieldSpec(
            "integration",
            "How you use the package",
            "select",
            _choices([u.value for u in UsageIntegration]),
            required=True,
        ),
        FieldSpec("records_in_use", "Records loaded into your tools", "number"),
        FieldSpec("matches", "Content items matched in the period", "number"),
        FieldSpec("actions", "Moderation actions taken on matches", "number"),
        COMMENT,
    ),
    K.RETRACTION: (
        FieldSpec(
            "retracts",
            "Submission to withdraw",
            help="Its id, shown on the submission's page.",
            required=True,
        ),
        COMMENT,
    ),
}


def fields_for(kind: str) -> tuple[FieldSpec, ...]:
    """The fields the form shows for `kind` (an unknown kind has none)."""
    return _FIELDS.get(kind, ())


def _number(text: str) -> int | str:
    stripped = text.strip().replace(" ", "").replace("_", "")
    return int(stripped) if stripped.isdigit() and len(stripped) < 20 else text


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # refused by the validator with its own words, at this field


def _yaml_mapping(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return f"not readable as YAML{where}: {getattr(error, 'problem', error)}"


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    target = data
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


_WHAT_FIELDS = {
    "alias": ("proposal.alias.value", "proposal.alias.language", "proposal.alias.kind"),
    "variant": ("proposal.value", "proposal.description"),
    "evasion": ("proposal.evasion.value", "proposal.evasion.technique", "proposal.evasion.of"),
    "new-record": ("proposal.record",),
}
_NUMBERS = {"count", "records_in_use", "matches", "actions"}


def submission_from(kind: str, form: Form) -> dict[str, Any]:
    """The JSON body of a submission of `kind` from the form: empty fields are left out, so
    the validator names what is missing; numbers and YAML are converted, text is kept as
    typed when it cannot be (the validator then says what is wrong with it)."""
    data: dict[str, Any] = {"kind": kind}
    what = form.text("proposal.what").strip()
    for spec in fields_for(kind):
        name = spec.name
        if spec.widget == "checkbox":
            continue
        other_proposal = name.startswith("proposal.") and name != "proposal.what"
        if other_proposal and name not in _WHAT_FIELDS.get(what, ()):
            continue  # the inputs of another kind of proposal
        text = form.text(name)
        if not text.strip():
            continue
        value: Any = text.strip() if spec.widget != "textarea" else text.strip("\n")
        if name in _NUMBERS:
            value = _number(text)
        elif name == "regions":
            value = [r.upper() for r in text.replace(",", " ").split()]
        elif name == "proposed_value":
            value = _json_or_text(text.strip()) if form.has("proposed_value_json") else text
        elif name == "proposal.record":
            value = _yaml_mapping(text)
        _put(data, name, value)
    return data

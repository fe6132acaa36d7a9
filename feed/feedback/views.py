"""What submitters and editors see of a submission (plain JSON-ready data), and located problems.

The submitter's view is also the answer stored with an Idempotency-Key, so it is built once,
here, as plain data; internal triage notes appear only in the editor's view.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from feed.errors import InputError, Problem
from feed.messages import pattern_message, show
from feed.model.feedback import FeedbackKind
from feed.source_parse import pointer_of
from feed.store.feedback import SubmissionRow, TriageRow
from feed.store.ingest import NewSubmission

__all__ = [
    "editor_view",
    "iso",
    "page_cursor",
    "parse_page_cursor",
    "submission_problems",
    "submitter_view",
]

_KINDS = frozenset(k.value for k in FeedbackKind)
_PROPOSALS = frozenset({"new-record", "alias", "variant", "evasion"})


def iso(moment: datetime | None) -> str | None:
    """A UTC timestamp as ISO 8601 with `Z`, microseconds kept (sorting and cursors use them)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def submitter_view(row: SubmissionRow | NewSubmission) -> dict[str, Any]:
    """A submission as its organisation sees it: what it sent and what became of it."""
    change = (
        {"record": row.change_record_id, "revision": row.change_revision}
        if row.change_record_id is not None
        else None
    )
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "cycle": row.cycle,
        "release": row.release,
        "record": row.record_id,
        "created": iso(row.created),
        "updated": iso(row.updated),
        "status_reason": row.status_reason,
        "addressed_in": row.addressed_in,
        "record_change": change,
        "retracted_by": row.retracted_by,
        "submission": row.body,
    }


def editor_view(
    row: SubmissionRow, organisation: str, history: list[TriageRow] | None = None
) -> dict[str, Any]:
    """A submission as editors see it: who sent it, with which token, and its triage history."""
    view = submitter_view(row)
    view["organisation"] = {"id": row.organisation_id, "name": organisation}
    view["token_id"] = row.token_id
    if history is not None:
        view["history"] = [
            {
                "at": iso(step.at),
                "actor": step.actor,
                "from_status": step.from_status,
                "to_status": step.to_status,
                "reason": step.reason,
                "note": step.note,
                "addressed_in": step.addressed_in,
                "record_change": (
                    {"record": step.change_record_id, "revision": step.change_revision}
                    if step.change_record_id is not None
                    else None
                ),
            }
            for step in history
        ]
    return view


def _tokens(loc: tuple[int | str, ...]) -> list[str | int]:
    """A pydantic location without the discriminator tags it inserts for tagged unions."""
    tokens = list(loc)
    if tokens and tokens[0] in _KINDS:
        tokens = tokens[1:]
    if len(tokens) >= 2 and tokens[0] == "proposal" and tokens[1] in _PROPOSALS:
        tokens = [tokens[0], *tokens[2:]]
    return tokens


def _message(item: Any, tokens: list[str | int]) -> str:
    kind = item["type"]
    ctx = item.get("ctx") or {}
    if kind == "kpfeed":
        return str(ctx["message"])
    if kind == "missing":
        return f"missing required field '{tokens[-1]}'" if tokens else "missing"
    if kind == "extra_forbidden":
        return f"unknown field '{tokens[-1]}'" if tokens else "unknown field"
    if kind == "string_pattern_mismatch":
        return pattern_message(str(ctx.get("pattern", "")), item["input"])
    discriminator = str(ctx.get("discriminator", "kind")).strip("'")
    if kind == "union_tag_invalid":
        allowed = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"{show(ctx.get('tag'))} is not a known {discriminator} (allowed: {allowed})"
    if kind == "union_tag_not_found":
        return f"missing required field '{discriminator}'"
    if kind == "json_invalid":
        return f"the body is not valid JSON: {ctx.get('error', item['msg'])}"
    if kind == "model_type":
        return f"must be a JSON object, not {show(item['input'])}"
    return f"{item['msg']} (got {show(item['input'])})"


def submission_problems(error: ValidationError) -> list[Problem]:
    """A refused submission's errors as located Problems (JSON Pointers into the body)."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        tokens = _tokens(tuple(t for t in item["loc"] if isinstance(t, str | int)))
        kind = item["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            discriminator = str((item.get("ctx") or {}).get("discriminator", "kind")).strip("'")
            tokens = [*tokens, discriminator]
        pointer = pointer_of(tokens)
        if kind == "kpfeed":
            pointer += str((item.get("ctx") or {}).get("pointer", ""))
        problems.append(Problem(None, None, pointer, _message(item, tokens)))
    return problems


def page_cursor(row: SubmissionRow) -> str:
    """An opaque cursor for the page after `row` (newest-first order)."""
    data = orjson.dumps({"c": iso(row.created), "i": row.id})
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def parse_page_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created, id) mark of a cursor from `page_cursor`; InputError for anything else."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        created = datetime.fromisoformat(data["c"])
        ident = data["i"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InputError("the cursor is not one this API handed out") from None
    if not isinstance(ident, str) or created.tzinfo is None:
        raise InputError("the cursor is not one this API handed out")
    return created, ident

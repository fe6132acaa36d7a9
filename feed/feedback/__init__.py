"""Feedback from organisations: taking submissions in, cycles, triage, aggregates."""

from feed.feedback.cycles import close_cycle, create_cycle, cycle_view, open_cycle
from feed.feedback.stats import (
    CycleAggregate,
    RecordAggregate,
    aggregate,
    aggregates_csv,
    feedback_aggregates,
)
from feed.feedback.submit import Receipt, Submitter, request_digest, submit_feedback
from feed.feedback.triage import TRANSITIONS, Decision, draft_from_proposal, triage_feedback
from feed.feedback.views import editor_view, submission_problems, submitter_view

__all__ = [
    "TRANSITIONS",
    "CycleAggregate",
    "Decision",
    "Receipt",
    "RecordAggregate",
    "Submitter",
    "aggregate",
    "aggregates_csv",
    "close_cycle",
    "create_cycle",
    "cycle_view",
    "draft_from_proposal",
    "editor_view",
    "feedback_aggregates",
    "open_cycle",
    "request_digest",
    "submission_problems",
    "submit_feedback",
    "submitter_view",
    "triage_feedback",
]

"""The dashboard's figures: every week of the window, organisations by participation."""

from __future__ import annotations

from datetime import UTC, datetime

from feed.console.dashboard import figures, weeks_between
from feed.feedback import RecordAggregate
from feed.store.feedback_queries import SubmissionFact


def _fact(day: int, org: int, status: str = "received") -> SubmissionFact:
    return SubmissionFact(datetime(2024, 1, day, 12, tzinfo=UTC), "true-positive", status, org)


def test_weeks_without_feedback_are_shown_as_zero() -> None:
    facts = [_fact(2, 1), _fact(3, 2), _fact(24, 1, "accepted")]
    window = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))
    out = figures(facts, [], {1: "One", 2: "Two"}, window=window, status_order=["received"])
    assert out.weeks == [
        ("01 Jan", 2),
        ("08 Jan", 0),
        ("15 Jan", 0),
        ("22 Jan", 1),
        ("29 Jan", 0),
    ]
    assert out.statuses == [("received", 2), ("accepted", 1)]
    assert out.organisations == [("One", 2), ("Two", 1)]
    assert out.total == 3


def test_records_are_ranked_by_true_and_false_positives() -> None:
    records = [
        RecordAggregate("symbol:a", true_positives=1),
        RecordAggregate("symbol:b", true_positives=2, false_positives=3),
        RecordAggregate("symbol:c", sightings=10),
    ]
    out = figures([], records, {})
    assert [r.record for r in out.records] == ["symbol:b", "symbol:a"]
    assert out.weeks == []


def test_weeks_between_starts_on_mondays() -> None:
    mondays = weeks_between(datetime(2024, 1, 3).date(), datetime(2024, 1, 15).date())
    assert [d.isoformat() for d in mondays] == ["2024-01-01", "2024-01-08", "2024-01-15"]

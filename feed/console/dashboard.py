"""The cycle dashboard's figures, from submission facts and per-record aggregates (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from feed.feedback import RecordAggregate
from feed.store.feedback_queries import SubmissionFact

__all__ = ["Figures", "figures", "weeks_between"]

#: Records shown in the true/false-positive chart: those with the most such reports.
TOP_RECORDS = 15


@dataclass(frozen=True)
class Figures:
    """What the dashboard plots, each as (labels, values) or per-record rows."""

    weeks: list[tuple[str, int]]
    statuses: list[tuple[str, int]]
    organisations: list[tuple[str, int]]
    records: list[RecordAggregate]
    total: int


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> list[date]:
    """Every Monday from the week of `first` to the week of `last`, empty weeks included."""
    start = first - timedelta(days=first.weekday())
    out = []
    while start <= last:
        out.append(start)
        start += timedelta(days=7)
    return out


def figures(
    facts: Sequence[SubmissionFact],
    records: Iterable[RecordAggregate],
    organisation_names: Mapping[int, str],
    *,
    window: tuple[datetime, datetime] | None = None,
    status_order: Sequence[str] = (),
) -> Figures:
    """Submissions per week (over the cycle's window when given), per status, per organisation,
    and the records with the most true and false positives."""
    per_week = Counter(_monday(f.created) for f in facts)
    first: date | None
    last: date | None
    if window is not None:
        first, last = window[0].date(), (window[1] - timedelta(microseconds=1)).date()
    elif facts:
        first, last = facts[0].created.date(), facts[-1].created.date()
    else:
        first = last = None
    weeks = (
        [(f"{w:%d %b}", per_week.get(w, 0)) for w in weeks_between(first, last)]
        if first is not None and last is not None
        else []
    )
    statuses = Counter(f.status for f in facts)
    order = list(status_order) + sorted(set(statuses) - set(status_order))
    per_org = Counter(f.organisation_id for f in facts)
    organisations = sorted(
        ((organisation_names.get(org, f"organisation {org}"), n) for org, n in per_org.items()),
        key=lambda item: (-item[1], item[0]),
    )
    ranked = sorted(
        (r for r in records if r.true_positives or r.false_positives),
        key=lambda r: (-(r.true_positives + r.false_positives), r.record),
    )
    return Figures(
        weeks=weeks,
        statuses=[(s, statuses.get(s, 0)) for s in order],
        organisations=organisations,
        records=ranked[:TOP_RECORDS],
        total=len(facts),
    )

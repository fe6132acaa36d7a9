"""Aggregates of feedback per record and per cycle, and their CSV form (pure, given the counts).

Retractions and retracted submissions are left out: a retracted opinion is no opinion.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlmodel import Session

from feed.model.feedback import FalsePositiveReason, FeedbackKind
from feed.store.feedback_queries import (
    FeedbackFilter,
    KindCount,
    count_organisations,
    count_rows,
    organisations_per_record,
)

__all__ = [
    "CycleAggregate",
    "RecordAggregate",
    "aggregate",
    "aggregates_csv",
    "csv_cell",
    "feedback_aggregates",
]

K = FeedbackKind


@dataclass
class RecordAggregate:
    """What organisations said about one record."""

    record: str
    true_positives: int = 0
    false_positives: int = 0
    false_positive_reasons: dict[str, int] = field(default_factory=dict)
    inconclusive: int = 0
    sighting_reports: int = 0
    sightings: int = 0
    label_disputes: int = 0
    corrections: int = 0
    suggestions: int = 0
    organisations: int = 0

    @property
    def disputed(self) -> bool:
        """Organisations disagree: the record got both true and false positives."""
        return self.true_positives > 0 and self.false_positives > 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "disputed": self.disputed}


@dataclass
class CycleAggregate:
    """Totals over all matching feedback."""

    submissions: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    organisations: int = 0
    records: int = 0
    disputed_records: int = 0
    sightings: int = 0


_COUNTERS = {
    K.TRUE_POSITIVE: "true_positives",
    K.FALSE_POSITIVE: "false_positives",
    K.INCONCLUSIVE: "inconclusive",
    K.SIGHTING: "sighting_reports",
    K.LABEL_DISPUTE: "label_disputes",
    K.CORRECTION: "corrections",
    K.SUGGESTION: "suggestions",
}


def aggregate(
    counts: Iterable[KindCount], organisations: Mapping[str | None, int], total_organisations: int
) -> tuple[CycleAggregate, list[RecordAggregate]]:
    """Per-cycle totals and per-record aggregates (sorted by record id) from grouped counts."""
    totals = CycleAggregate(organisations=total_organisations)
    records: dict[str, RecordAggregate] = {}
    for row in counts:
        totals.submissions += row.submissions
        totals.by_kind[row.kind] = totals.by_kind.get(row.kind, 0) + row.submissions
        totals.sightings += row.sightings
        if row.record_id is None:
            continue
        agg = records.setdefault(row.record_id, RecordAggregate(row.record_id))
        counter = _COUNTERS.get(FeedbackKind(row.kind))
        if counter is not None:
            setattr(agg, counter, getattr(agg, counter) + row.submissions)
        agg.sightings += row.sightings
        if row.kind == K.FALSE_POSITIVE and row.reason is not None:
            reasons = agg.false_positive_reasons
            reasons[row.reason] = reasons.get(row.reason, 0) + row.submissions
    for record_id, agg in records.items():
        agg.organisations = organisations.get(record_id, 0)
    ordered = [records[rid] for rid in sorted(records)]
    totals.records = len(ordered)
    totals.disputed_records = sum(1 for agg in ordered if agg.disputed)
    return totals, ordered


def feedback_aggregates(
    session: Session, where: FeedbackFilter
) -> tuple[CycleAggregate, list[RecordAggregate]]:
    """Aggregates of the (not retracted) feedback matching `where`."""
    live = FeedbackFilter(**{**asdict(where), "retracted": False})
    return aggregate(
        count_rows(session, live),
        organisations_per_record(session, live),
        count_organisations(session, live),
    )


def csv_cell(value: Any) -> str:
    """A value for a CSV cell; text a spreadsheet would run as a formula is quoted with `'`.

    Submissions come from outside: `=HYPERLINK(...)` in a comment must stay text when an
    editor opens the export (CSV injection).
    """
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _text(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


_REASONS = [r.value for r in FalsePositiveReason]
RECORD_COLUMNS = [f.name for f in fields(RecordAggregate) if f.name != "false_positive_reasons"] + [
    "disputed"
]


def aggregates_csv(records: Sequence[RecordAggregate]) -> str:
    """Per-record aggregates as CSV: one row per record, a column per false-positive reason."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RECORD_COLUMNS + [f"false_positive:{r}" for r in _REASONS])
    for agg in records:
        data = agg.to_dict()
        row = [data[name] for name in RECORD_COLUMNS]
        row += [agg.false_positive_reasons.get(r, 0) for r in _REASONS]
        writer.writerow([csv_cell(_text(v)) for v in row])
    return out.getvalue()


def rows_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text, one line at a time (for streaming exports), every cell through `csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(header))
    yield out.getvalue()
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow([csv_cell(v) for v in row])
        yield out.getvalue()

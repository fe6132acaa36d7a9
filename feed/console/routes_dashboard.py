"""The cycle dashboard: feedback per week, true vs false positives per record, participation
per organisation and the status of submissions, as server-drawn SVG charts with their numbers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.engine import Engine
from starlette.responses import Response

from feed.console.charts import Series, bar_chart, grouped_bars
from feed.console.dashboard import figures
from feed.console.routes_feedback import STATUS_LABELS
from feed.console.sessions import EditorVisit
from feed.console.web import PREFIX, page
from feed.feedback import feedback_aggregates
from feed.feedback.cycles import CYCLE_NAME
from feed.store.db import transaction
from feed.store.feedback import CycleState, get_cycle, list_cycles
from feed.store.feedback_queries import FeedbackFilter, organisation_names, submission_facts

__all__ = ["router"]

router = APIRouter(prefix=f"{PREFIX}/editor", include_in_schema=False)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@router.get("/dashboard")
def dashboard(
    request: Request,
    visitor: EditorVisit,
    cycle: Annotated[str | None, Query(pattern=CYCLE_NAME)] = None,
) -> Response:
    """One feedback cycle at a glance (default: the open cycle, else the latest)."""
    with transaction(_engine(request)) as session:
        cycles = list_cycles(session)
        chosen = None
        if cycle is not None:
            chosen = get_cycle(session, cycle)
        elif cycles:
            chosen = next((c for c in cycles if c.state == CycleState.OPEN), cycles[-1])
        where = FeedbackFilter(cycle=chosen.name if chosen else None, retracted=False)
        facts = submission_facts(session, where) if chosen else []
        totals, records = feedback_aggregates(session, where) if chosen else (None, [])
        names = organisation_names(session, {f.organisation_id for f in facts})
    figs = figures(
        facts,
        records,
        names,
        window=(chosen.window_start, chosen.window_end) if chosen else None,
        status_order=list(STATUS_LABELS),
    )
    charts = {
        "weeks": bar_chart(
            "weeks",
            "Feedback per week",
            [label for label, _ in figs.weeks],
            [n for _, n in figs.weeks],
        ),
        "records": grouped_bars(
            "records",
            "True and false positives per record",
            [agg.record for agg in figs.records],
            [
                Series("true positives", "tp", [agg.true_positives for agg in figs.records]),
                Series("false positives", "fp", [agg.false_positives for agg in figs.records]),
            ],
        ),
        "organisations": grouped_bars(
            "organisations",
            "Submissions per organisation",
            [name for name, _ in figs.organisations],
            [Series("submissions", "bar", [n for _, n in figs.organisations])],
        ),
        "statuses": bar_chart(
            "statuses",
            "Status of submissions",
            [STATUS_LABELS.get(s, s) for s, _ in figs.statuses],
            [n for _, n in figs.statuses],
            css_per_bar=[f"status-{s}" for s, _ in figs.statuses],
            height=200,
        ),
    }
    return page(
        request,
        "dashboard.html",
        cycles=cycles,
        chosen=chosen,
        figures=figs,
        totals=totals,
        charts=charts,
        statuses=STATUS_LABELS,
    )

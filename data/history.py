"""Visit history: what published plans served, which the demand model reads (weeks since a place's last visit)."""

from __future__ import annotations

import datetime as dt
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import PlanRow, StopRow
from scheduler.demand import VisitRecord


def visit_history(session: Session, *, before: date, weeks: int) -> list[VisitRecord]:
    """Stops of published plans in the ``weeks`` weeks before ``before``: for each week, its published plan."""
    start = before - dt.timedelta(weeks=weeks)
    latest: dict[date, int] = {}
    for row in session.scalars(
        select(PlanRow).where(
            PlanRow.published_at.is_not(None),
            PlanRow.superseded_at.is_(None),
            PlanRow.week_start >= start,
            PlanRow.week_start < before,
        )
    ):
        latest[row.week_start] = max(latest.get(row.week_start, 0), row.id)
    if not latest:
        return []
    rows = session.scalars(select(StopRow).where(StopRow.plan_id.in_(latest.values()), StopRow.date < before))
    return [VisitRecord(r.place_id, r.date, r.expected_citizens) for r in rows]

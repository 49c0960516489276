"""Counts over the ``jobs`` table for monitoring: how many jobs are in each state, and since when the oldest queued
one has waited. One grouped query; read-only (kept apart from ``data.jobs``, which changes jobs)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import JobRow


@dataclasses.dataclass(frozen=True, slots=True)
class JobStateCount:
    status: str
    count: int
    oldest_created_at: datetime | None
    """When the state's oldest job was created (None for an empty state)."""


def count_jobs_by_state(session: Session) -> list[JobStateCount]:
    """Every state that has jobs, with its count and the creation time of its oldest job."""
    rows = session.execute(
        select(JobRow.status, func.count(JobRow.id), func.min(JobRow.created_at)).group_by(JobRow.status)
    )
    return [JobStateCount(status, int(count), oldest) for status, count, oldest in rows]

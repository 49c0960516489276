"""What the monitoring scrape reads from the database: jobs by state, the queue's depth and how long its oldest
job has waited. Read at scrape time, so every API process reports the same figures whichever one is asked."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy.orm import Session

from data.job_stats import count_jobs_by_state
from data.jobs import JobStatus


@dataclasses.dataclass(frozen=True, slots=True)
class JobFigures:
    by_state: dict[str, int]
    """Every job state (queued, running, succeeded, failed, cancelled), zero included."""
    oldest_queued_age_s: float
    """Seconds the oldest queued job has waited; 0 when nothing is queued."""

    @property
    def queued(self) -> int:
        return self.by_state[JobStatus.QUEUED.value]


def job_figures(session: Session, *, now: datetime) -> JobFigures:
    """The jobs table summed up at ``now`` (aware UTC)."""
    counts = {state.value: 0 for state in JobStatus}
    oldest_queued: datetime | None = None
    for row in count_jobs_by_state(session):
        counts[row.status] = row.count
        if row.status == JobStatus.QUEUED.value:
            oldest_queued = row.oldest_created_at
    age = 0.0 if oldest_queued is None else max(0.0, (now - oldest_queued).total_seconds())
    return JobFigures(counts, age)

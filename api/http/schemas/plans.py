"""Pydantic models of the plan lifecycle: solve jobs, hand edits of a stored plan, publishing.

Requests are validated here (422 naming the field); responses are converted from ``api.services.jobs.StoredJob``
and ``scheduler.validator.Violation`` at the edge.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.services.jobs import MAX_TIME_LIMIT_S, MIN_TIME_LIMIT_S, JobStatus, StoredJob
from scheduler.validator import Violation

MAX_ID = 2**31 - 1
"""Ids and versions are 32-bit INTEGER columns: anything larger is refused (422) before it reaches the database."""
PlanId = Annotated[int, Path(ge=1, le=MAX_ID, description="A stored plan's id.")]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="A job's id.")]

TIME_LIMIT_S = Field(
    30.0,
    ge=MIN_TIME_LIMIT_S,
    le=MAX_TIME_LIMIT_S,
    description="The solver's time budget in seconds (1 to 600); the job takes a little longer.",
)


class PlanJobCreate(BaseModel):
    """Plan a week in the background."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"week_start": "2026-11-23", "time_limit_s": 30}]}
    )

    week_start: dt.date = Field(description="The Monday the week starts on, YYYY-MM-DD.")
    time_limit_s: float = TIME_LIMIT_S

    @field_validator("week_start")
    @classmethod
    def _monday(cls, value: dt.date) -> dt.date:
        if value.weekday() != 0:
            raise ValueError(f"week_start must be a Monday; {value.isoformat()} is a {value:%A}")
        return value


class ReoptimizeCreate(BaseModel):
    """Re-optimise a stored plan in the background (optional body)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"time_limit_s": 30}]})

    time_limit_s: float = TIME_LIMIT_S


class JobPublic(BaseModel):
    """A background solve. Poll ``GET /jobs/{id}`` until ``status`` is final."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "kind": "plan",
                    "status": "running",
                    "progress": 0.42,
                    "best_objective": 183200400.0,
                    "message": "running",
                    "plan_id": None,
                    "params": {"week_start": "2026-11-23", "time_limit_s": 30},
                    "created_at": "2026-11-20T08:00:00Z",
                    "updated_at": "2026-11-20T08:00:12Z",
                }
            ]
        }
    )

    id: int
    kind: Literal["plan", "reoptimize"]
    status: JobStatus = Field(description="queued, running, succeeded, failed or cancelled.")
    progress: float = Field(ge=0, le=1, description="0 when queued, 1 when succeeded; an estimate in between.")
    best_objective: float | None = Field(description="The best objective the solver has reported so far.")
    message: str = Field(description="What happened, e.g. why the job failed.")
    plan_id: int | None = Field(description="The stored plan, once the job succeeded.")
    params: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, job: StoredJob) -> JobPublic:
        return cls(
            id=job.id,
            kind="reoptimize" if job.kind == "reoptimize" else "plan",
            status=job.status,
            progress=job.progress,
            best_objective=job.best_objective,
            message=job.message,
            plan_id=job.plan_id,
            params=job.params,
            created_at=job.created_at,
            updated_at=job.updated_at,
        )


class StopEditRequest(BaseModel):
    """Lock, unlock or move one stop of a stored plan read at ``version``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "vehicle_id": "BUS-01",
                    "date": "2026-11-24",
                    "place_id": "AZ-OGU",
                    "action": "move",
                    "to_vehicle_id": "BUS-05",
                    "to_date": "2026-11-25",
                },
                {"version": 2, "vehicle_id": "BUS-01", "date": "2026-11-23", "place_id": "AZ-QAB", "action": "lock"},
            ]
        },
    )

    version: int = Field(ge=1, le=MAX_ID, description="The plan version edited; another version answers 409.")
    vehicle_id: str
    date: dt.date
    place_id: str
    action: Literal["lock", "unlock", "move"]
    to_vehicle_id: str | None = Field(None, description="move: the vehicle that takes the stop (default: the same).")
    to_date: dt.date | None = Field(None, description="move: the date it moves to, same times of day (default: same).")

    @model_validator(mode="after")
    def _targets_only_for_a_move(self) -> StopEditRequest:
        targets = self.to_vehicle_id is not None or self.to_date is not None
        if self.action == "move" and not targets:
            raise ValueError("to_vehicle_id or to_date: a move needs at least one of them")
        if self.action != "move" and targets:
            raise ValueError(f"to_vehicle_id and to_date: only a move takes them, not {self.action}")
        return self


class ViolationPublic(BaseModel):
    code: str
    vehicle_id: str | None
    message: str

    @classmethod
    def of(cls, violation: Violation) -> ViolationPublic:
        return cls(code=violation.code, vehicle_id=violation.vehicle_id, message=violation.message)


class StopEditResult(BaseModel):
    """The plan's new version and what the independent validator finds in the edited plan."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "violations": [
                        {
                            "code": "not_a_service_day",
                            "vehicle_id": "BUS-01",
                            "message": "BUS-01 at AZ-OGU on 2026-11-28: not a service day (weekend, holiday or "
                            "outside the week)",
                        }
                    ],
                }
            ]
        }
    )

    version: int
    violations: list[ViolationPublic]
    plan_id: int | None = Field(
        None,
        description="Where the edit is stored: the plan itself while a draft; a new draft plan (version 1) when the "
        "plan was published, which the public keeps seeing until the draft is published.",
    )


class PlanSummary(BaseModel):
    """One stored plan in a list: its week, life-cycle status, version, KPIs and warnings for the planner."""

    id: int
    week_start: dt.date
    status: Literal["draft", "published", "superseded"]
    version: int
    created_at: dt.datetime | None
    published_at: dt.datetime | None
    superseded_at: dt.datetime | None
    warnings: list[str]
    kpis: dict[str, float | int]


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 3}]})

    version: int = Field(ge=1, le=MAX_ID, description="The plan version being published; another version answers 409.")
    force: bool = Field(
        False,
        description="Publish even though a newer plan of the week is published (going back to an older plan).",
    )


class PublishResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"plan_id": 4, "version": 4, "published": True, "published_at": "2026-11-20T09:30:00Z"}]
        }
    )

    plan_id: int
    version: int
    published: bool
    published_at: dt.datetime


class Conflict(BaseModel):
    """A 409: the plan changed since it was read, a locked stop, a finished job, or a plan that breaks rules."""

    detail: str | dict[str, Any]

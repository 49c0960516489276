"""Visit requests from regional offices, and why one was left unserved.

A request names a place (the API resolves a point or a settlement name to one), a date window, the citizens
expected, the services they need and a priority. It weighs more than background demand in the objective; every
request a plan does not serve gets one ``Reason`` and a sentence a regional office can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class Reason(StrEnum):
    """Why a request is not in the plan, in the order they are checked."""

    NO_VEHICLE_OFFERS_SERVICES = "no_vehicle_offers_services"
    """No vehicle of the fleet offers every service the request needs."""
    NO_SERVICE_DAY = "no_service_day"
    """Every day of the window is a weekend, a public holiday, outside the week or a maintenance day."""
    UNREACHABLE = "unreachable"
    """No capable vehicle can get there and back within the window and the driving rules."""
    CAPACITY = "capacity"
    """More citizens than the capable vehicles can serve in the window's service days."""
    CENTRE_NEARBY = "centre_nearby"
    """An open fixed centre offering the services is within reach, so a visit would spare its citizens no travel."""
    DISPLACED = "displaced"
    """Capable vehicles were free to go but served visits worth more on those days."""


@dataclass(frozen=True, slots=True)
class VisitRequest:
    id: str
    place_id: str
    window_start: date
    window_end: date
    expected_citizens: int
    services: tuple[str, ...] = ()
    priority: Priority = Priority.NORMAL
    office: str | None = None

    def covers(self, day: date) -> bool:
        return self.window_start <= day <= self.window_end


@dataclass(frozen=True, slots=True)
class Unserved:
    """A request the plan does not serve: the reason code, a sentence, and the visits that took its place."""

    request_id: str
    reason: Reason
    message: str
    displaced_by: tuple[str, ...] = ()
    """For ``displaced``: "vehicle date place" of the stops the capable vehicles made instead."""

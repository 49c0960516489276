"""Which dates of a week a mobile unit serves citizens: Monday to Friday, public holidays skipped."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BAKU = ZoneInfo("Asia/Baku")
WORKING_DAYS = 5


class WeekError(ValueError):
    """A week that cannot be planned (not a Monday, or every day a holiday)."""


def parse_week_start(text: str) -> date:
    """Parse ``YYYY-MM-DD`` naming the Monday a planning week starts on."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise WeekError(f"week must be a date as YYYY-MM-DD, got {text!r}") from None
    if day.weekday() != 0:
        raise WeekError(f"week must start on a Monday; {day.isoformat()} is a {day.strftime('%A')}")
    return day


def next_week_start(today: date) -> date:
    """The Monday after ``today`` (a planner plans the coming week, never the running one)."""
    return today + timedelta(days=7 - today.weekday())


def service_dates(week_start: date, holidays: Collection[date]) -> tuple[date, ...]:
    """Monday to Friday of the week, without public holidays."""
    days = tuple(d for d in (week_start + timedelta(days=i) for i in range(WORKING_DAYS)) if d not in holidays)
    if not days:
        raise WeekError(f"every working day of the week of {week_start.isoformat()} is a public holiday")
    return days


def local_datetime(week_start: date, minute: int) -> datetime:
    """The Asia/Baku time ``minute`` minutes after local midnight on Monday ``week_start``."""
    return datetime.combine(week_start, time(), tzinfo=BAKU) + timedelta(minutes=minute)


def minute_of_week(week_start: date, moment: datetime) -> int:
    """Inverse of ``local_datetime``: minutes since local midnight of ``week_start``."""
    start = datetime.combine(week_start, time(), tzinfo=BAKU)
    return int((moment - start).total_seconds() // 60)

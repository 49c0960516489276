from datetime import date

import pytest

from scheduler.calendar import (
    WeekError,
    local_datetime,
    minute_of_week,
    next_week_start,
    parse_week_start,
    service_dates,
)


def test_next_week_start_is_the_following_monday() -> None:
    """A planner on any day of a week plans the week that starts the next Monday."""
    assert next_week_start(date(2026, 11, 21)) == date(2026, 11, 23)
    assert next_week_start(date(2026, 11, 23)) == date(2026, 11, 30)


def test_service_dates_skip_weekend_and_holidays() -> None:
    """Monday to Friday, minus the holidays given."""
    days = service_dates(date(2026, 11, 9), {date(2026, 11, 9), date(2026, 11, 10)})
    assert days == (date(2026, 11, 11), date(2026, 11, 12), date(2026, 11, 13))


def test_a_week_of_holidays_cannot_be_planned() -> None:
    """A week with no service day is an error, not an empty plan."""
    monday = date(2026, 11, 23)
    with pytest.raises(WeekError, match="holiday"):
        service_dates(monday, {date(2026, 11, 23 + i) for i in range(5)})


@pytest.mark.parametrize(
    ("text", "message"), [("2026-11-24", "Monday"), ("next week", "YYYY-MM-DD"), ("2026-13-01", "YYYY-MM-DD")]
)
def test_parse_week_start_rejects_bad_weeks(text: str, message: str) -> None:
    """Only an ISO date that is a Monday names a week; the error says which rule failed."""
    with pytest.raises(WeekError, match=message):
        parse_week_start(text)


def test_minute_of_week_round_trips_in_baku_time() -> None:
    """Minute 0 is local midnight on Monday in Asia/Baku (UTC+4)."""
    monday = date(2026, 11, 23)
    moment = local_datetime(monday, 1440 + 9 * 60)
    assert moment.isoformat() == "2026-11-24T09:00:00+04:00"
    assert minute_of_week(monday, moment) == 1440 + 540

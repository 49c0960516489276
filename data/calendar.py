"""Azerbaijani public holidays, from the maintained ``holidays`` package rather than a hand-kept list."""

from __future__ import annotations

from datetime import date, timedelta

import holidays


def public_holidays(week_start: date) -> dict[date, str]:
    """Holidays (date → name) falling in the 7 days from ``week_start``."""
    days = {week_start + timedelta(days=i) for i in range(7)}
    calendar = holidays.country_holidays("AZ", years=sorted({d.year for d in days}))
    return {d: str(calendar[d]) for d in sorted(days) if d in calendar}

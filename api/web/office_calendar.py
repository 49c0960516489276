"""An office's scheduled visits as an iCalendar file: one event per stop that serves one of its requests (a large
request cut into day parts is several stops), so the office can put them in its own calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from api.services.requests import RequestStatus, StoredRequest
from maps.ical import fold_ics_line, ics_text, ics_utc
from scheduler.domain import Network
from scheduler.naming import place_label


def office_visits_ics(requests: Sequence[StoredRequest], network: Network, *, office: str) -> str:
    """The calendar of ``requests``' scheduled visits (others are skipped), times in UTC."""
    stamp = datetime.now(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sefer//ASAN mobile service visits//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(f'Səfər · {office}')}",
        "X-WR-TIMEZONE:Asia/Baku",
    ]
    for request in requests:
        if request.status is not RequestStatus.SCHEDULED:
            continue
        for n, visit in enumerate(request.outcome.get("visits", ())):
            label = place_label(network, str(visit["place_id"]), "az")
            summary = f"{visit['vehicle_id']}: {label} ({request.id})"
            lines += [
                "BEGIN:VEVENT",
                f"UID:{request.id}-{n}@sefer",
                f"DTSTAMP:{ics_utc(stamp)}",
                f"DTSTART:{ics_utc(datetime.fromisoformat(visit['arrive']))}",
                f"DTEND:{ics_utc(datetime.fromisoformat(visit['depart']))}",
                f"SUMMARY:{ics_text(summary)}",
                f"LOCATION:{ics_text(label)}",
                f"DESCRIPTION:{ics_text(f'{request.expected_citizens} citizens expected; request {request.id}')}",
                "STATUS:CONFIRMED",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(fold_ics_line(line) + "\r\n" for line in lines)

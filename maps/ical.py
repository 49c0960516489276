"""iCalendar (RFC 5545) text helpers shared by the public feed and the crews' calendars."""

from __future__ import annotations

from datetime import UTC, datetime


def ics_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold_ics_line(line: str, limit: int = 75) -> str:
    """Fold a content line into lines of at most ``limit`` octets (CRLF and a space start each continuation),
    never splitting a UTF-8 character (RFC 5545 §3.1)."""
    pieces: list[str] = []
    current, size = "", 0
    budget = limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > budget:
            pieces.append(current)
            current, size = "", 0
            budget = limit - 1  # the leading space of a continuation line counts
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def ics_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

"""The limits every adapter shares: the HTTP schemas declare them, the use cases enforce them, so the CLI and the
API refuse the same inputs."""

from __future__ import annotations

MAX_CITIZENS = 2000
"""Citizens one visit request may announce (a bus serves about 120 a day; more is a campaign, not a visit)."""
MAX_NOTE_CHARS = 500
MAX_WINDOW_DAYS = 60
"""A request's window holds at most this many days, counting both ends."""
MAX_SERVICES = 20
MAX_PLACE_ID_CHARS = 64
MAX_SETTLEMENT_CHARS = 200
MAX_NAME_CHARS = 200
MAX_MAINTENANCE_AHEAD_DAYS = 366
"""A maintenance day is booked for today or up to a year ahead; the past is history, not a booking."""
MAX_POPULATION = 20_000_000
"""Far above any unit of Azerbaijan (Baku: about 2.3 million); a larger figure is a typing error."""

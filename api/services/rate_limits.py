"""Requests per principal: a fixed one-minute window, reads and writes counted apart, in the database so the limit
holds across API processes. Each authenticated request costs one upsert (``data.request_counts``) and its commit;
public endpoints have no principal and cost nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from api.errors import TooManyRequests
from data import request_counts as store

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class RequestRates:
    """Requests a principal may make a minute (``SEFER_RATE_LIMIT_*_PER_MINUTE``); 0 turns that limit off."""

    reads_per_minute: int
    writes_per_minute: int


def count_request(
    session: Session, *, principal_id: int, write: bool, rates: RequestRates, now: datetime | None = None
) -> None:
    """Count one request by the principal (committed at once, so a refused or failing request counts too) and
    raise ``TooManyRequests``, with the seconds left in the window, once the minute's count passes its limit."""
    kind = "write" if write else "read"
    allowed = rates.writes_per_minute if write else rates.reads_per_minute
    if allowed <= 0:
        return
    now = now or datetime.now(UTC)
    window = now.replace(second=0, microsecond=0)
    count = store.count_request(session, principal_id=principal_id, kind=kind, window_start=window)
    session.commit()
    if count > allowed:
        retry_after_s = max(1, math.ceil((window + WINDOW - now).total_seconds()))
        raise TooManyRequests(
            f"more than {allowed} {kind}s a minute by this principal; try again in {retry_after_s} s",
            limit=f"rate_limit_{kind}s_per_minute",
            allowed=allowed,
            retry_after_s=retry_after_s,
        )

"""The audit log's use cases: record a change someone asked for (never failing the change itself) and read the
log (admins)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from data import audit as store
from data.audit import AuditEntry as AuditEntry

log = logging.getLogger(__name__)

MAX_ENTRIES = 1000
"""The most entries one read returns."""


def record(sessions: sessionmaker[Session], entry: AuditEntry) -> bool:
    """Append ``entry`` in its own transaction; False (and a log line) when the database refuses, so that an
    audit write never turns an answered request into an error."""
    try:
        with sessions.begin() as session:
            store.append(session, entry)
    except SQLAlchemyError as exc:
        log.warning("audit entry %s not recorded: %s", entry.request_id, type(exc).__name__)
        return False
    return True


def audit_log(session: Session, *, limit: int = 100, principal_id: int | None = None) -> list[AuditEntry]:
    """The newest ``limit`` entries (at most ``MAX_ENTRIES``), of one principal if given."""
    return store.recent(session, limit=max(1, min(limit, MAX_ENTRIES)), principal_id=principal_id)

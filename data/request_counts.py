"""Requests per principal and minute: one upsert per request, the same statement shape on SQLite and PostgreSQL.

Keyword-only functions taking a ``Session``; they flush but never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data.models import RequestCountRow


def count_request(session: Session, *, principal_id: int, kind: str, window_start: datetime) -> int:
    """Count one request of ``kind`` by the principal in the window starting at ``window_start`` and return the
    window's count so far, this request included. One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: the
    row is reset to 1 when it holds an older window, so there is one row per principal and kind and nothing to
    clean up; concurrent requests (other processes too) serialise on the row and each sees its own count.

    On PostgreSQL the transaction's commit does not wait for the disk (``synchronous_commit`` off for it alone):
    a count lost in a crash lets a client a few more requests, and every request saves the flush's wait."""
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    if on_postgresql:
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    insert = postgresql.insert if on_postgresql else sqlite.insert
    row = RequestCountRow
    new = insert(row).values(principal_id=principal_id, kind=kind, window_start=window_start, count=1)
    same_window = row.window_start == new.excluded.window_start
    upsert = new.on_conflict_do_update(
        index_elements=[row.principal_id, row.kind],
        set_={"count": case((same_window, row.count + 1), else_=1), "window_start": new.excluded.window_start},
    ).returning(row.count)
    counted: int = session.execute(upsert).scalar_one()
    return counted

"""The audit log's rows: appended, listed newest first, never changed (the table's triggers refuse it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditRow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    request_id: str
    principal_id: int | None
    principal: str
    role: str
    action: str
    objects: dict[str, Any]
    status: int
    address: str
    id: int | None = None


def append(session: Session, entry: AuditEntry) -> None:
    session.add(
        AuditRow(
            at=entry.at,
            request_id=entry.request_id,
            principal_id=entry.principal_id,
            principal=entry.principal,
            role=entry.role,
            action=entry.action[:200],
            objects=entry.objects,
            status=entry.status,
            address=entry.address[:64],
        )
    )


def recent(session: Session, *, limit: int, principal_id: int | None = None) -> list[AuditEntry]:
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if principal_id is not None:
        query = query.where(AuditRow.principal_id == principal_id)
    return [_entry(r) for r in session.scalars(query)]


def _entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(
        r.at, r.request_id, r.principal_id, r.principal, r.role, r.action, dict(r.objects), r.status, r.address, r.id
    )

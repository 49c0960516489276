"""Principals: who may call the API (planner, office, admin), known by the SHA-256 of their bearer token.

Keyword-only functions taking a ``Session``; writing ones flush but never commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import PrincipalRow


@dataclasses.dataclass(frozen=True, slots=True)
class StoredPrincipal:
    id: int
    name: str
    role: str
    places: tuple[str, ...]


def add_principal(session: Session, *, name: str, role: str, places: Iterable[str], token_sha256: str) -> int:
    row = PrincipalRow(
        name=name,
        role=role,
        places=sorted(set(places)),
        token_sha256=token_sha256,
        created_at=datetime.now(UTC),
        revoked=False,
    )
    session.add(row)
    session.flush()
    return row.id


def principal_by_token(session: Session, *, token_sha256: str) -> StoredPrincipal | None:
    """The principal holding that token, unless revoked."""
    row = session.scalar(
        select(PrincipalRow).where(PrincipalRow.token_sha256 == token_sha256, PrincipalRow.revoked.is_(False))
    )
    return None if row is None else StoredPrincipal(row.id, row.name, row.role, tuple(row.places))


def list_principals(session: Session) -> list[tuple[StoredPrincipal, bool]]:
    """Every principal with whether its token is revoked, oldest first."""
    rows = session.scalars(select(PrincipalRow).order_by(PrincipalRow.id))
    return [(StoredPrincipal(r.id, r.name, r.role, tuple(r.places)), r.revoked) for r in rows]


def revoke_principal(session: Session, *, principal_id: int) -> StoredPrincipal | None:
    """Mark the principal's token revoked; None when there is no such principal."""
    row = session.get(PrincipalRow, principal_id)
    if row is None:
        return None
    row.revoked = True
    session.flush()
    return StoredPrincipal(row.id, row.name, row.role, tuple(row.places))

"""Principals: who may call the API (planner, office, admin), known by the SHA-256 of their bearer token.

Keyword-only functions taking a ``Session``; writing ones flush but never commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from data.models import PrincipalRow


@dataclasses.dataclass(frozen=True, slots=True)
class StoredPrincipal:
    id: int
    name: str
    role: str
    places: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class TokenInfo:
    """A principal as ``sefer token list`` shows it: its token's state, never the token."""

    principal: StoredPrincipal
    revoked: bool
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    previous_expires_at: datetime | None


def add_principal(
    session: Session,
    *,
    name: str,
    role: str,
    places: Iterable[str],
    token_sha256: str,
    expires_at: datetime | None = None,
) -> int:
    row = PrincipalRow(
        name=name,
        role=role,
        places=sorted(set(places)),
        token_sha256=token_sha256,
        created_at=datetime.now(UTC),
        revoked=False,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row.id


def principal_by_token(
    session: Session, *, token_sha256: str, now: datetime | None = None, touch_every: timedelta | None = None
) -> tuple[StoredPrincipal, bool] | None:
    """The principal holding that token, unless revoked or expired: its current token before ``expires_at``, or
    the one before the last rotation before ``previous_expires_at``; and whether its last use was written. With
    ``touch_every``, ``last_used_at`` is set to ``now`` only when older than that (one guarded UPDATE, not
    committed), so a busy token costs one write a minute, not one per call."""
    now = now or datetime.now(UTC)
    current = (PrincipalRow.token_sha256 == token_sha256) & (
        PrincipalRow.expires_at.is_(None) | (PrincipalRow.expires_at > now)
    )
    previous = (PrincipalRow.previous_token_sha256 == token_sha256) & (PrincipalRow.previous_expires_at > now)
    row = session.scalar(select(PrincipalRow).where(or_(current, previous), PrincipalRow.revoked.is_(False)))
    if row is None:
        return None
    touched = touch_every is not None and (row.last_used_at is None or row.last_used_at <= now - touch_every)
    if touch_every is not None and touched:
        session.execute(
            update(PrincipalRow)
            .where(
                PrincipalRow.id == row.id,
                PrincipalRow.last_used_at.is_(None) | (PrincipalRow.last_used_at <= now - touch_every),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return StoredPrincipal(row.id, row.name, row.role, tuple(row.places)), touched


def token_infos(session: Session) -> list[TokenInfo]:
    """Every principal with its token's state, oldest first."""
    rows = session.scalars(select(PrincipalRow).order_by(PrincipalRow.id))
    return [
        TokenInfo(
            StoredPrincipal(r.id, r.name, r.role, tuple(r.places)),
            r.revoked,
            r.created_at,
            r.expires_at,
            r.last_used_at,
            r.previous_expires_at if r.previous_token_sha256 is not None else None,
        )
        for r in rows
    ]


def rotate_token(
    session: Session, *, principal_id: int, token_sha256: str, expires_at: datetime | None, overlap_until: datetime
) -> StoredPrincipal | None:
    """Give the principal a new token; the current one stays valid until ``overlap_until`` (never past its own
    expiry). None when there is no such principal. Flushes."""
    row = session.get(PrincipalRow, principal_id)
    if row is None:
        return None
    old_expiry = row.expires_at
    row.previous_token_sha256 = row.token_sha256
    row.previous_expires_at = overlap_until if old_expiry is None else min(overlap_until, old_expiry)
    row.token_sha256 = token_sha256
    row.expires_at = expires_at
    session.flush()
    return StoredPrincipal(row.id, row.name, row.role, tuple(row.places))


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

"""Principals: who may call the API. Tokens are random (256 bits), shown once when created and stored only as
their SHA-256, so a database dump does not hand out access. Roles: ``admin`` (everything), ``planner`` (fleet,
plans, every request), ``office`` (its own places' requests)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput, NotFound
from api.services.limits import MAX_NAME_CHARS
from data import principals as store
from data.principals import StoredPrincipal as StoredPrincipal
from data.principals import TokenInfo as TokenInfo
from scheduler.domain import Network

TOKEN_PREFIX = "sfr_"
DEFAULT_TOKEN_DAYS = 90
"""A new token works for this many days unless ``--expires-in-days`` says otherwise: a quarter, so a token left in
an old script or a departed colleague's notes stops by itself; rotate before it ends (``sefer token rotate``)."""
MAX_TOKEN_DAYS = 3660
DEFAULT_OVERLAP_HOURS = 24
"""After a rotation the old token keeps working this long, so the clients can be switched without a gap."""
MAX_OVERLAP_HOURS = 24 * 30
LAST_USE_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most once per this, per token: a busy token costs one write a minute."""


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    OFFICE = "office"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(session: Session, *, token: str, now: datetime | None = None) -> StoredPrincipal | None:
    """The principal holding ``token``, unless unknown, revoked or expired; records its last use (at most once a
    minute, committing only then)."""
    found = store.principal_by_token(
        session, token_sha256=token_digest(token), now=now or _utcnow(), touch_every=LAST_USE_RESOLUTION
    )
    if found is None:
        return None
    principal, touched = found
    if touched:
        session.commit()
    return principal


def create_principal(
    session: Session,
    *,
    network: Network,
    role: Role,
    name: str,
    places: tuple[str, ...] = (),
    expires_in_days: int = DEFAULT_TOKEN_DAYS,
) -> tuple[StoredPrincipal, str]:
    """A new principal and its bearer token (the only time the token is seen), valid for ``expires_in_days``. An
    office is bound to at least one place; other roles to none. Commits."""
    expires_at = _utcnow() + timedelta(days=_checked_days(expires_in_days))
    token = new_token()
    principal = add_principal(
        session, network=network, role=role, name=name, places=places, token=token, expires_at=expires_at
    )
    session.commit()
    return principal, token


def _checked_days(days: int) -> int:
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput("expires_in_days", f"expires_in_days must be 1 to {MAX_TOKEN_DAYS}, not {days}", days)
    return days


def rotate_token(
    session: Session,
    *,
    principal_id: int,
    overlap_hours: int = DEFAULT_OVERLAP_HOURS,
    expires_in_days: int = DEFAULT_TOKEN_DAYS,
    now: datetime | None = None,
) -> tuple[StoredPrincipal, str]:
    """A new token for the same principal (same id, role and places); the old one keeps working for
    ``overlap_hours`` (0: stops at once), then answers 401. A revoked principal is not rotated. Commits."""
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise InvalidInput("overlap_hours", f"overlap_hours must be 0 to {MAX_OVERLAP_HOURS}", overlap_hours)
    now = now or _utcnow()
    expires_at = now + timedelta(days=_checked_days(expires_in_days))
    revoked = {info.principal.id: info.revoked for info in store.token_infos(session)}
    if principal_id not in revoked:
        raise NotFound(f"principal {principal_id} not found")
    if revoked[principal_id]:
        raise Conflict(f"principal {principal_id} is revoked; create a new token instead")
    token = new_token()
    principal = store.rotate_token(
        session,
        principal_id=principal_id,
        token_sha256=token_digest(token),
        expires_at=expires_at,
        overlap_until=now + timedelta(hours=overlap_hours),
    )
    assert principal is not None
    session.commit()
    return principal, token


def list_tokens(session: Session) -> list[TokenInfo]:
    """Every principal with its token's state (revoked, expiry, last use, a rotation's overlap), oldest first."""
    return store.token_infos(session)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def add_principal(
    session: Session,
    *,
    network: Network,
    role: Role,
    name: str,
    places: tuple[str, ...],
    token: str,
    expires_at: datetime | None = None,
) -> StoredPrincipal:
    """Check and add a principal holding ``token`` (a web user's is random and never shown). Does not commit."""
    codes = tuple(sorted({p.strip() for p in places if p.strip()}))
    if role is Role.OFFICE and not codes:
        raise InvalidInput("places", "places: an office needs at least one place, e.g. AZ-QAB,AZ-OGU")
    if role is not Role.OFFICE and codes:
        raise InvalidInput("places", f"places: only offices are bound to places, not {role.value}")
    unknown = [c for c in codes if not network.has_place(c)]
    if unknown:
        raise InvalidInput("places", f"places: no place {', '.join(unknown)}")
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME_CHARS or "\x00" in clean:
        raise InvalidInput("name", f"name must be 1 to {MAX_NAME_CHARS} printable characters")
    principal_id = store.add_principal(
        session, name=clean, role=role.value, places=codes, token_sha256=token_digest(token), expires_at=expires_at
    )
    return StoredPrincipal(principal_id, clean, role.value, codes)


def list_principals(session: Session) -> list[tuple[StoredPrincipal, bool]]:
    """Every principal with whether it is revoked, oldest first."""
    return store.list_principals(session)


def revoke_principal(session: Session, *, principal_id: int) -> StoredPrincipal:
    """Revoke the principal's token at once (its next call answers 401); revoking twice changes nothing. Commits."""
    revoked = store.revoke_principal(session, principal_id=principal_id)
    if revoked is None:
        raise NotFound(f"principal {principal_id} not found")
    session.commit()
    return revoked

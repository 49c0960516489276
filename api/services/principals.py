"""Principals: who may call the API. Tokens are random (256 bits), shown once when created and stored only as
their SHA-256, so a database dump does not hand out access. Roles: ``admin`` (everything), ``planner`` (fleet,
plans, every request), ``office`` (its own places' requests)."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

from sqlalchemy.orm import Session

from api.errors import InvalidInput, NotFound
from api.services.limits import MAX_NAME_CHARS
from data import principals as store
from data.principals import StoredPrincipal as StoredPrincipal
from scheduler.domain import Network

TOKEN_PREFIX = "sfr_"


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    OFFICE = "office"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(session: Session, *, token: str) -> StoredPrincipal | None:
    """The principal holding ``token``, unless unknown or revoked."""
    return store.principal_by_token(session, token_sha256=token_digest(token))


def create_principal(
    session: Session, *, network: Network, role: Role, name: str, places: tuple[str, ...] = ()
) -> tuple[StoredPrincipal, str]:
    """A new principal and its bearer token (the only time the token is seen). An office is bound to at least one
    place; other roles to none. Commits."""
    token = new_token()
    principal = add_principal(session, network=network, role=role, name=name, places=places, token=token)
    session.commit()
    return principal, token


def add_principal(
    session: Session, *, network: Network, role: Role, name: str, places: tuple[str, ...], token: str
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
        session, name=clean, role=role.value, places=codes, token_sha256=token_digest(token)
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

"""Users of the web pages, their browser sessions and failed sign-ins.

Keyword-only functions taking a ``Session``; writing ones flush but never commit. Passwords arrive here already
hashed and session cookies as their SHA-256: this module never sees a secret.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from data.models import LoginFailureRow, PrincipalRow, UserRow, WebSessionRow
from data.principals import StoredPrincipal


@dataclasses.dataclass(frozen=True, slots=True)
class StoredUser:
    id: int
    login: str
    principal: StoredPrincipal
    password_hash: str
    disabled: bool


@dataclasses.dataclass(frozen=True, slots=True)
class StoredWebSession:
    user: StoredUser
    csrf_token: str
    expires_at: datetime


def _user(row: UserRow, principal: PrincipalRow) -> StoredUser:
    who = StoredPrincipal(principal.id, principal.name, principal.role, tuple(principal.places))
    return StoredUser(row.id, row.login, who, row.password_hash, row.disabled)


def add_user(session: Session, *, login: str, principal_id: int, password_hash: str, at: datetime) -> int:
    row = UserRow(login=login, principal_id=principal_id, password_hash=password_hash, disabled=False, created_at=at)
    session.add(row)
    session.flush()
    return row.id


def user_by_login(session: Session, *, login: str) -> StoredUser | None:
    found = session.execute(
        select(UserRow, PrincipalRow)
        .join(PrincipalRow, UserRow.principal_id == PrincipalRow.id)
        .where(UserRow.login == login)
    ).first()
    return None if found is None else _user(*found)


def list_users(session: Session) -> list[StoredUser]:
    rows = session.execute(
        select(UserRow, PrincipalRow).join(PrincipalRow, UserRow.principal_id == PrincipalRow.id).order_by(UserRow.id)
    )
    return [_user(user, principal) for user, principal in rows]


def update_user(
    session: Session, *, user_id: int, disabled: bool | None = None, password_hash: str | None = None
) -> None:
    row = session.get(UserRow, user_id)
    if row is None:
        return
    if disabled is not None:
        row.disabled = disabled
    if password_hash is not None:
        row.password_hash = password_hash
    session.flush()


def add_web_session(
    session: Session, *, token_sha256: str, user_id: int, csrf_token: str, at: datetime, expires_at: datetime
) -> None:
    session.add(
        WebSessionRow(
            token_sha256=token_sha256, user_id=user_id, csrf_token=csrf_token, created_at=at, expires_at=expires_at
        )
    )
    session.flush()


def web_session(session: Session, *, token_sha256: str, now: datetime) -> StoredWebSession | None:
    """The live session with that cookie digest: not expired, its user not disabled, its principal not revoked."""
    found = session.execute(
        select(WebSessionRow, UserRow, PrincipalRow)
        .join(UserRow, WebSessionRow.user_id == UserRow.id)
        .join(PrincipalRow, UserRow.principal_id == PrincipalRow.id)
        .where(
            WebSessionRow.token_sha256 == token_sha256,
            WebSessionRow.expires_at > now,
            UserRow.disabled.is_(False),
            PrincipalRow.revoked.is_(False),
        )
    ).first()
    if found is None:
        return None
    row, user, principal = found
    return StoredWebSession(_user(user, principal), row.csrf_token, row.expires_at)


def delete_web_sessions(session: Session, *, token_sha256: str | None = None, user_id: int | None = None) -> None:
    """Delete one session (sign-out) or every session of a user (disabled, password reset)."""
    query = delete(WebSessionRow)
    if token_sha256 is not None:
        query = query.where(WebSessionRow.token_sha256 == token_sha256)
    if user_id is not None:
        query = query.where(WebSessionRow.user_id == user_id)
    session.execute(query)
    session.flush()


def add_login_failure(session: Session, *, login: str, address: str, at: datetime) -> None:
    session.add(LoginFailureRow(login=login, address=address, at=at))
    session.flush()


def count_login_failures(
    session: Session, *, since: datetime, login: str | None = None, address: str | None = None
) -> int:
    query = select(func.count()).select_from(LoginFailureRow).where(LoginFailureRow.at >= since)
    if login is not None:
        query = query.where(LoginFailureRow.login == login)
    if address is not None:
        query = query.where(LoginFailureRow.address == address)
    return int(session.scalar(query) or 0)


def forget_expired(session: Session, *, before: datetime) -> None:
    """Drop failed sign-ins older than the throttling window (they no longer count) and sessions expired by then."""
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < before))
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < before))
    session.flush()

"""People who sign in to the web pages: accounts, passwords, browser sessions and the throttle on guessing.

A user acts as a principal (``api.services.principals``): its role and places decide what it may see, exactly as
for a bearer token. Passwords are stored as argon2id hashes; a session cookie is 256 random bits stored only as
its SHA-256, with a CSRF token its forms must echo. Failed sign-ins are counted per account and per address over
``THROTTLE_WINDOW``: past ``MAX_ACCOUNT_FAILURES`` (or ``MAX_ADDRESS_FAILURES``) even the right password is refused
until the window has passed, so guessing costs hours, not seconds. Disabling a user or resetting the password ends
its sessions at once.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput, NotFound, SeferError
from api.services.principals import Role, StoredPrincipal, add_principal, authenticate, token_digest
from data import users as store
from data.users import StoredUser as StoredUser
from data.users import StoredWebSession as StoredWebSession
from scheduler.domain import Network

SESSION_LIFETIME = timedelta(hours=12)
"""A working day and a bit: a planner signs in once a day."""
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256
MAX_LOGIN_CHARS = 64

_hasher = PasswordHasher()  # argon2id, the library's defaults (RFC 9106's second recommended profile)


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the login is unknown, so an unknown name takes as long as a wrong password (made on
    first use, not at import: every CLI command imports this module)."""
    return _hasher.hash("not a password anyone has")


class SignInRefused(SeferError):
    """Wrong name or password, or a disabled account: one message for all, so none can be told apart."""

    http_status = 401


class TooManyAttempts(SeferError):
    http_status = 429


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new browser session: the cookie value (shown only to that browser) and what it signs in as."""

    cookie: str
    session: StoredWebSession


def login_of(name: str) -> str:
    """What a name is looked up by: trimmed and case-folded (``Gabala Office`` and ``gabala office`` are one)."""
    return " ".join(name.split()).casefold()


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidInput(
            "password", f"a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters, not {len(password)}"
        )
    if "\x00" in password:
        raise InvalidInput("password", "the password holds a NUL character")


def create_user(
    session: Session, *, network: Network, role: Role, name: str, places: tuple[str, ...], password: str
) -> StoredUser:
    """A new user acting as a new principal of ``role`` (an office: for ``places``). Commits."""
    login = login_of(name)
    if not login or len(login) > MAX_LOGIN_CHARS:
        raise InvalidInput("name", f"a user's name has 1 to {MAX_LOGIN_CHARS} characters")
    _check_password(password)
    if store.user_by_login(session, login=login) is not None:
        raise Conflict(f"a user named {login!r} exists already")
    principal = add_principal(
        session, network=network, role=role, name=name, places=places, token=secrets.token_urlsafe(32)
    )
    store.add_user(session, login=login, principal_id=principal.id, password_hash=_hasher.hash(password), at=_utcnow())
    session.commit()
    user = store.user_by_login(session, login=login)
    assert user is not None
    return user


def list_users(session: Session) -> list[StoredUser]:
    return store.list_users(session)


def _existing(session: Session, name: str) -> StoredUser:
    user = store.user_by_login(session, login=login_of(name))
    if user is None:
        raise NotFound(f"no user named {login_of(name)!r}")
    return user


def set_disabled(session: Session, *, name: str, disabled: bool) -> StoredUser:
    """Disable (or enable again) a user; disabling ends every session of theirs at once. Commits."""
    user = _existing(session, name)
    store.update_user(session, user_id=user.id, disabled=disabled)
    if disabled:
        store.delete_web_sessions(session, user_id=user.id)
    session.commit()
    return _existing(session, name)


def reset_password(session: Session, *, name: str, password: str) -> StoredUser:
    """Set a new password; the user's open sessions end (whoever knew the old one is signed out). Commits."""
    user = _existing(session, name)
    _check_password(password)
    store.update_user(session, user_id=user.id, password_hash=_hasher.hash(password))
    store.delete_web_sessions(session, user_id=user.id)
    session.commit()
    return user


def sign_in(session: Session, *, name: str, password: str, address: str, now: datetime | None = None) -> SignedIn:
    """Check the password and open a session. Refused alike for an unknown name, a wrong password or a disabled
    account; throttled per account and per address. Commits (the failure too, so the throttle counts it)."""
    now = now or _utcnow()
    login = login_of(name)[:MAX_LOGIN_CHARS]
    since = now - THROTTLE_WINDOW
    store.forget_expired(session, before=since)
    by_account = store.count_login_failures(session, since=since, login=login)
    by_address = store.count_login_failures(session, since=since, address=address)
    if by_account >= MAX_ACCOUNT_FAILURES or by_address >= MAX_ADDRESS_FAILURES:
        session.commit()
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        raise TooManyAttempts(f"too many failed sign-ins; try again in {minutes} minutes")
    user = store.user_by_login(session, login=login)
    matches = _verified(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None or user.disabled or not matches:
        store.add_login_failure(session, login=login, address=address[:64], at=now)
        session.commit()
        raise SignInRefused("wrong name or password")
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    store.add_web_session(
        session, token_sha256=token_digest(cookie), user_id=user.id, csrf_token=csrf, at=now, expires_at=expires
    )
    session.commit()
    return SignedIn(cookie, StoredWebSession(user, csrf, expires))


BEARER_LOGIN = "(bearer token)"
"""What a failed bearer authentication is recorded under in ``login_failures`` (no account is named by a token)."""


def authenticate_bearer(
    session: Session, *, token: str, address: str, now: datetime | None = None
) -> StoredPrincipal | None:
    """The principal holding ``token`` (``api.services.principals.authenticate``), throttled per client address with
    the web sign-ins' table and limits: once ``MAX_ADDRESS_FAILURES`` failures (wrong tokens and wrong passwords
    alike) came from ``address`` within ``THROTTLE_WINDOW``, ``TooManyAttempts`` is raised without looking at the
    token, until the oldest of them leaves the window. A wrong token is recorded (committed). Kept in the database,
    so the limit holds across processes."""
    now = now or _utcnow()
    since = now - THROTTLE_WINDOW
    address = address[:64]
    if store.count_login_failures(session, since=since, address=address) >= MAX_ADDRESS_FAILURES:
        session.rollback()
        raise TooManyAttempts(
            f"too many failed authentications from this address; try again in {_window_minutes()} minutes"
        )
    principal = authenticate(session, token=token, now=now)
    if principal is None:
        store.forget_expired(session, before=since)
        store.add_login_failure(session, login=BEARER_LOGIN, address=address, at=now)
        session.commit()
    return principal


def _window_minutes() -> int:
    return int(THROTTLE_WINDOW.total_seconds() // 60)


def _verified(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def signed_in(session: Session, *, cookie: str, now: datetime | None = None) -> StoredWebSession | None:
    """The live session of that cookie, or None (unknown, expired, user disabled, principal revoked)."""
    return store.web_session(session, token_sha256=token_digest(cookie), now=now or _utcnow())


def sign_out(session: Session, *, cookie: str) -> None:
    """End that browser's session. Commits."""
    store.delete_web_sessions(session, token_sha256=token_digest(cookie))
    session.commit()


def _utcnow() -> datetime:
    return datetime.now(UTC)

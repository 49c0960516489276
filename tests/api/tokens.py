"""Principals for API tests, created straight in the app's database (the CLI path has its own test)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from api.services.principals import Role, new_token, token_digest
from data.principals import add_principal


def make_token(app: FastAPI, role: Role, places: tuple[str, ...] = (), name: str = "test") -> str:
    """A new principal's bearer token; the app's lifespan must be running."""
    token = new_token()
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        add_principal(session, name=name, role=role.value, places=places, token_sha256=token_digest(token))
    return token


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}

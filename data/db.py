"""Engine, sessions and migrations: how the rest of the code reaches the database.

Nothing here runs at import: the app factory (or a CLI command, or a test fixture) calls
:func:`make_engine`, then :func:`migrate`, then :func:`make_session_factory`, and disposes the engine when it
is done.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""The Alembic script directory (``env.py``, ``versions/``), shipped inside the package."""

CONNECT_TIMEOUT_S = 10
"""How long to wait for a PostgreSQL server before calling it unavailable (unless the URL says otherwise)."""


class DatabaseUnavailable(RuntimeError):
    """The database URL is malformed, names an unknown driver, or the server cannot be reached."""


def _without_password(url: URL) -> str:
    bare = URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return bare.render_as_string(hide_password=False)


def _strip_password(raw: str) -> str:
    """Best effort for a URL that does not even parse: drop ``:secret`` from ``//user:secret@host``."""
    return re.sub(r"(//[^:/@]*):[^@/]*@", r"\1@", raw)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    message = str(orig if orig is not None else exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """Build an engine for ``url`` and check it answers a trivial query.

    SQLite gets ``check_same_thread=False`` (the API serves requests from a thread pool) and foreign keys
    switched on for every connection. Raises :class:`DatabaseUnavailable` with a one-line message naming the
    URL (never its password) when the URL is malformed or the database cannot be reached.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: e.g. a port that is not a number
        raise DatabaseUnavailable(f"malformed database URL {_strip_password(url)!r}: {_first_line(exc)}") from exc
    shown = _without_password(parsed)

    kwargs: dict[str, Any] = {}
    connect_args: dict[str, Any] = {}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        connect_args["check_same_thread"] = False
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool  # one shared in-memory database, not one per connection
    elif parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S

    try:
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseUnavailable(f"cannot use database URL {shown!r}: {_first_line(exc)}") from exc
    if is_sqlite:
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)

    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"database unavailable at {shown!r}: {_first_line(exc)}") from exc
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit (``expire_on_commit=False``)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config() -> Config:
    """The Alembic configuration, built in code: no ``alembic.ini`` is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (``alembic upgrade head``) in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_at_head(engine: Engine) -> bool:
    """Whether the database's schema is at the newest revision (False on an empty or older one)."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def ping(session: Session) -> None:
    """Run a trivial query; raises SQLAlchemy's ``DBAPIError`` when the database does not answer."""
    session.execute(text("SELECT 1"))

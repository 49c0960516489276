"""Alembic environment for Səfər.

Run programmatically by ``data.db.migrate``, which passes an open connection in
``config.attributes["connection"]``. From the command line (``alembic -c <ini> ...``) the URL comes from the
ini's ``sqlalchemy.url`` or from ``SEFER_DATABASE_URL``.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from data.models import Base
from data.queue_schema import is_queue_object

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.file_config.has_section("loggers"):
    fileConfig(config.config_file_name)  # command-line runs with a logging ini; data.db.migrate passes no file


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or os.environ.get("SEFER_DATABASE_URL", "sqlite:///sefer.db")


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate compares the project's tables only: the job queue's are procrastinate's (0009)."""
    return not is_queue_object(name)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=_include_name,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as new_connection:
            _configure(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""``sefer db upgrade``: bring the configured database's schema to the newest revision, once, before the
processes that use it start."""

from __future__ import annotations

import typer
from sqlalchemy import text

from api.cli.support import with_store
from api.services.store import Store

db_app = typer.Typer(help="The database's schema.", no_args_is_help=True)


@db_app.command()
def upgrade() -> None:
    """Apply the migrations (and sync the bundled reference data); a no-op on a schema already at head."""

    def revision(store: Store) -> str:
        with store.sessions() as session:
            return str(session.execute(text("SELECT version_num FROM alembic_version")).scalar_one())

    typer.echo(f"schema at revision {with_store(revision)}")

"""The job queue's own tables, types and functions (procrastinate's schema) in the project's PostgreSQL database.

They live beside the project's tables so that queuing a job and storing its row share one transaction. Alembic
creates them (migration 0009, PostgreSQL only: the embedded SQLite default runs its jobs in a local runner) from the
SQL shipped with the installed procrastinate, which is why ``pyproject.toml`` pins procrastinate's minor version: a
newer one brings schema migrations of its own, to be applied by a new Alembic revision.

Autogenerate and the schema checks must not mistake these objects for leftovers: ``is_queue_object`` tells them.
"""

from __future__ import annotations

from sqlalchemy import Connection

PREFIX = "procrastinate_"

_DROP = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || r.signature || ' CASCADE';
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
               AND t.typtype IN ('e', 'c')  -- the tables and their row types are gone already
    LOOP
        EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE';
    END LOOP;
END $$;
"""


def is_queue_object(name: str | None) -> bool:
    """Whether a table (or index, sequence, type) name belongs to the job queue, not to ``data.models``."""
    return name is not None and name.startswith(PREFIX)


def create_queue_schema(connection: Connection) -> None:
    """Create procrastinate's tables, types and functions (PostgreSQL); a no-op on another database."""
    if connection.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    # The raw driver connection: the schema is many statements, with '%' in its text, and no parameters.
    connection.connection.driver_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]


def drop_queue_schema(connection: Connection) -> None:
    """Drop every procrastinate object of the current schema (PostgreSQL); a no-op on another database."""
    if connection.dialect.name != "postgresql":
        return
    connection.connection.driver_connection.execute(_DROP)  # type: ignore[union-attr]

"""Configuration from the environment (prefix ``SEFER_``), read once and cached, never at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.logs import LogFormat
from scheduler.granularity import DEFAULT_GRANULARITY, Granularity


class Settings(BaseSettings):
    """Everything the API reads from the environment, e.g. ``SEFER_DATABASE_URL``, ``SEFER_MAP_TILES``."""

    model_config = SettingsConfigDict(env_prefix="SEFER_", extra="ignore")

    database_url: str = "sqlite:///sefer.db"
    """SQLAlchemy URL: a SQLite file for a single machine, ``postgresql+psycopg://...`` for a server."""
    data_dir: Path | None = None
    """Folder with the reference CSV files; the bundled Azerbaijan data when unset."""
    map_tiles: str | None = "OpenStreetMap"
    """Folium base tiles for plan maps; empty means no tiles (offline use)."""
    granularity: Granularity = DEFAULT_GRANULARITY
    """What a plan's place is: ``settlement`` (each town and village, the default) or ``unit`` (a whole district
    at its centre town)."""

    max_body_bytes: int = 1_000_000
    """The largest request body accepted; a larger one answers 413 before it is read (``api.http.guards``)."""
    cors_origins: list[str] = []
    """Origins (``https://host``) whose pages may call the API from a browser; empty (the default): CORS is off."""
    db_retry_after_s: int = 5
    """What a 503 for a database that does not answer (or a full pool) asks the client to wait, in seconds."""
    public_max_age_s: int = Field(default=60, ge=0)
    """How long browsers and proxies may reuse a public answer (the citizens' page and feeds) without asking;
    after that they ask with ``If-None-Match`` and mostly get a bodiless 304."""
    log_format: LogFormat = "text"
    """``json``: one JSON object per log line (time, level, logger, message, request id), for a log shipper;
    ``text``: the plain lines people read."""
    metrics_public: bool = False
    """Whether ``GET /metrics`` answers anyone (a port only the monitoring network reaches); by default it needs
    an admin's bearer token."""

    job_queue: Literal["local", "procrastinate"] | None = None
    """Where background solves run: ``local`` (a runner inside the one API process: the SQLite default) or
    ``procrastinate`` (the PostgreSQL default: a queue in the database, run by ``sefer worker`` processes, so any
    number of API processes may share the database)."""
    migrate_on_start: bool | None = None
    """Whether the API process migrates and syncs the reference data at start-up: yes on SQLite (one process);
    no on PostgreSQL, where ``sefer db upgrade`` does it once and a server on an older schema refuses to start."""

    @property
    def on_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def resolved_job_queue(self) -> Literal["local", "procrastinate"]:
        if self.job_queue is not None:
            return self.job_queue
        return "local" if self.on_sqlite else "procrastinate"

    @property
    def resolved_migrate_on_start(self) -> bool:
        return self.on_sqlite if self.migrate_on_start is None else self.migrate_on_start

    max_running_solves_per_principal: int = Field(default=1, ge=1)
    max_queued_solves_per_principal: int = Field(default=3, ge=0)
    """A principal may have this many solves running and this many more waiting; one more answers 429."""
    rate_limit_reads_per_minute: int = Field(default=600, ge=0)
    rate_limit_writes_per_minute: int = Field(default=60, ge=0)
    """Authenticated API requests a principal may make a minute (GET and HEAD are reads); past it, 429. 0: off."""

    @field_validator("map_tiles", mode="before")
    @classmethod
    def _empty_tiles_mean_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return Settings()

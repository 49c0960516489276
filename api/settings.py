"""Configuration from the environment (prefix ``SEFER_``), read once and cached, never at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

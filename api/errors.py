"""One tree of errors the use cases raise; HTTP (``api.app``) and the CLI (``api.cli.support``) each map it once.

| kind | HTTP | CLI exit |
|---|---|---|
| ``NotFound`` | 404 | 2 |
| ``Forbidden`` (the caller's role or places do not allow it) | 403 | 2 |
| ``InvalidInput`` (names the field) | 422 | 2 |
| ``Conflict`` (state or version; ``RefusedByRules`` lists the violations) | 409 | 1 |
| ``TooManyRequests`` (a per-principal limit; names it) | 429 with ``Retry-After`` | 1 |
| ``Unavailable`` | 503 | 1 |
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scheduler.validator import Violation


class SeferError(Exception):
    """Something a user asked for that cannot be done; the message says what and why, in one sentence."""

    http_status = 400
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON answer: ``{"detail": message}`` unless a kind says more."""
        return {"detail": self.message}


class NotFound(SeferError):
    http_status = 404
    exit_code = 2


class Forbidden(SeferError):
    http_status = 403
    exit_code = 2


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: its location below the body (``("services", 2)``), what is wrong, and the value given."""

    loc: tuple[str | int, ...]
    message: str
    value: Any = None
    kind: str = "value_error"


class InvalidInput(SeferError):
    """Bad input in one or more fields: 422 in FastAPI's own shape, so clients parse one format."""

    http_status = 422
    exit_code = 2

    def __init__(self, field: str | tuple[str | int, ...], message: str, value: Any = None) -> None:
        loc = (field,) if isinstance(field, str) else field
        self.errors: tuple[FieldError, ...] = (FieldError(loc, message, value),)
        super().__init__(message)
        self.field = str(loc[0])

    @classmethod
    def of(cls, errors: Sequence[FieldError]) -> InvalidInput:
        """All of ``errors`` in one answer (the first one's message is the CLI's line)."""
        first, *_ = errors
        out = cls(first.loc, first.message, first.value)
        out.errors = tuple(errors)
        return out

    def body(self) -> dict[str, Any]:
        return {
            "detail": [
                {"type": e.kind, "loc": ["body", *e.loc], "msg": e.message, "input": _jsonable(e.value)}
                for e in self.errors
            ]
        }


def _jsonable(value: Any) -> Any:
    plain = value if value is None or isinstance(value, (str, int, float, bool, list, dict)) else str(value)
    return capped_input(plain)


MAX_ECHO_CHARS = 200
"""The longest input a 422 repeats back; a longer string is cut to this, a larger list or object left out."""


def capped_input(value: Any) -> Any:
    """``value`` as a 422 may echo it: a string cut to ``MAX_ECHO_CHARS`` (ending in "…"), a list or object whose
    JSON is longer replaced by a note; a huge body is never sent back."""
    if isinstance(value, str):
        return value if len(value) <= MAX_ECHO_CHARS else value[:MAX_ECHO_CHARS] + "…"
    if isinstance(value, (list, dict)):
        try:
            size = len(json.dumps(value, default=str))
        except (TypeError, ValueError):
            return "(not shown)"
        return value if size <= MAX_ECHO_CHARS else f"(not shown: {size} characters)"
    return value


def capped_error(error: dict[str, Any]) -> dict[str, Any]:
    """One of FastAPI's validation errors with its ``input`` capped (``capped_input``) and no ``ctx`` objects."""
    out = dict(error)
    if "input" in out:
        out["input"] = capped_input(out["input"])
    return out


class Conflict(SeferError):
    """The state refuses it: another version, a published or superseded plan, a lifecycle rule."""

    http_status = 409


class RefusedByRules(Conflict):
    """The validator finds violations in what would be stored or published."""

    def __init__(self, message: str, violations: Sequence[Violation]) -> None:
        super().__init__(message)
        self.violations = tuple(violations)

    def body(self) -> dict[str, Any]:
        found = [{"code": v.code, "vehicle_id": v.vehicle_id, "message": v.message} for v in self.violations]
        return {"detail": {"message": self.message, "violations": found}}


class TooManyRequests(SeferError):
    """A per-principal limit is reached (``docs/operations.md``): 429, with ``Retry-After`` and the limit's name."""

    http_status = 429

    def __init__(self, message: str, *, limit: str, allowed: int, retry_after_s: int) -> None:
        super().__init__(message)
        self.limit = limit
        """The setting that holds it, e.g. ``SEFER_MAX_QUEUED_SOLVES_PER_PRINCIPAL``."""
        self.allowed = allowed
        self.retry_after_s = retry_after_s

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "limit": self.limit, "allowed": self.allowed}


class Unavailable(SeferError):
    http_status = 503

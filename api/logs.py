"""Logging as JSON lines or text (``SEFER_LOG_FORMAT``), every line carrying the request id it was written for.

The id lives in a context variable: the HTTP app binds it per request (``api.http.audit``, the same id the answer
carries in ``X-Request-ID``); another process binds the one it works for with :func:`request_id_bound` (a job
worker, the id of the request that queued the job), so its lines can be joined to the request's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["json", "text"]

_REQUEST_ID: ContextVar[str | None] = ContextVar("sefer_request_id", default=None)
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
"""Loggers with their own handlers (uvicorn's), which do not pass their lines to the root logger."""


def current_request_id() -> str | None:
    """The request id bound in this context, if any."""
    return _REQUEST_ID.get()


def bind_request_id(request_id: str | None) -> Token[str | None]:
    """Bind ``request_id`` to this context (a request's task, a worker's job); the token undoes it."""
    return _REQUEST_ID.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    _REQUEST_ID.reset(token)


@contextmanager
def request_id_bound(request_id: str | None) -> Iterator[None]:
    """Every line logged inside the block carries ``request_id``: for a process that works for a request it did
    not receive, such as a job worker running a queued solve."""
    token = bind_request_id(request_id)
    try:
        yield
    finally:
        unbind_request_id(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the request id when one is bound,
    and the traceback of an exception as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: LogFormat) -> None:
    """With ``json``, every plain stream handler of the root logger and of uvicorn's loggers writes JSON lines
    (a root handler on stderr is added when there is none); with ``text``, logging stays as it was configured.
    Idempotent: each API process calls it when it starts."""
    if log_format != "json":
        return
    formatter = JsonFormatter()
    root = logging.getLogger()
    streams = [h for h in root.handlers if type(h) is logging.StreamHandler]
    if not streams:
        handler = logging.StreamHandler()
        root.addHandler(handler)
        streams.append(handler)
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)
    for name in _SERVER_LOGGERS:
        streams += [h for h in logging.getLogger(name).handlers if type(h) is logging.StreamHandler]
    for handler in streams:
        handler.setFormatter(formatter)

"""HTTP caching of the public answers: a strong ``ETag`` made from what an answer depends on, never from its body,
so a client's copy is confirmed (``304 Not Modified``) after one small read and no rendering."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from fastapi import Request, Response

NOT_MODIFIED_DOC: dict[int | str, dict[str, Any]] = {
    304: {"description": "The copy the client holds (its `If-None-Match`) is still current"}
}
"""The OpenAPI entry of the 304 every cached endpoint may answer."""


@lru_cache(maxsize=1)
def _release() -> str:
    """The installed release: a new one may render the same plan differently, so it is part of every tag."""
    try:
        return package_version("sefer")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
        return "source"


def entity_tag(*inputs: object) -> str:
    """A strong ETag (quoted) over ``inputs`` and the release: equal inputs, equal tag; any change, a new tag."""
    text = "\x1f".join(str(part) for part in (_release(), *inputs))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def client_has(request: Request, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (or ``*``); a weak ``W/`` tag matches too, as the
    weak comparison RFC 9110 prescribes for this header."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def cache_headers(etag: str, max_age_s: int) -> dict[str, str]:
    """The headers of a cacheable public answer and of its 304."""
    return {"ETag": etag, "Cache-Control": f"public, max-age={max_age_s}"}


def not_modified(etag: str, max_age_s: int) -> Response:
    """``304 Not Modified``: no body, the same validators as the full answer."""
    return Response(status_code=304, headers=cache_headers(etag, max_age_s))

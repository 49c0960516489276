"""Security headers on every answer: no MIME sniffing, no framing by other sites, no full referrer sent to other
hosts. (The documentation pages add their own Content-Security-Policy, ``api.http.routes.docs``.)"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def add_security_headers(app: FastAPI) -> None:
    """Have ``app`` set ``SECURITY_HEADERS`` on every response that does not set them itself."""

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

"""Security headers on every answer (JSON, errors, redirects, static files, pages): no MIME sniffing, no framing by
other sites, no full referrer sent to other hosts, and a Content-Security-Policy. A page that sets its own policy
keeps it (the web pages, ``api.web.session.finish``; the documentation, ``api.http.routes.docs``); any other HTML
answer (the maps, the citizens' page) gets only ``frame-ancestors 'none'``, so the scripts it loads still run;
every other answer (JSON, CSV, files) gets ``default-src 'none'; frame-ancestors 'none'``: it is data, never a page.
Pure ASGI, so it also covers the answers the request guards (``api.http.guards``) send before any route."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
"""The policy of every answer that is not a page: nothing may load from it, nobody may frame it."""
PAGE_FRAME_POLICY = "frame-ancestors 'none'"
"""The policy of a page that sets none of its own."""


class SecurityHeaders:
    """Set ``SECURITY_HEADERS`` and a Content-Security-Policy on every response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                is_page = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("Content-Security-Policy", PAGE_FRAME_POLICY if is_page else DATA_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)

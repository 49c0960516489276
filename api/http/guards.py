"""What every request passes before any route sees it, as pure ASGI (no body is parsed here unless it is small):

- a body larger than ``Settings.max_body_bytes`` answers 413 at once: by ``Content-Length`` before a byte is read,
  or, for a body without a length (chunked), as soon as the streamed bytes pass the limit;
- a NUL byte (raw or ``%00``, ``\\u0000`` in JSON) in the path, the query string, a form or a JSON body answers 422
  naming where it was: PostgreSQL refuses NUL in text, and no place, note or name holds one;
- a JSON body (or one without a content type, which FastAPI reads as JSON) that is not text in UTF-8 (or the
  UTF-16/32 JSON allows) answers 422 at ``["body"]``, like any other JSON that does not parse (FastAPI's own
  answer for it is an undocumented 400).

The body, once read (at most the limit), is handed on to the app unchanged.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL = "\x00"


class BodyTooLarge(Exception):
    """The streamed body passed the limit."""


async def _answer(send: Send, status: int, body: dict[str, Any], headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _too_large(limit: int) -> dict[str, Any]:
    return {"detail": f"the request body is larger than {limit} bytes"}


def _nul(loc: list[str | int]) -> dict[str, Any]:
    return {"detail": [{"type": "value_error", "loc": loc, "msg": "a NUL character is not allowed here"}]}


def nul_location(value: Any, loc: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in parsed JSON ``value`` a string (or a key) holds a NUL, or None."""
    if isinstance(value, str):
        return loc if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return (*loc, key)
            found = nul_location(item, (*loc, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_location(item, (*loc, index))
            if found is not None:
                return found
    return None


def _body_nul(content_type: str, body: bytes) -> tuple[str | int, ...] | None:
    if b"\x00" not in body and b"\\u0000" not in body and b"%00" not in body:
        return None  # the common case: nothing to parse
    if "json" in content_type:
        try:
            parsed = json.loads(body)
        except ValueError:
            return () if b"\x00" in body else None  # FastAPI answers bad JSON itself
        return nul_location(parsed)
    if "x-www-form-urlencoded" in content_type:
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if NUL in key or NUL in value:
                return (key,)
        return None
    return () if b"\x00" in body else None


def _undecodable(content_type: str, body: bytes) -> bool:
    """A body FastAPI would parse as JSON but cannot decode to text."""
    if not body or (content_type and "json" not in content_type):
        return False
    try:
        body.decode(json.detect_encoding(body))
    except UnicodeDecodeError:
        return True
    return False


_NOT_TEXT = {"detail": [{"type": "json_invalid", "loc": ["body"], "msg": "the body is not JSON text in UTF-8"}]}


class RequestGuard:
    """The body limit and the NUL check, in front of ``app``."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if NUL in scope["path"] or b"\x00" in unquote_to_bytes(raw_path):
            await _answer(send, 422, _nul(["path"]))
            return
        query: bytes = scope.get("query_string", b"")
        if b"\x00" in unquote_to_bytes(query):
            for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if NUL in key or NUL in value:
                    await _answer(send, 422, _nul(["query", key]))
                    return
            await _answer(send, 422, _nul(["query"]))
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _answer(send, 400, {"detail": "Content-Length is not a number"})
                return
            if declared > self.max_body_bytes:
                await _answer(send, 413, _too_large(self.max_body_bytes))
                return
        if length is None and b"transfer-encoding" not in headers:  # no body at all
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(receive)
        except BodyTooLarge:
            await _answer(send, 413, _too_large(self.max_body_bytes))
            return
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        where = _body_nul(content_type, body)
        if where is not None:
            await _answer(send, 422, _nul(["body", *where]))
            return
        if _undecodable(content_type, body):
            await _answer(send, 422, _NOT_TEXT)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then the disconnect, when it comes

    return replay

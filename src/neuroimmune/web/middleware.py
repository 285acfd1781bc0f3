"""Request guards that sit in front of every route (plain ASGI, no per-request threads).

- Bodies larger than ``max_body_bytes`` get 413: at once when ``Content-Length`` says
  so, and while streaming when it lies or is absent (chunked uploads).
- A POST to ``/api/`` must say ``Content-Type: application/json`` (else 415), so a form
  or a text/plain request from another site cannot start work.
- Every response carries headers that stop sniffing, framing and cross-site loading;
  the page gets a Content-Security-Policy that allows only this server's own files.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PAGE_POLICY = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
               "base-uri 'none'; form-action 'none'")
DOCS_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "script-src 'self' 'unsafe-inline'; connect-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
"""Swagger UI starts itself from an inline script, so /docs allows inline code (its
own files are served from this package, never from a CDN)."""

_JSON_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; FastAPI passes HTTPExceptions from middleware on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit:,} bytes; send a smaller "
                              "scenario")


class RequestGuard:
    """Body-size and content-type limits plus security headers, as ASGI middleware."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.lower(): value for key, value in scope.get("headers", [])}
        path: str = scope.get("path", "")
        refusal = self._refusal(scope["method"], path, headers)
        if refusal is not None:
            await _reply(send, *refusal)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *_security_headers(path)]
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge as error:  # reached us outside a FastAPI route
            if not started:
                await _reply(send, error.status_code, error.detail)

    def _refusal(self, method: str, path: str, headers: dict[bytes, bytes]
                 ) -> tuple[int, str] | None:
        length = headers.get(b"content-length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                return 400, "Content-Length is not a number"
            if size > self.max_body_bytes:
                return 413, (f"request body of {size:,} bytes is larger than "
                             f"{self.max_body_bytes:,} bytes; send a smaller scenario")
        if method in _JSON_METHODS and path.startswith("/api/"):
            kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
            if kind != b"application/json" and not (kind.startswith(b"application/")
                                                    and kind.endswith(b"+json")):
                shown = kind.decode("latin-1") or "none"
                return 415, (f"Content-Type {shown!r} is not supported; send the body as "
                             "JSON with Content-Type: application/json")
        return None


def _security_headers(path: str) -> list[tuple[bytes, bytes]]:
    policy = DOCS_POLICY if path.startswith("/docs") else PAGE_POLICY
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"content-security-policy", policy.encode()),
    ]


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *_security_headers("")]})
    await send({"type": "http.response.body", "body": body})

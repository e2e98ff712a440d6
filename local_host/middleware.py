"""Correlation id and one log line per request, as pure ASGI middleware.

Pure ASGI (not Starlette's BaseHTTPMiddleware) because it costs next to
nothing per request and leaves streaming and WebSocket scopes untouched.
"""

from __future__ import annotations

import logging
import os
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CORRELATION_HEADER", "RequestLog"]

CORRELATION_HEADER = "x-correlation-id"
_RAW = CORRELATION_HEADER.encode()
log = logging.getLogger("local_host.http")


def _valid(value: bytes) -> bool:
    # reuse a caller's id only if it is a sane token, never a log-injection vector
    return 0 < len(value) <= 128 and all(33 <= b < 127 for b in value)


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = [(k, v) for k, v in scope["headers"] if k != _RAW]
        incoming = next((v for k, v in scope["headers"] if k == _RAW and _valid(v)), None)
        cid = incoming or os.urandom(16).hex().encode()  # as unique as uuid4, cheaper
        # the function sees the id as a request header, whether it came in or not
        scope = {**scope, "headers": [*headers, (_RAW, cid)]}
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                out = [(k, v) for k, v in message.get("headers", []) if k.lower() != _RAW]
                message = {**message, "headers": [*out, (_RAW, cid)]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %d %.1fms cid=%s",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                    cid.decode(),
                )

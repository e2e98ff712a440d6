"""Web PubSub's data-plane REST calls, answered by the local relay: how the platform reaches a charger.

``POST /api/hubs/{hub}/connections/{connectionId}/:send`` puts the body on the
socket (a text frame, or a binary one for ``application/octet-stream``) and
answers 202, as the service does; ``DELETE /api/hubs/{hub}/connections/{connectionId}``
closes it (204). Each request must carry what the service demands of an
access-key caller: ``Authorization: Bearer <JWT>`` signed HS256 with the access
key, ``aud`` exactly the request URL (query string included) and an ``exp``
still ahead; anything else is a 401. An unknown hub or a connection that is
not open here is a 404 (which WebPubSubLink reports as ChargerUnreachable).

So WebPubSubLink talks to ``http://127.0.0.1:7071`` exactly as it talks to
Azure, and a second host process sharing the store reaches the chargers held
by this one by pointing WEBPUBSUB_ENDPOINT here. These paths sit under ``/api``
like the functions' routes, so the host tries them first (local_host/server.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route, Router
from starlette.types import Receive, Scope, Send

from local_host.http_bridge import MAX_BODY_BYTES, request_url

if TYPE_CHECKING:
    from local_host.ocpp_relay import OcppRelay

__all__ = ["RelayRestApi"]


def _error(status: int, code: str, message: str) -> Response:
    # the service's error body: {"code": ..., "message": ...}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


class RelayRestApi:
    """The REST routes of one relay, as an ASGI app the host consults before the function routes."""

    def __init__(self, relay: OcppRelay) -> None:
        self.relay = relay
        self._router = Router(
            routes=[
                Route("/api/hubs/{hub}/connections/{connectionId}/:send", self._send, methods=["POST"]),
                Route("/api/hubs/{hub}/connections/{connectionId}", self._close, methods=["DELETE"]),
            ],
            redirect_slashes=False,
        )

    def handles(self, scope: Scope) -> bool:
        """True for a path of these routes, whatever the method (a wrong method gets its 405 here)."""
        if scope["type"] != "http" or not scope["path"].startswith("/api/hubs/"):  # every request passes here
            return False
        return any(route.matches(scope)[0] is not Match.NONE for route in self._router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._router(scope, receive, send)

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        audience = request_url(request.scope, {k.lower(): v for k, v in request.headers.items()})
        try:
            jwt.decode(
                token.strip(), self.relay.access_key, algorithms=["HS256"], audience=audience,
                options={"require": ["aud", "exp"]},
            )  # fmt: skip
        except jwt.PyJWTError:
            return False
        return True

    def _refused(self, request: Request) -> Response | None:
        """The 401 or 404 the service would answer before looking at the body, or None to go on."""
        if not self._authorized(request):
            return _error(401, "Unauthorized", "a bearer JWT signed with the access key, for this URL, is required")
        if request.path_params["hub"] != self.relay.hub:
            return _error(404, "NotFound", f"no hub {request.path_params['hub']!r} here")
        return None

    async def _send(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "PayloadTooLarge", "messages are limited to 1 MiB")
        content_type = request.headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()
        frame: str | bytes = body
        if content_type != "application/octet-stream":  # text/plain and application/json go out as text frames
            try:
                frame = body.decode("utf-8")
            except UnicodeDecodeError:
                return _error(400, "BadRequest", f"a {content_type} body must be UTF-8")
        if not await self.relay.send_to_connection(request.path_params["connectionId"], frame):
            return _error(404, "NotFound", "the connection is not open")
        return Response(status_code=202)

    async def _close(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        await self.relay.close_connection(request.path_params["connectionId"], request.query_params.get("reason", ""))
        return Response(status_code=204)  # the service answers 204 whether or not the connection was open

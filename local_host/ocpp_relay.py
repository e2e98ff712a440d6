"""``ws://127.0.0.1:7071/ocpp/<chargerId>``: the local stand-in for Azure Web PubSub.

Each charger socket becomes the CloudEvents requests Web PubSub would send to
the charger HTTP function (shared/http/webpubsub.py): the abuse-protection
``OPTIONS`` once, then ``connect`` (a 4xx answer is returned as the handshake's
HTTP response, as the service does), ``connected``, one ``message`` per frame
(a non-empty response is the reply frame; a failed one drops the socket) and
always ``disconnected``. The path's charger id is passed as the ``chargerId``
query value, as a gateway rewrite in front of Web PubSub would.

The other direction, platform to charger, is Web PubSub's REST API
(``POST /api/hubs/{hub}/connections/{id}/:send``), which ``rest_api()``
answers for the sockets held here (local_host/ocpp_relay_rest.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import azure.functions as func
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from local_host.discovery import Discovered, HttpFunction
from local_host.http_bridge import encode_response
from local_host.invoke import call_user_function
from local_host.ocpp_relay_rest import RelayRestApi
from shared.http import webpubsub as wps

__all__ = ["Invoke", "OcppMount", "OcppRelay", "function_invoker", "mount"]

log = logging.getLogger("local_host.ocpp")
Invoke = Callable[[func.HttpRequest], Awaitable[object]]
Answer = tuple[int, dict[str, str], bytes]
_PREFIX = "/ocpp/"


@dataclass(frozen=True, slots=True)
class OcppMount:
    """LocalHost's ``ocpp=``: which HTTP function is the Web PubSub event handler, and its hub and key."""

    function: str
    access_key: str
    hub: str = "ocpp"
    origin: str = "localhost"


def mount(functions: Discovered, route_prefix: str, options: OcppMount) -> OcppRelay | None:
    """The relay for the named function (case-insensitive, as the host matches names); None if absent."""
    found = next((f for f in functions.http if f.name.lower() == options.function.lower()), None)
    if found is None:
        log.warning("no HTTP function named %s: the OCPP WebSocket endpoint is off", options.function)
        return None
    prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
    path = f"{prefix}/{found.route.strip('/')}"
    return OcppRelay(function_invoker(found), options.hub, options.access_key, path, options.origin)


def _json_object(payload: bytes) -> dict[str, object]:
    try:
        data = json.loads(payload) if payload.strip() else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def function_invoker(function: HttpFunction) -> Invoke:
    """Call a discovered HTTP function directly, as the Functions host would for its route."""

    async def invoke(req: func.HttpRequest) -> object:
        return await call_user_function(function.fn, function.arg_name, req, function.name)

    return invoke


class OcppRelay:
    def __init__(
        self, invoke: Invoke, hub: str, access_key: str, upstream_path: str, origin: str = "localhost"
    ) -> None:
        self.invoke, self.hub, self.access_key, self.path, self.origin = invoke, hub, access_key, upstream_path, origin
        self._url = f"http://127.0.0.1{upstream_path}"
        self._sockets: dict[str, tuple[Send, asyncio.Lock]] = {}
        self._validated = False

    def handles(self, scope: Scope) -> bool:
        """A WebSocket to ``/ocpp/<chargerId>`` (one path segment): the host serves it here, before any routing."""
        if scope["type"] != "websocket":
            return False
        path: str = scope["path"]
        return path.startswith(_PREFIX) and len(path) > len(_PREFIX) and "/" not in path[len(_PREFIX) :]

    def rest_api(self) -> RelayRestApi:
        """Web PubSub's send/close REST calls for these sockets (the host tries it before the functions)."""
        return RelayRestApi(self)

    @property
    def connections(self) -> list[str]:
        return list(self._sockets)

    async def send_to_connection(self, connection_id: str, text: str | bytes) -> bool:
        """Send a text (str) or binary (bytes) frame (Web PubSub's send_to_connection); False if the socket is gone."""
        found = self._sockets.get(connection_id)
        if found is None:
            return False
        message = {"type": "websocket.send", "bytes": text} if isinstance(text, bytes) else _text(text)
        async with found[1]:
            try:
                await found[0](message)
            except (RuntimeError, OSError):  # uvicorn's ClientDisconnected is an OSError
                return False
        return True

    async def close_connection(self, connection_id: str, reason: str = "") -> bool:
        found = self._sockets.get(connection_id)
        if found is None:
            return False
        async with found[1]:
            try:
                await found[0]({"type": "websocket.close", "code": 1000, "reason": reason})
            except (RuntimeError, OSError):
                return False
        return True

    def _headers(self, method: str, ce_type: str, cid: str, ctype: str, **ce: str | None) -> dict[str, str]:
        headers = {"webhook-request-origin": self.origin}
        if method == "POST":
            name = ce_type.rsplit(".", 1)[-1]
            headers |= {"content-type": ctype, "ce-specversion": "1.0", "ce-type": ce_type,
                        "ce-source": f"/hubs/{self.hub}/client/{cid}", "ce-id": uuid.uuid4().hex,
                        "ce-time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                        "ce-signature": wps.sign(cid, [self.access_key]), "ce-connectionid": cid,
                        "ce-hub": self.hub, "ce-eventname": name}  # fmt: skip
            headers |= {f"ce-{k.lower()}": v for k, v in ce.items() if v}
        return headers

    async def _call(self, method: str, ce_type: str, cid: str, body: bytes, ctype: str, **ce: str | None) -> Answer:
        return await self._send(method, self._headers(method, ce_type, cid, ctype, **ce), body)

    async def _send(self, method: str, headers: dict[str, str], body: bytes) -> Answer:
        req = func.HttpRequest(method, self._url, headers=headers, params={}, body=body)
        try:
            status, raw, payload = encode_response(await self.invoke(req))
        except Exception:
            log.exception("the charger function raised on %s", headers.get("ce-type") or method)
            return 500, {}, b""
        return status, {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}, payload

    async def _message(self, headers: dict[str, str], body: bytes) -> tuple[int, bool, bytes]:
        """One ``message`` event: (status, whether the reply is binary, the reply). The per-frame path: the
        answer's status, type and body are read off the response, not turned into raw headers and back."""
        req = func.HttpRequest("POST", self._url, headers=headers, params={}, body=body)
        try:
            result = await self.invoke(req)
            if result is None:
                return 204, False, b""
            if isinstance(result, str):
                result = func.HttpResponse(result)
            if not isinstance(result, func.HttpResponse):
                raise TypeError(f"an HTTP function must return func.HttpResponse, got {type(result).__name__}")
            # the worker's rule: the Content-Type header, else the mimetype (werkzeug raises and catches for a
            # missing header: most replies have no headers at all, so look only when there are some)
            ctype = (result.headers.get("content-type") if len(result.headers) else None) or result.mimetype or ""
            return result.status_code, ctype.startswith("application/octet-stream"), result.get_body()
        except Exception:
            log.exception("the charger function raised on %s", headers.get("ce-type"))
            return 500, False, b""

    def _message_headers(self, cid: str, ce: dict[str, str | None]) -> Callable[[str], dict[str, str]]:
        """The headers of each ``message`` event on one socket: only the id, time and type differ per frame
        (the signature is of the connection id, so it is computed once)."""
        base = self._headers("POST", wps.MESSAGE, cid, "text/plain", **ce)
        prefix, count = uuid.uuid4().hex[:16], 0
        clock: list[Any] = [0, ""]

        def headers(ctype: str) -> dict[str, str]:
            nonlocal count
            count += 1
            now = int(time.time())
            if clock[0] != now:
                clock[0] = now
                clock[1] = datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")
            return base | {"content-type": ctype, "ce-id": f"{prefix}{count:016x}", "ce-time": clock[1]}

        return headers

    async def _validate(self) -> bool:
        if not self._validated:
            status, headers, _ = await self._call("OPTIONS", "", "", b"", "")
            allowed = headers.get("webhook-allowed-origin", "")
            self._validated = 200 <= status < 300 and allowed in ("*", self.origin)
            if not self._validated:
                log.error("the charger function refused the abuse-protection check (%s, %r)", status, allowed)
        return self._validated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One charger socket, on the server's own ASGI ``receive``/``send`` (no router or middleware between:
        this is the per-frame path)."""
        if (await receive())["type"] != "websocket.connect":
            return
        cid, charger = str(uuid.uuid4()), scope["path"][len(_PREFIX) :]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        query["chargerId"] = [charger]
        headers: dict[str, list[str]] = {}
        for k, v in scope["headers"]:
            headers.setdefault(k.decode("latin-1"), []).append(v.decode("latin-1"))
        offered: list[str] = list(scope.get("subprotocols") or [])
        body = {"claims": {}, "query": query, "headers": headers, "subprotocols": offered, "clientCertificates": []}
        if not await self._validate():
            await _deny(scope, receive, send, 502)
            return
        status, _, payload = await self._call("POST", wps.CONNECT, cid, json.dumps(body).encode(), "application/json")
        if not 200 <= status < 300:
            await _deny(scope, receive, send, status if 400 <= status < 500 else 500, payload if status < 500 else b"")
            return
        chosen = _json_object(payload) if status == 200 else {}
        subprotocol, user_id = str(chosen.get("subprotocol") or "") or None, str(chosen.get("userId") or "") or None
        if subprotocol is not None and subprotocol not in offered:
            log.error("the charger function chose subprotocol %r, not offered by %s", subprotocol, charger)
            await _deny(scope, receive, send, 500)
            return
        await send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": []})
        lock = asyncio.Lock()
        self._sockets[cid] = (send, lock)
        ce = {"userId": user_id, "subprotocol": subprotocol}
        message_headers = self._message_headers(cid, ce)
        reason = "closed"
        try:
            await self._call("POST", wps.CONNECTED, cid, b"{}", "application/json", **ce)
            while True:
                frame = await receive()
                if frame["type"] != "websocket.receive":  # websocket.disconnect
                    reason = f"closed by the client ({frame.get('code', 1005)})"
                    break
                text = frame.get("text")
                if text is not None:
                    frame_body, ctype = text.encode(), "text/plain"
                else:
                    frame_body, ctype = frame.get("bytes") or b"", "application/octet-stream"
                status, binary, reply = await self._message(message_headers(ctype), frame_body)
                if not 200 <= status < 300:
                    reason = f"the message event failed with {status}"
                    async with lock:
                        await send({"type": "websocket.close", "code": 1011, "reason": "upstream failed"})
                    break
                if reply:
                    answer = {"type": "websocket.send", "bytes": reply} if binary else _text(reply.decode("utf-8"))
                    async with lock:
                        await send(answer)
        except (RuntimeError, OSError) as exc:  # uvicorn's ClientDisconnected is an OSError
            reason = f"connection lost: {exc!r}"
        finally:
            self._sockets.pop(cid, None)
            disconnected = json.dumps({"reason": reason}).encode()
            await asyncio.shield(self._call("POST", wps.DISCONNECTED, cid, disconnected, "application/json", **ce))


def _text(text: str) -> dict[str, Any]:
    return {"type": "websocket.send", "text": text}


async def _deny(scope: Scope, receive: Receive, send: Send, status: int, body: bytes = b"") -> None:
    """Refuse the handshake: Web PubSub returns the function's 4xx as the handshake's response (Starlette's
    Response sends it as the denial response on a WebSocket scope); without the server's denial-response
    extension, a close before accepting (uvicorn answers it with a 403)."""
    if "websocket.http.response" in scope.get("extensions", {}):
        await Response(body, status_code=status, media_type="text/plain")(scope, receive, send)
    else:
        await send({"type": "websocket.close", "code": 1008})

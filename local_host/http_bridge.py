"""HTTP triggers: ASGI request in, ``func.HttpRequest`` to the function, ``func.HttpResponse`` out.

Mirrors the Functions host: routes under the host.json prefix, method lists
honoured (a method that is not listed is a 404, as in Azure), route values
and query parameters passed explicitly, an unhandled exception is an empty 500.
Plain ASGI rather than a Starlette endpoint: this is the hot path of every
request, and the bench (bench/health_rps.py) holds it to half a bare server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from urllib.parse import parse_qsl

import azure.functions as func
from starlette.types import Receive, Scope, Send

from local_host.discovery import HttpFunction
from local_host.invoke import call_user_function
from local_host.routes import CompiledRoute, compile_route

# The app's own limit (DESIGN section 8): the host stops reading there rather than buffer more.
from shared.http.endpoint import MAX_BODY_BYTES

__all__ = ["MAX_BODY_BYTES", "HttpBridge", "problem_body", "response_start"]

log = logging.getLogger("local_host.http")
_FRAMING = {"content-length", "transfer-encoding", "connection"}
Match = tuple[HttpFunction, dict[str, str]]


def problem_body(status: int, title: str, detail: str, code: str) -> bytes:
    """An RFC 9457 problem document (DESIGN section 8)."""
    return json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code}
    ).encode()


TOO_LARGE = problem_body(413, "Payload Too Large", "Request bodies are limited to 1 MiB.", "payload_too_large")


async def response_start(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def encode_response(result: object) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    if result is None:
        return 204, [], b""
    if isinstance(result, str):
        result = func.HttpResponse(result)
    if not isinstance(result, func.HttpResponse):
        raise TypeError(f"an HTTP function must return func.HttpResponse, got {type(result).__name__}")
    raw: list[tuple[bytes, bytes]] = []
    # the worker's rule: the function's Content-Type header, else mimetype (+ charset for text/*)
    if "content-type" not in result.headers:
        mimetype = result.mimetype
        ctype = f"{mimetype}; charset={result.charset}" if mimetype.startswith("text/") else mimetype
        raw.append((b"content-type", ctype.encode("latin-1")))
    for key, value in result.headers.items():
        if key.lower() not in _FRAMING:  # the server computes these from the body it sends
            raw.append((key.lower().encode("latin-1"), str(value).encode("latin-1")))
    return result.status_code, raw, result.get_body()


class _BodyTooLarge(Exception):
    pass


async def read_body(scope: Scope, receive: Receive) -> bytes:
    for key, value in scope["headers"]:
        if key == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
            raise _BodyTooLarge  # refused before reading a byte
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:  # no (or a lying) Content-Length: counted while streaming
            raise _BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def request_url(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host")
    if host is None:
        server_host, port = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server_host}:{port}"
    path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    return f"{scope.get('scheme', 'http')}://{host}{path.decode('latin-1')}" + (
        f"?{query.decode('latin-1')}" if query else ""
    )


class HttpBridge:
    def __init__(self, functions: Sequence[HttpFunction], route_prefix: str) -> None:
        self.prefix = "/" + route_prefix.strip("/").lower() if route_prefix.strip("/") else ""
        compiled = [(compile_route(f.route), f) for f in functions]
        # most specific first, as ASP.NET routing orders templates
        self.routes: list[tuple[CompiledRoute, HttpFunction]] = sorted(compiled, key=lambda r: r[0].precedence)

    def match(self, path: str, method: str) -> Match | None:
        if self.prefix:
            lowered = path.lower()
            if lowered != self.prefix and not lowered.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :]
        for route, function in self.routes:
            if function.methods is not None and method not in function.methods:
                continue
            values = route.match(path)
            if values is not None:
                return function, values
        return None

    async def serve(self, found: Match, scope: Scope, receive: Receive, send: Send) -> None:
        function, route_params = found
        try:
            body = await read_body(scope, receive)
        except _BodyTooLarge:
            await response_start(send, 413, TOO_LARGE, [(b"content-type", b"application/problem+json")])
            return
        except ConnectionResetError:
            return
        headers: dict[str, str] = {}
        for raw_key, raw_value in scope["headers"]:
            key, value = raw_key.decode("latin-1"), raw_value.decode("latin-1")
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        # Azure's front end appends the caller's address; the functions read it for throttling.
        if scope.get("client"):
            peer = scope["client"][0]
            headers["x-forwarded-for"] = (
                f"{headers['x-forwarded-for']}, {peer}" if "x-forwarded-for" in headers else peer
            )
        query = scope.get("query_string", b"").decode("latin-1")
        request = func.HttpRequest(
            scope["method"],
            request_url(scope, headers),
            headers=headers,
            params=dict(parse_qsl(query, keep_blank_values=True)),
            route_params=route_params,
            body=body,
        )
        try:
            result = await call_user_function(function.fn, function.arg_name, request, function.name)
            status, raw, payload = encode_response(result)
        except Exception:
            log.exception("function %s raised", function.name)
            status, raw, payload = 500, [], b""
        await response_start(send, status, payload, raw)

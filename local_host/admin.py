"""Core Tools' admin endpoint: ``POST /admin/functions/<name>`` fires a non-HTTP function.

The body is ``{"input": "..."}``: for a Service Bus function the input is the
message body, handed straight to the function (not put on the bus), as Core
Tools does; for a timer it is ignored. Answers 202 and runs the function in
the background; ``wait()`` lets tests and ``drain()`` see it finish.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local_host.bus_runner import BusRunner
from local_host.discovery import BusFunction, Discovered
from local_host.http_bridge import MAX_BODY_BYTES, problem_body
from local_host.timers import TimerRunner

__all__ = ["AdminEndpoint"]


def _problem(status: int, title: str, detail: str, code: str) -> Response:
    body = problem_body(status, title, detail, code)
    return Response(body, status_code=status, media_type="application/problem+json")


class AdminEndpoint:
    def __init__(self, functions: Discovered, bus: BusRunner, timers: TimerRunner) -> None:
        self.functions, self.bus, self.timers = functions, bus, timers
        self._running: set[asyncio.Task[None]] = set()

    def route(self) -> Route:
        return Route("/admin/functions/{name}", self.invoke, methods=["POST"])

    async def wait(self, timeout: float | None = None) -> None:
        """Until every function fired so far has finished (or the timeout passed)."""
        while self._running:
            _, pending = await asyncio.wait(set(self._running), timeout=timeout)
            if pending:
                return

    async def invoke(self, request: Request) -> Response:
        name = request.path_params["name"]
        target = self.functions.non_http(name)
        if target is None:
            if self.functions.is_http(name):
                return _problem(400, "Bad Request", f"{name} is an HTTP function; call its route", "http_function")
            return _problem(404, "Not Found", f"no function named {name}", "function_not_found")
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return _problem(413, "Payload Too Large", "Request bodies are limited to 1 MiB.", "payload_too_large")
        try:
            data: Any = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _problem(400, "Bad Request", 'the body must be JSON like {"input": "..."}', "invalid_json")
        given = data.get("input", "") if isinstance(data, dict) else ""
        text = given if isinstance(given, str) else json.dumps(given)
        if isinstance(target, BusFunction):
            work = self.bus.fire(target, text.encode())
        else:
            work = self.timers.fire(target)
        task = asyncio.create_task(work, name=f"admin:{target.name}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return Response(status_code=202)

"""LocalHost: the FunctionApp served over HTTP, fed from the local bus and its timers.

Programmatic API for ``python -m local_host``, tests and benchmarks::

    async with LocalHost(app, settings, port=0) as host:
        httpx.get(host.url + "/api/health")
        await host.drain()  # run every visible bus message to completion
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import azure.functions as func
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from local_host.admin import AdminEndpoint
from local_host.bus_runner import BusRunner
from local_host.discovery import discover
from local_host.hostconfig import load_host_json, settings_values
from local_host.http_bridge import HttpBridge
from local_host.middleware import RequestLog
from local_host.ocpp_relay import OcppMount, OcppRelay, mount
from local_host.timers import TimerRunner
from local_host.uvicorn_server import EmbeddedUvicorn
from shared.adapters.embedded.local_bus import LocalBus
from shared.config import Settings, load_settings, project_root

__all__ = ["LocalHost"]

log = logging.getLogger("local_host")


class LocalHost:
    def __init__(
        self,
        app: func.FunctionApp,
        settings: Settings | None = None,
        host: str = "127.0.0.1",
        port: int = 7071,
        *,
        bus: LocalBus | None = None,
        host_json: Path | None = None,
        poll: bool = True,
        timers: bool = True,
        poll_interval: float = 0.1,
        idle_poll_interval: float = 1.0,
        retry_base_seconds: float = 1.0,
        retry_max_seconds: float = 60.0,
        stop_grace_seconds: float = 5.0,
        extra_routes: Sequence[BaseRoute] = (),
        ocpp: OcppMount | None = None,
    ) -> None:
        self.settings = s = settings or load_settings()
        self._owns_bus = bus is None  # a bus the caller passed stays open for it to inspect
        self.bus = bus or LocalBus(s.resolve_path(s.local_bus_path), s.bus_max_delivery_count)
        self.host_json = load_host_json(host_json or project_root() / "host.json")
        self.functions = discover(app)
        values = settings_values(s)  # %Name% in triggers: Settings aliases, then the environment
        self.bus_runner = BusRunner(
            self.bus,
            self.functions.bus,
            values,
            concurrency=self.host_json.max_concurrent_calls,
            poll_interval=poll_interval,
            idle_poll_interval=idle_poll_interval,
            retry_base_seconds=retry_base_seconds,
            retry_max_seconds=retry_max_seconds,
        )
        self.timer_runner = TimerRunner(self.functions.timers, values)
        self.admin = AdminEndpoint(self.functions, self.bus_runner, self.timer_runner)
        self._poll, self._timers, self._grace = poll, timers, stop_grace_seconds
        self._bridge = HttpBridge(self.functions.http, self.host_json.route_prefix)
        # ocpp: the charger function's Web PubSub stand-in at /ocpp/{chargerId} (DESIGN section 6), served before
        # anything else (a charger's socket); then HTTP functions; the admin endpoint, extra routes (static files)
        # and 404 after
        self.ocpp: OcppRelay | None = mount(self.functions, self.host_json.route_prefix, ocpp) if ocpp else None
        # Web PubSub's REST API for those sockets lives under /api too, so it is tried before the functions
        self._relay_api = self.ocpp.rest_api() if self.ocpp else None
        self._others = Starlette(routes=[self.admin.route(), *extra_routes])
        self.asgi = RequestLog(self._dispatch)
        self._http = EmbeddedUvicorn(self.asgi, host, port, stop_grace_seconds)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.ocpp is not None and self.ocpp.handles(scope):  # a charger socket: the relay's own ASGI app
            await self.ocpp(scope, receive, send)
            return
        if self._relay_api is not None and self._relay_api.handles(scope):
            await self._relay_api(scope, receive, send)
            return
        if scope["type"] == "http" and not scope["path"].startswith("/admin/"):
            found = self._bridge.match(scope["path"], scope["method"])
            if found is not None:
                await self._bridge.serve(found, scope, receive, send)
                return
        await self._others(scope, receive, send)

    @property
    def host(self) -> str:
        return self._http.host

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> LocalHost:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self.bus_runner.start(poll=self._poll)
        try:
            await self._http.start()
        except BaseException:
            await self.bus_runner.stop(0)
            raise
        if self._timers:
            await self.timer_runner.start()
        f = self.functions
        log.info(
            "local host on %s: %d HTTP, %d Service Bus, %d timer functions",
            self.url,
            len(f.http),
            len(f.bus),
            len(f.timers),
        )

    async def stop(self) -> None:
        # no new work first (timers), then let HTTP requests and bus messages in flight finish
        await self.timer_runner.stop()
        await self._http.stop()
        await self.bus_runner.stop(self._grace)
        await self.admin.wait(self._grace)
        if self._owns_bus:
            await self.bus.close()

    async def drain(self) -> int:
        """Finish admin invocations, then process bus messages until none is visible; returns how many."""
        await self.admin.wait()
        return await self.bus_runner.drain()

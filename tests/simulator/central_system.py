"""A minimal OCPP 1.6J central system for the simulator's tests: ``ocpp.v16.ChargePoint`` on the server side.

It serves ``ws://127.0.0.1:<port>/ocpp/<chargerId>`` with HTTP Basic auth and the
``ocpp1.6`` subprotocol, records every CALL it receives (snake_case fields, as the
package hands them over) and can send commands to a connected charger. Answers
are configurable per test (boot status and interval, idTag statuses).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from simulator.link import basic_auth
from simulator.wire import ChargePoint, fields_of, ocpp_time, on, reply, request

STEP = 5.0  # seconds any single wait may take


@dataclass
class Received:
    charger_id: str
    action: str
    payload: dict[str, Any]
    at: datetime


@dataclass
class CentralSystem:
    passwords: dict[str, str]
    boot_answers: list[tuple[str, int]] = field(default_factory=list)  # (status, interval) to give, in order
    boot_interval: int = 300  # once boot_answers is used up: Accepted with this interval
    tags: dict[str, str] = field(default_factory=dict)  # idTag -> Authorize status (default Invalid)
    start_tags: dict[str, str] = field(default_factory=dict)  # idTag -> StartTransaction status (default: tags)
    received: list[Received] = field(default_factory=list)
    sessions: dict[str, CsSession] = field(default_factory=dict)
    connections: int = 0
    port: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _server: Server | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    def record(self, charger_id: str, action: str, payload: dict[str, Any]) -> None:
        self.received.append(Received(charger_id, action, payload, datetime.now(UTC)))
        self.notify()

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def calls(self, action: str | None = None, charger_id: str | None = None) -> list[dict[str, Any]]:
        return [
            r.payload
            for r in self.received
            if (action is None or r.action == action) and (charger_id is None or r.charger_id == charger_id)
        ]

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = STEP) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    async def wait_for(
        self, action: str, predicate: Callable[[dict[str, Any]], bool] = lambda _: True, count: int = 1,
        timeout: float = STEP,
    ) -> list[dict[str, Any]]:  # fmt: skip
        def matching() -> list[dict[str, Any]]:
            return [p for p in self.calls(action) if predicate(p)]

        await self.wait_until(lambda: len(matching()) >= count, timeout)
        return matching()

    async def send(self, charger_id: str, action: str, **fields: Any) -> dict[str, Any]:
        """Send a command to the charger's current connection; its answer's fields."""
        async with asyncio.timeout(STEP):
            return fields_of(await self.sessions[charger_id].call(request(action, **fields), suppress=False))

    async def disconnect(self, charger_id: str) -> None:
        """Close the charger's socket from the central system's side."""
        await self.sessions[charger_id].ws.close()

    def next_boot(self) -> tuple[str, int]:
        return self.boot_answers.pop(0) if self.boot_answers else ("Accepted", self.boot_interval)

    def next_transaction_id(self) -> int:
        return next(self._ids)

    async def start(self) -> None:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")], process_request=self._check
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _check(self, connection: ServerConnection, req: Request) -> Response | None:
        charger_id = req.path.rsplit("/", 1)[-1]
        password = self.passwords.get(charger_id)
        if password is None or req.headers.get("Authorization") != basic_auth(charger_id, password):
            return connection.respond(HTTPStatus.UNAUTHORIZED, "unknown charger or wrong password\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        charger_id = ws.request.path.rsplit("/", 1)[-1]
        session = CsSession(charger_id, ws, self)
        self.sessions[charger_id] = session
        self.connections += 1
        self.notify()
        try:
            while True:
                await session.route_message(await ws.recv())
        except ConnectionClosed:
            pass


class CsSession(ChargePoint):
    """One charger's connection, as the central system sees it."""

    def __init__(self, charger_id: str, ws: ServerConnection, cs: CentralSystem) -> None:
        super().__init__(charger_id, ws, response_timeout=STEP)
        self.cs, self.ws = cs, ws

    @on("BootNotification")
    def on_boot(self, **payload: Any) -> Any:
        self.cs.record(self.id, "BootNotification", payload)
        status, interval = self.cs.next_boot()
        return reply("BootNotification", current_time=ocpp_time(), interval=interval, status=status)

    @on("Heartbeat")
    def on_heartbeat(self, **payload: Any) -> Any:
        self.cs.record(self.id, "Heartbeat", payload)
        return reply("Heartbeat", current_time=ocpp_time())

    @on("StatusNotification")
    def on_status(self, **payload: Any) -> Any:
        self.cs.record(self.id, "StatusNotification", payload)
        return reply("StatusNotification")

    @on("Authorize")
    def on_authorize(self, **payload: Any) -> Any:
        self.cs.record(self.id, "Authorize", payload)
        return reply("Authorize", id_tag_info={"status": self.cs.tags.get(payload["id_tag"], "Invalid")})

    @on("StartTransaction")
    def on_start(self, **payload: Any) -> Any:
        tag = payload["id_tag"]
        status = self.cs.start_tags.get(tag, self.cs.tags.get(tag, "Invalid"))
        transaction_id = self.cs.next_transaction_id()
        self.cs.record(self.id, "StartTransaction", payload | {"answered_id": transaction_id})
        return reply("StartTransaction", transaction_id=transaction_id, id_tag_info={"status": status})

    @on("MeterValues")
    def on_meter_values(self, **payload: Any) -> Any:
        self.cs.record(self.id, "MeterValues", payload)
        return reply("MeterValues")

    @on("StopTransaction")
    def on_stop(self, **payload: Any) -> Any:
        self.cs.record(self.id, "StopTransaction", payload)
        return reply("StopTransaction")

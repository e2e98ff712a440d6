"""The charger's network side: connect, register (BootNotification), heartbeats, statuses, the outbox sender.

A supervisor task keeps one connection: after a loss it reconnects by itself
(unless ``drop()`` took the charger offline on purpose); a refused handshake
stops it and is kept in ``error``. Every CALL and its answer go to ``journal``,
and every change wakes the ``wait_*`` helpers, so tests wait on facts, never on
the clock, and always within a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from simulator.connector import Connector, ConnectorSpec
from simulator.errors import CallFailed, ChargerRefused, ChargerUnreachable, Offline, SimulatorError
from simulator.link import Link, open_link
from simulator.options import Options
from simulator.outbox import Outbox, Queued
from simulator.peer import Commands
from simulator.wire import ocpp_time

__all__ = ["WAIT", "ChargePointBase", "Exchange"]

WAIT = 5.0  # default bound of every wait_* helper, in seconds
MAX_ATTEMPTS = 3  # TransactionMessageAttempts: tries of a transaction message that gets no answer


@dataclass
class Exchange:
    """One CALL the charger sent, and how it ended."""

    action: str
    request: dict[str, Any]
    sent_at: datetime
    response: dict[str, Any] | None = None
    error: str | None = None


class ChargePointBase:
    def __init__(
        self, url: str, charger_id: str, password: str, connectors: Sequence[ConnectorSpec | float], options: Options
    ) -> None:
        if not connectors:
            raise ValueError("a charger needs at least one connector")
        self.charger_id, self.options = charger_id, options
        self.url = f"{url.rstrip('/')}/{quote(charger_id, safe='')}"
        self._password = password
        specs = [c if isinstance(c, ConnectorSpec) else ConnectorSpec(max_kw=float(c)) for c in connectors]
        self.connectors = {n: Connector(n, spec) for n, spec in enumerate(specs, start=1)}
        self.registration: str | None = None  # the last BootNotification status
        self.heartbeat_interval = options.heartbeat_interval or 300.0
        self.meter_interval = options.meter_interval
        self.announced = False  # statuses sent on the current connection
        self.journal: list[Exchange] = []
        self.outbox = Outbox()
        self.auth_cache: dict[str, str] = {}  # idTag -> its last status: the local authorization cache
        self.error: SimulatorError | None = None  # why the charger gave up (a refused reconnect)
        self.log = logging.getLogger("simulator")
        self._link: Link | None = None
        self._want_online = False
        self._connecting = asyncio.Lock()
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None

    # --- hooks for the charging side
    def _commands(self) -> Commands:
        raise NotImplementedError

    def _answered(self, item: Queued, answer: dict[str, Any] | None, error: CallFailed | None) -> None:
        """The central system answered a queued transaction message (or refused it with ``error``)."""

    # --- state and waiting
    @property
    def online(self) -> bool:
        return self._link is not None and self._link.open

    @property
    def accepted(self) -> bool:
        return self.registration == "Accepted"

    def event(self, message: str, *args: object) -> None:
        """One log line per event, prefixed with the charger's id."""
        self.log.info("%s " + message, self.charger_id, *args)

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    if self.error is not None:
                        raise self.error
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"{self.charger_id}: {what} not reached within {timeout:g} s") from None

    async def wait_for_boot(self, timeout: float = WAIT) -> None:
        """Until BootNotification was accepted and the statuses went out on the current connection."""
        await self.wait_until(lambda: self.accepted and self.online and self.announced, timeout, "boot")

    async def wait_for_status(self, connector_id: int, status: str, timeout: float = WAIT) -> Connector:
        connector = self.connectors[connector_id]
        await self.wait_until(lambda: connector.status == status, timeout, f"connector {connector_id} {status}")
        return connector

    async def wait_for_call(
        self, action: str, predicate: Callable[[Exchange], bool] = lambda _: True, *, count: int = 1,
        timeout: float = WAIT,
    ) -> list[Exchange]:  # fmt: skip
        """Until ``count`` CALLs of ``action`` matching ``predicate`` were answered; those calls."""

        def answered() -> list[Exchange]:
            return [e for e in self.journal if e.action == action and e.response is not None and predicate(e)]

        await self.wait_until(lambda: len(answered()) >= count, timeout, f"{count} answered {action}")
        return answered()

    async def wait_until_sent(self, timeout: float = WAIT) -> None:
        """Until every queued transaction message has been answered (or given up)."""
        await self.wait_until(lambda: len(self.outbox) == 0, timeout, "an empty outbox")

    def follow(self, work: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run ``work`` as a task the charger owns: cancelled on close, its failure logged."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            if isinstance(exc, SimulatorError | TimeoutError):
                self.log.warning("%s %s", self.charger_id, exc)
            else:
                self.log.error("%s failed", self.charger_id, exc_info=exc)

    # --- life cycle
    async def start(self) -> None:
        """Connect (ChargerRefused, ChargerUnreachable) and run: boot, statuses, heartbeats, the outbox."""
        if self._runner is not None:
            return
        self._want_online = True
        await self._connect()
        self._runner = self.follow(self._run())
        self.follow(self._send_queued())

    async def close(self) -> None:
        """Stop everything this charger runs and close its connection (sessions are left as they are)."""
        self._want_online = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if self._link is not None:
            await self._link.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._runner = None

    async def drop(self) -> None:
        """Lose the connection on purpose and stay offline until ``reconnect()``."""
        self._want_online = False
        if self._link is not None and self._link.open:
            await self._link.close()
            self.event("connection dropped")

    async def reconnect(self) -> None:
        self._want_online = True
        self.error = None
        await self._connect()

    async def _connect(self) -> None:
        async with self._connecting:
            if self.online:
                return
            link = await open_link(
                self.url, self.charger_id, self._password, self._commands(),
                open_timeout=self.options.open_timeout, response_timeout=self.options.response_timeout,
                logger=logging.getLogger("simulator.frames"),
            )  # fmt: skip
            self._link, self.announced = link, False
            self.event("connected to %s", self.url)
            self.notify()
            self.follow(self._watch(link))

    async def _watch(self, link: Link) -> None:
        await link.closed.wait()
        if self._want_online:
            self.event("connection lost")
        self.announced = False
        self.notify()

    async def _run(self) -> None:
        delay = self.options.reconnect_delay
        while True:
            link = self._link
            if link is not None and link.open:
                await self._serve(link)
                continue
            if not (self._want_online and self.options.reconnect):
                await self._changed.wait()
                continue
            await asyncio.sleep(delay)
            try:
                await self._connect()
                delay = self.options.reconnect_delay
            except ChargerRefused as exc:
                self.error, self._want_online = exc, False
                self.log.error("%s", exc)
                self.notify()
            except ChargerUnreachable as exc:
                delay = min(delay * 2, 30.0)
                self.event("still offline (%s); next try in %g s", exc, delay)

    async def _serve(self, link: Link) -> None:
        try:
            if not self.accepted:
                await self._boot(link)
            await self._announce()
            while link.open:
                if await self._closed_within(link, self.heartbeat_interval):
                    break
                await self._try(link, "Heartbeat", {})
        except Offline:
            pass
        await link.closed.wait()

    async def _boot(self, link: Link) -> None:
        while True:
            wait = self.options.boot_retry_seconds
            answer = await self._try(link, "BootNotification", self._boot_fields())
            if answer is not None:
                self.registration, interval = str(answer["status"]), float(answer.get("interval") or 0)
                self.notify()
                if self.accepted:
                    self.heartbeat_interval = self.options.heartbeat_interval or interval or 300.0
                    self.event("boot accepted (heartbeat every %g s)", self.heartbeat_interval)
                    return
                wait = interval or wait
                self.event("boot %s: trying again in %g s", self.registration, wait)
            if await self._closed_within(link, wait):
                raise Offline(self.charger_id, "BootNotification")

    def _boot_fields(self) -> dict[str, Any]:
        o = self.options
        fields = {
            "charge_point_vendor": o.vendor,
            "charge_point_model": o.model,
            "firmware_version": o.firmware_version,
        }
        return fields | ({"charge_point_serial_number": o.serial_number} if o.serial_number else {})

    async def _announce(self) -> None:
        """StatusNotification for the charger (connector 0) and each connector, as they are now."""
        link = self._link
        if link is None:
            raise Offline(self.charger_id, "StatusNotification")
        whole = {"connector_id": 0, "error_code": "NoError", "status": "Available", "timestamp": ocpp_time()}
        await self._try(link, "StatusNotification", whole)
        for connector in list(self.connectors.values()):
            await self.send_status(connector)
        self.announced = True
        self.notify()

    async def send_status(self, connector: Connector) -> None:
        link = self._link
        if link is None or not link.open or not self.accepted:
            return  # sent with the others on the next connection
        fields = {"connector_id": connector.connector_id, "error_code": connector.error_code,
                  "status": connector.status, "timestamp": ocpp_time(connector.status_at)}  # fmt: skip
        await self._try(link, "StatusNotification", fields)

    async def set_status(self, connector: Connector, status: str, error_code: str = "NoError") -> None:
        if (connector.status, connector.error_code) == (status, error_code):
            return
        connector.status, connector.error_code, connector.status_at = status, error_code, datetime.now(UTC)
        self.event("connector %d %s%s", connector.connector_id, status, f" ({error_code})" * (error_code != "NoError"))
        self.notify()
        with contextlib.suppress(Offline):
            await self.send_status(connector)

    # --- calls
    async def exchange(self, link: Link, action: str, fields: dict[str, Any]) -> dict[str, Any]:
        entry = Exchange(action, fields, datetime.now(UTC))
        self.journal.append(entry)
        try:
            entry.response = await link.call(action, fields)
            return entry.response
        except (SimulatorError, TimeoutError) as exc:
            entry.error = str(exc) or type(exc).__name__
            raise
        finally:
            self.notify()

    async def _try(self, link: Link, action: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        """A call whose failure is logged, not raised (except Offline: the caller's loop ends)."""
        try:
            return await self.exchange(link, action, fields)
        except (CallFailed, TimeoutError) as exc:
            self.log.warning("%s %s: %s", self.charger_id, action, exc)
            return None

    @staticmethod
    async def _closed_within(link: Link, seconds: float) -> bool:
        try:
            await asyncio.wait_for(link.closed.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _send_queued(self) -> None:
        """The one sender of transaction messages: the outbox's head, once online and accepted, in order."""
        while True:
            await self._ready_to_send()
            item, link = self.outbox.head(), self._link
            if item is None or link is None:
                continue
            fields = item.ready_fields()
            if fields is None:
                self.event("%s of a session the central system never took: dropped", item.action)
                self.outbox.done(item)
                continue
            item.attempts += 1
            try:
                answer = await self.exchange(link, item.action, fields)
            except Offline:
                continue
            except TimeoutError:
                if item.attempts < MAX_ATTEMPTS:
                    continue
                self.log.warning("%s %s unanswered %d times: given up", self.charger_id, item.action, item.attempts)
                self.outbox.done(item)
            except CallFailed as exc:
                self.log.warning("%s %s", self.charger_id, exc)
                self._answered(item, None, exc)
                self.outbox.done(item)
            else:
                self._answered(item, answer, None)
                self.outbox.done(item)
            self.notify()

    async def _ready_to_send(self) -> None:
        while not (self.online and self.accepted and len(self.outbox) > 0):
            await self._changed.wait()

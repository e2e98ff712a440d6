"""A charger's state and how it is observed: connectors, the journal of CALLs, statuses, bounded waits.

Every CALL and its answer go to ``journal``, and every change wakes the
``wait_*`` helpers, so tests wait on facts, never on the clock, and always
within a timeout. The connection itself is ``simulator.connection``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from simulator.connector import Connector, ConnectorSpec
from simulator.errors import CallFailed, Offline, SimulatorError
from simulator.link import Link
from simulator.options import Options
from simulator.outbox import Outbox, Queued
from simulator.peer import Commands
from simulator.wire import ocpp_time

__all__ = ["WAIT", "ChargePointBase", "Exchange"]

WAIT = 5.0  # default bound of every wait_* helper, in seconds
JOURNAL_SIZE = 2000  # the latest CALLs kept: a simulator may run for days


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
        self.journal: deque[Exchange] = deque(maxlen=JOURNAL_SIZE)
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

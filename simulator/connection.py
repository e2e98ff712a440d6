"""The charger's connection: connect, register (BootNotification), heartbeats, statuses, the outbox sender.

A supervisor task keeps one connection: after a loss it reconnects by itself
(unless ``drop()`` took the charger offline on purpose); a refused handshake
stops it and is kept in ``error``. After a reconnect the charger does not boot
again (it did not reboot): it reports its statuses and sends what was queued.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from simulator.base import ChargePointBase
from simulator.errors import CallFailed, ChargerRefused, ChargerUnreachable, Offline
from simulator.link import Link, open_link
from simulator.wire import ocpp_time

__all__ = ["ConnectedCharger"]

MAX_ATTEMPTS = 3  # TransactionMessageAttempts: tries of a transaction message that gets no answer


class ConnectedCharger(ChargePointBase):
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
                item.attempts -= 1  # not a try: it goes out again once back online
                continue
            except TimeoutError:
                if item.attempts < MAX_ATTEMPTS:
                    continue
                self.log.warning("%s %s unanswered %d times: given up", self.charger_id, item.action, item.attempts)
                self._answered(item, None, None)
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

"""Sessions on the connectors: start (RFID or remote), meter values while the car charges, stop, unplug, faults.

Every transaction message goes through the outbox, so a session started or
stopped offline reaches the central system later, in order, with the times it
happened. Energy accrues from the car's battery model each time the meter is
read, by the real time elapsed times ``Options.speed``.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from typing import Any

from simulator.connection import ConnectedCharger
from simulator.connector import BUSY, Connector, Reservation, Transaction
from simulator.errors import CallFailed, ConnectorError, Offline
from simulator.meter import BEGIN, END, PERIODIC, Reading, meter_value
from simulator.outbox import Queued
from simulator.wire import ocpp_time

__all__ = ["ChargingStation"]


class ChargingStation(ConnectedCharger):
    _ids = itertools.count(1)  # local session numbers, until the central system gives transaction ids

    def connector(self, connector_id: int) -> Connector:
        found = self.connectors.get(connector_id)
        if found is None:
            raise ConnectorError(f"{self.charger_id} has no connector {connector_id} (it has {len(self.connectors)})")
        return found

    async def wait_for_transaction(self, connector_id: int, timeout: float = 5.0) -> Transaction:
        """Until a session on the connector has its transaction id from the central system; that session."""
        connector = self.connector(connector_id)

        def known() -> bool:
            return connector.transaction is not None and connector.transaction.server_id is not None

        await self.wait_until(known, timeout, f"a transaction id on connector {connector_id}")
        assert connector.transaction is not None
        return connector.transaction

    # --- sessions
    async def swipe(self, connector_id: int, id_tag: str) -> str:
        """Present an RFID card: Authorize, then start a session if Accepted; the same card again stops it.

        Returns the authorization status. Offline, a card accepted before (the local
        cache) starts a session; an unknown one only with ``allow_offline_unknown``.
        """
        connector = self.connector(connector_id)
        running = connector.transaction
        if running is not None:
            if running.id_tag != id_tag:
                raise ConnectorError(f"connector {connector_id} is charging for another card")
            await self.stop(connector_id, "Local", id_tag=id_tag)
            return "Accepted"
        if not connector.free_for(id_tag):
            raise ConnectorError(f"connector {connector_id} is {connector.status} and cannot start for {id_tag}")
        status = await self._authorize(id_tag)
        self.event("card %s at connector %d: %s", id_tag, connector_id, status)
        if status == "Accepted":
            if not connector.free_for(id_tag):
                raise ConnectorError(f"connector {connector_id} was taken while {id_tag} was being authorized")
            await self.start_session(connector, id_tag)
        return status

    async def _authorize(self, id_tag: str) -> str:
        link = self._link
        if link is not None and link.open and self.accepted:
            try:
                answer = await self.exchange(link, "Authorize", {"id_tag": id_tag})
            except CallFailed:
                return "Invalid"
            except (Offline, TimeoutError):
                pass  # decide as an offline charger does
            else:
                status = str(answer["id_tag_info"]["status"])
                self.auth_cache[id_tag] = status
                return status
        cached = self.auth_cache.get(id_tag)
        if cached is None:
            return "Accepted" if self.options.allow_offline_unknown else "Invalid"
        return cached

    async def start_session(self, connector: Connector, id_tag: str) -> Transaction | None:
        """Preparing, StartTransaction (through the outbox), then Charging once answered or when offline."""
        connector.starting = True
        try:
            reservation = connector.reservation
            reservation_id = reservation.reservation_id if reservation and reservation.allows(id_tag) else None
            if reservation_id is not None:
                self.release(connector)
            await self.set_status(connector, "Preparing")
            now, battery = datetime.now(UTC), connector.spec.car.plug_in()
            begin = meter_value(now, Reading(connector.register_wh, 0, 0, battery.soc), BEGIN,
                                kwh=self.options.kwh_unit, register_only=True)  # fmt: skip
            tx = Transaction(next(self._ids), connector.connector_id, id_tag, round(connector.register_wh), now,
                             battery, begin, reservation_id)  # fmt: skip
            connector.transaction = tx
            fields: dict[str, Any] = {"connector_id": connector.connector_id, "id_tag": id_tag,
                                      "meter_start": tx.meter_start, "timestamp": ocpp_time(now)}  # fmt: skip
            if reservation_id is not None:
                fields["reservation_id"] = reservation_id
            self.event("connector %d session for %s (meterStart %d Wh)", connector.connector_id, id_tag, tx.meter_start)
            await self._settle(self.outbox.put("StartTransaction", fields, tx))
            if connector.transaction is not tx or tx.refused or tx.auth_status not in (None, "Accepted"):
                return None  # stopped meanwhile, or being stopped as DeAuthorized
            await self.set_status(connector, "SuspendedEV" if battery.full else "Charging")
            tx.advanced_at = asyncio.get_running_loop().time()
            tx.meter_task = self.follow(self._meter(connector, tx))
            return tx
        finally:
            connector.starting = False

    async def _settle(self, item: Queued) -> None:
        """Online, give a queued message a response time to be answered, so statuses follow it on the wire."""
        self.notify()
        if self.online and self.accepted:
            try:
                await asyncio.wait_for(item.settled.wait(), self.options.response_timeout)
            except TimeoutError:
                pass  # it stays queued; the session goes on

    def _answered(self, item: Queued, answer: dict[str, Any] | None, error: CallFailed | None) -> None:
        tx = item.transaction
        if item.action != "StartTransaction" or tx is None:
            return
        if answer is None:
            tx.refused = True
        else:
            tx.server_id = int(answer["transaction_id"])
            tx.auth_status = str((answer.get("id_tag_info") or {}).get("status", "Accepted"))
            self.auth_cache[tx.id_tag] = tx.auth_status
            self.event("connector %d transaction %d (%s)", tx.connector_id, tx.server_id, tx.auth_status)
        connector = self.connectors[tx.connector_id]
        if connector.transaction is tx and (tx.refused or tx.auth_status != "Accepted"):
            reason = "the central system refused StartTransaction" if tx.refused else f"idTag {tx.auth_status}"
            self.event("connector %d stops: %s", tx.connector_id, reason)
            self.follow(self.end_session(connector, "DeAuthorized"))

    async def _meter(self, connector: Connector, tx: Transaction) -> None:
        """Periodic MeterValues while the session lasts; the car full, the status becomes SuspendedEV."""
        loop = asyncio.get_running_loop()
        while connector.transaction is tx:
            since = loop.time()
            while (left := (self.meter_interval or 1.0) - (loop.time() - since)) > 0:
                await asyncio.sleep(min(left, 1.0))  # a new MeterValueSampleInterval applies within a second
            if connector.transaction is not tx:
                return
            interval = self.meter_interval
            self._advance(connector, tx)
            if tx.battery.full and connector.status == "Charging":
                self.event("connector %d car full (SoC %.0f %%): idle", connector.connector_id, tx.battery.soc)
                await self.set_status(connector, "SuspendedEV")
            if interval:
                self.queue_meter_values(connector, PERIODIC)
                reading = connector.reading()
                self.event("connector %d meter %.3f kWh, %.1f kW, SoC %.0f %%", connector.connector_id,
                           reading.energy_wh / 1000, reading.power_w / 1000, reading.soc or 0)  # fmt: skip

    def _advance(self, connector: Connector, tx: Transaction) -> None:
        if tx.advanced_at is None:
            return
        now = asyncio.get_running_loop().time()
        connector.advance((now - tx.advanced_at) * self.options.speed)
        tx.advanced_at = now

    def queue_meter_values(self, connector: Connector, context: str) -> None:
        sample = meter_value(datetime.now(UTC), connector.reading(), context, kwh=self.options.kwh_unit)
        fields = {"connector_id": connector.connector_id, "meter_value": [sample]}
        self.outbox.put("MeterValues", fields, connector.transaction)
        self.notify()

    async def stop(self, connector_id: int, reason: str = "Local", *, id_tag: str | None = None) -> None:
        """End the connector's session here (StopTransaction with meterStop and transactionData); Finishing."""
        connector = self.connector(connector_id)
        if connector.transaction is None:
            raise ConnectorError(f"connector {connector_id} has no session to stop")
        await self.end_session(connector, reason, id_tag=id_tag)

    async def end_session(
        self, connector: Connector, reason: str, *, id_tag: str | None = None, status: str = "Finishing",
        error_code: str = "NoError",
    ) -> None:  # fmt: skip
        tx = connector.transaction
        if tx is None:
            return
        self._advance(connector, tx)
        connector.transaction, connector.power_w = None, 0.0
        if tx.meter_task is not None and tx.meter_task is not asyncio.current_task():
            tx.meter_task.cancel()
        now = datetime.now(UTC)
        end = meter_value(now, Reading(connector.register_wh, 0, 0, tx.battery.soc), END,
                          kwh=self.options.kwh_unit, register_only=True)  # fmt: skip
        fields: dict[str, Any] = {"meter_stop": round(connector.register_wh), "timestamp": ocpp_time(now),
                                  "reason": reason, "transaction_data": [tx.begin, end]}  # fmt: skip
        if id_tag is not None:
            fields["id_tag"] = id_tag
        used = round(connector.register_wh) - tx.meter_start
        self.event("connector %d session ended (%s, %d Wh)", connector.connector_id, reason, used)
        if not tx.refused:
            await self._settle(self.outbox.put("StopTransaction", fields, tx))
        await self.set_status(connector, status, error_code)
        if status == "Finishing" and self.options.unplug_after is not None:
            self.follow(self._unplug_later(connector, self.options.unplug_after))

    async def _unplug_later(self, connector: Connector, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if connector.transaction is None and connector.status == "Finishing":
            await self.unplug(connector.connector_id)

    async def unplug(self, connector_id: int) -> None:
        """The driver pulls the cable: a running session stops (EVDisconnected); Finishing, then Available."""
        connector = self.connector(connector_id)
        if connector.transaction is not None:
            await self.end_session(connector, "EVDisconnected")
        if connector.fault or connector.status not in BUSY:
            return
        await self.set_status(connector, "Finishing")
        await self.set_status(connector, "Reserved" if connector.reservation else "Available")

    # --- faults and reservations
    async def fault(self, connector_id: int, error_code: str = "GroundFailure") -> None:
        """The connector fails: Faulted with ``error_code``; a running session stops with reason Other."""
        connector = self.connector(connector_id)
        connector.fault = error_code
        if connector.transaction is not None:
            await self.end_session(connector, "Other", status="Faulted", error_code=error_code)
        else:
            await self.set_status(connector, "Faulted", error_code)

    async def clear_fault(self, connector_id: int) -> None:
        connector = self.connector(connector_id)
        if connector.fault is None:
            return
        connector.fault = None
        self.event("connector %d fault cleared", connector_id)
        await self.set_status(connector, "Reserved" if connector.reservation else "Available")

    def reserve(self, connector: Connector, reservation: Reservation) -> None:
        self.release(connector)
        connector.reservation = reservation
        reservation.expiry = self.follow(self._expire(connector, reservation))
        self.event("connector %d reserved for %s until %s", connector.connector_id, reservation.id_tag,
                   ocpp_time(reservation.expires_at))  # fmt: skip
        self.notify()

    def release(self, connector: Connector) -> None:
        reservation, connector.reservation = connector.reservation, None
        if (
            reservation is not None
            and reservation.expiry is not None
            and reservation.expiry is not asyncio.current_task()
        ):
            reservation.expiry.cancel()

    async def _expire(self, connector: Connector, reservation: Reservation) -> None:
        await asyncio.sleep(max(0.0, (reservation.expires_at - datetime.now(UTC)).total_seconds()))
        if connector.reservation is reservation:
            self.release(connector)
            self.event("connector %d reservation %d expired", connector.connector_id, reservation.reservation_id)
            if connector.status == "Reserved":
                await self.set_status(connector, "Available")

"""``SimulatedCharger``: an OCPP 1.6J charge point with 1..N connectors, and its answers to the central system.

    async with SimulatedCharger("ws://127.0.0.1:7071/ocpp", "CP-1", "secret", connectors=[22, 50]) as cp:
        await cp.swipe(1, "TAG1")                 # Authorize, StartTransaction, Charging
        tx = await cp.wait_for_transaction(1)     # bounded waits: no blind sleeps
        await cp.stop(1)

The central system's commands are answered here: RemoteStart/StopTransaction,
ReserveNow, CancelReservation, Change/GetConfiguration, TriggerMessage,
UnlockConnector and Reset (anything else gets the package's NotImplemented).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from simulator.charging import ChargingStation
from simulator.connector import BUSY, Connector, ConnectorSpec, Reservation
from simulator.meter import TRIGGER
from simulator.options import Options
from simulator.peer import Commands, Decision, FollowUp

__all__ = ["SimulatedCharger"]

READ_ONLY = {
    "NumberOfConnectors", "SupportedFeatureProfiles", "MeterValuesSampledData", "AuthorizeRemoteTxRequests",
    "LocalAuthorizeOffline", "AllowOfflineTxForUnknownId", "ReserveConnectorZeroSupported",
}  # fmt: skip


class SimulatedCharger(ChargingStation):
    def __init__(
        self, url: str, charger_id: str, password: str, connectors: Sequence[ConnectorSpec | float] = (22.0,), *,
        options: Options | None = None, **changes: Any,
    ) -> None:  # fmt: skip
        """``url`` is the endpoint without the charger id (``ws://host:port/ocpp``); ``changes`` replace options."""
        super().__init__(url, charger_id, password, connectors, replace(options or Options(), **changes))

    async def __aenter__(self) -> SimulatedCharger:
        await self.start()
        try:
            await self.wait_for_boot(self.options.open_timeout + self.options.response_timeout)
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def _commands(self) -> Commands:
        return self

    # --- Commands: decide at once, act once the answer is out
    def remote_start(self, id_tag: str, connector_id: int | None) -> Decision:
        if not self.accepted:
            return Decision("Rejected")
        if connector_id is None:
            free = [c for c in self.connectors.values() if c.free_for(id_tag)]
            free.sort(key=lambda c: c.reservation is None)  # one reserved for this card first
            connector = free[0] if free else None
        else:
            connector = self.connectors.get(connector_id)
        if connector is None or not connector.free_for(id_tag):
            self.event("RemoteStartTransaction for %s on connector %s: Rejected", id_tag, connector_id)
            return Decision("Rejected")
        connector.starting = True  # claimed: a second start for it is rejected

        def undo() -> None:
            connector.starting = False

        async def start() -> None:
            connector.starting = False
            if connector.free_for(id_tag):
                await self.start_session(connector, id_tag)

        self.event("RemoteStartTransaction for %s on connector %d: Accepted", id_tag, connector.connector_id)
        return Decision("Accepted", start, undo)

    def remote_stop(self, transaction_id: int) -> Decision:
        for connector in self.connectors.values():
            if connector.transaction is not None and connector.transaction.server_id == transaction_id:
                self.event("RemoteStopTransaction %d: Accepted", transaction_id)
                return Decision("Accepted", self._stopper(connector, "Remote"))
        self.event("RemoteStopTransaction %d: Rejected (unknown transaction)", transaction_id)
        return Decision("Rejected")

    def _stopper(self, connector: Connector, reason: str) -> FollowUp:
        return lambda: self.end_session(connector, reason)

    def reserve_now(
        self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int, parent_id_tag: str | None
    ) -> Decision:
        connector = self.connectors.get(connector_id)
        expires_at = datetime.fromisoformat(expiry_date.replace("Z", "+00:00"))
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        status = self._reservable(connector, reservation_id, expires_at)
        self.event("ReserveNow %d for %s on connector %d: %s", reservation_id, id_tag, connector_id, status)
        if status != "Accepted" or connector is None:
            return Decision(status)
        self.reserve(connector, Reservation(reservation_id, id_tag, expires_at, parent_id_tag))
        return Decision("Accepted", lambda: self.set_status(connector, "Reserved"))

    @staticmethod
    def _reservable(connector: Connector | None, reservation_id: int, expires_at: datetime) -> str:
        if connector is None or expires_at <= datetime.now(UTC):  # connector 0: ReserveConnectorZeroSupported false
            return "Rejected"
        if connector.fault or connector.status == "Faulted":
            return "Faulted"
        if connector.status == "Unavailable":
            return "Unavailable"
        if connector.transaction or connector.starting or connector.status in BUSY:
            return "Occupied"
        if connector.reservation is not None and connector.reservation.reservation_id != reservation_id:
            return "Occupied"
        return "Accepted"

    def cancel_reservation(self, reservation_id: int) -> Decision:
        for connector in self.connectors.values():
            if connector.reservation is not None and connector.reservation.reservation_id == reservation_id:
                self.release(connector)
                self.event("CancelReservation %d: Accepted", reservation_id)

                async def available(c: Connector = connector) -> None:
                    if c.status == "Reserved":
                        await self.set_status(c, "Available")

                return Decision("Accepted", available)
        return Decision("Rejected")

    def change_configuration(self, key: str, value: str) -> Decision:
        setters = {"MeterValueSampleInterval": "meter_interval", "HeartbeatInterval": "heartbeat_interval"}
        if key in READ_ONLY:
            return Decision("Rejected")
        if key not in setters:
            return Decision("NotSupported")
        try:
            seconds = int(value)
        except ValueError:
            return Decision("Rejected")
        if seconds < 0 or (key == "HeartbeatInterval" and seconds == 0):
            return Decision("Rejected")
        setattr(self, setters[key], float(seconds))
        self.event("configuration %s = %d", key, seconds)
        self.notify()
        return Decision("Accepted")

    def configuration(self, keys: list[str] | None) -> tuple[list[dict[str, Any]], list[str]]:
        values = {
            "MeterValueSampleInterval": f"{self.meter_interval:g}",
            "HeartbeatInterval": f"{self.heartbeat_interval:g}",
            "NumberOfConnectors": str(len(self.connectors)),
            "SupportedFeatureProfiles": "Core,RemoteTrigger,Reservation",
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import,Current.Import,SoC",
            "AuthorizeRemoteTxRequests": "false",
            "LocalAuthorizeOffline": "true",
            "AllowOfflineTxForUnknownId": str(self.options.allow_offline_unknown).lower(),
            "ReserveConnectorZeroSupported": "false",
        }
        wanted = keys or list(values)
        known = [{"key": k, "readonly": k in READ_ONLY, "value": values[k]} for k in wanted if k in values]
        return known, [k for k in wanted if k not in values]

    def trigger_message(self, requested_message: str, connector_id: int | None) -> Decision:
        if connector_id not in (None, 0) and connector_id not in self.connectors:
            return Decision("Rejected")
        targets = [self.connectors[connector_id]] if connector_id else list(self.connectors.values())
        if requested_message == "StatusNotification":

            async def statuses() -> None:
                for connector in targets:
                    await self.send_status(connector)

            return Decision("Accepted", statuses)
        if requested_message == "MeterValues":

            async def meter_values() -> None:
                for connector in targets:
                    if connector.transaction is not None:
                        self._advance(connector, connector.transaction)
                    self.queue_meter_values(connector, TRIGGER)

            return Decision("Accepted", meter_values)
        if requested_message in ("Heartbeat", "BootNotification"):
            return Decision("Accepted", lambda: self._triggered(requested_message))
        return Decision("NotImplemented")

    async def _triggered(self, action: str) -> None:
        link = self._link
        if link is not None and link.open:
            await self._try(link, action, self._boot_fields() if action == "BootNotification" else {})

    def unlock_connector(self, connector_id: int) -> Decision:
        if connector_id not in self.connectors:
            return Decision("NotSupported")
        connector = self.connectors[connector_id]

        async def unlock() -> None:
            if connector.transaction is not None:
                await self.end_session(connector, "UnlockCommand")
            await self.unplug(connector_id)

        return Decision("Unlocked", unlock)

    def reset(self, kind: str) -> Decision:
        self.event("Reset %s: Accepted", kind)
        return Decision("Accepted", lambda: self._reboot(kind))

    async def _reboot(self, kind: str) -> None:
        """Stop the sessions, go away and come back: a new connection and a new BootNotification."""
        for connector in self.connectors.values():
            await self.end_session(connector, f"{kind}Reset", status="Available")
            if kind == "Hard":
                self.release(connector)
            if connector.fault is None:
                await self.set_status(connector, "Reserved" if connector.reservation else "Available")
        self.registration = None
        self.event("rebooting (%s reset)", kind)
        if self._link is not None:
            await self._link.close()
        await self.reconnect()

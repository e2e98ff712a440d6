"""A connector's state: its status, the reservation on it, the session running on it, its energy register."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from simulator.battery import Car, CarBattery
from simulator.meter import Reading

__all__ = ["BUSY", "Connector", "ConnectorSpec", "Reservation", "Transaction"]

PowerType = Literal["AC", "DC"]
# statuses in which a car is plugged in or a session is being set up (OCPP 1.6 section 4.9)
BUSY = frozenset({"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing"})
VOLTS = {"AC": 230.0, "DC": 400.0}


@dataclass(frozen=True)
class ConnectorSpec:
    """One outlet: its maximum power and the car that plugs into it for each session."""

    max_kw: float = 22.0
    power_type: PowerType | None = None  # None: AC up to 22 kW, DC above
    car: Car = field(default_factory=Car)
    meter_start_wh: float = 0.0

    @property
    def kind(self) -> PowerType:
        return self.power_type or ("AC" if self.max_kw <= 22 else "DC")

    @property
    def phases(self) -> int:
        return 3 if self.kind == "AC" and self.max_kw > 7.4 else 1


@dataclass
class Reservation:
    reservation_id: int
    id_tag: str
    expires_at: datetime
    parent_id_tag: str | None = None
    expiry: asyncio.Task[None] | None = None

    def allows(self, id_tag: str) -> bool:
        return id_tag in {self.id_tag, self.parent_id_tag}


@dataclass
class Transaction:
    """One session as the charger sees it; ``server_id`` arrives with the StartTransaction answer."""

    local_id: int
    connector_id: int
    id_tag: str
    meter_start: int
    started_at: datetime
    battery: CarBattery
    begin: dict[str, Any]
    reservation_id: int | None = None
    server_id: int | None = None
    auth_status: str | None = None  # idTagInfo.status of the StartTransaction answer
    refused: bool = False  # StartTransaction got a CALLERROR: the central system never took it
    meter_task: asyncio.Task[None] | None = None
    advanced_at: float | None = None  # event-loop time up to which energy has accrued (None: not charging yet)


@dataclass
class Connector:
    connector_id: int
    spec: ConnectorSpec
    status: str = "Available"
    error_code: str = "NoError"
    status_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    register_wh: float = 0.0
    power_w: float = 0.0
    transaction: Transaction | None = None
    reservation: Reservation | None = None
    fault: str | None = None
    starting: bool = False  # a start was accepted and is being set up

    def __post_init__(self) -> None:
        self.register_wh = self.spec.meter_start_wh

    def free_for(self, id_tag: str) -> bool:
        """Whether a session for ``id_tag`` may start here now."""
        if self.fault or self.transaction or self.starting or self.status in {"Unavailable", "Faulted"}:
            return False
        return self.reservation is None or self.reservation.allows(id_tag)

    def reading(self) -> Reading:
        volts = VOLTS[self.spec.kind] * (3 if self.spec.phases == 3 else 1)
        soc = self.transaction.battery.soc if self.transaction else None
        return Reading(self.register_wh, self.power_w, self.power_w / volts, soc)

    def advance(self, seconds: float) -> None:
        """Let the car draw power for ``seconds`` of simulated time (nothing outside a session)."""
        if self.transaction is None or self.fault:
            self.power_w = 0.0
            return
        battery = self.transaction.battery
        self.register_wh += battery.draw(self.spec.max_kw, seconds) * 1000
        self.power_w = min(self.spec.max_kw, battery.acceptance_kw()) * 1000

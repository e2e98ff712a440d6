"""Maintenance windows: planned downtime of a whole station or of one connector.

They live in the station document (``Station.maintenance``), so search and
station detail apply them without another read. Windows that ended more than
30 days ago are pruned on every write, which keeps the document small.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, Field, model_validator

from shared.domain.availability import overlaps
from shared.domain.chargers import CHARGE_POINT_ID
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.model import InputModel
from shared.domain.principal import Principal
from shared.domain.stations import MaintenanceWindow, Station
from shared.ports.store import PreconditionFailed
from shared.repositories.stations import save_station
from shared.services.stations import own_station, writable

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["KEEP_ENDED", "MaintenanceWindowCreate", "add_window", "delete_window", "list_windows", "prune"]

KEEP_ENDED = timedelta(days=30)
# A read-check-write of one document under its ETag: a concurrent write means check again.
ATTEMPTS = 3


class MaintenanceWindowCreate(InputModel):
    """Both ``chargerId`` and ``connectorId`` for one connector; neither for the whole station."""

    charger_id: str | None = Field(default=None, pattern=CHARGE_POINT_ID)
    connector_id: int | None = Field(default=None, ge=1, le=99)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> MaintenanceWindowCreate:
        if (self.charger_id is None) != (self.connector_id is None):
            raise ValueError("give chargerId and connectorId together (one connector) or neither (whole station)")
        if self.starts_at >= self.ends_at:
            raise ValueError("startsAt must be before endsAt")
        return self


def prune(windows: Iterable[MaintenanceWindow], now: datetime) -> list[MaintenanceWindow]:
    return [w for w in windows if w.ends_at > now - KEEP_ENDED]


def _check(station: Station, window: MaintenanceWindow, now: datetime) -> None:
    if window.ends_at <= now:
        raise InvalidInput("The window must end in the future.", code="maintenance_in_past")
    if window.charger_id is not None:
        key = f"{window.charger_id}/{window.connector_id}"
        if key not in {c.key for c in station.connectors}:
            raise InvalidInput(f"The station has no active connector {key}.", code="unknown_connector")
    clash = next((w for w in station.maintenance if overlaps(w, window)), None)
    if clash is not None:
        raise InvalidInput(
            f"It overlaps the window {clash.id} ({clash.starts_at.isoformat()} to {clash.ends_at.isoformat()}).",
            code="maintenance_overlap",
            windowId=clash.id,
        )


async def _write(deps: Deps, station: Station, windows: list[MaintenanceWindow], now: datetime) -> bool:
    """False when someone else wrote the station first (the caller re-reads and checks again)."""
    kept = sorted(prune(windows, now), key=lambda w: w.starts_at)
    try:
        await save_station(
            deps.store, station.model_copy(update={"maintenance": kept, "updated_at": now}), station.etag
        )
    except PreconditionFailed:
        return False
    return True


async def add_window(
    station_id: str, cmd: MaintenanceWindowCreate, *, who: Principal | None, deps: Deps
) -> MaintenanceWindow:
    window = MaintenanceWindow(
        id=f"mw_{uuid.uuid4().hex[:16]}",
        charger_id=cmd.charger_id,
        connector_id=cmd.connector_id,
        starts_at=cmd.starts_at.astimezone(UTC),
        ends_at=cmd.ends_at.astimezone(UTC),
        reason=cmd.reason,
    )
    for _ in range(ATTEMPTS):
        station = writable(await own_station(station_id, who, deps))
        now = deps.clock.now()
        _check(station, window, now)
        if await _write(deps, station, [*station.maintenance, window], now):
            from shared.services.notification_events import maintenance_planned

            await maintenance_planned(deps, station, window)  # drivers with a reservation in it are told
            return window
    raise Conflict("The station kept changing; retry.", code="station_busy")


async def list_windows(station_id: str, *, who: Principal | None, deps: Deps) -> list[MaintenanceWindow]:
    station = await own_station(station_id, who, deps)
    return sorted(station.maintenance, key=lambda w: w.starts_at)


async def delete_window(station_id: str, window_id: str, *, who: Principal | None, deps: Deps) -> None:
    for _ in range(ATTEMPTS):
        station = writable(await own_station(station_id, who, deps))
        remaining = [w for w in station.maintenance if w.id != window_id]
        if len(remaining) == len(station.maintenance):
            raise NotFound("No such maintenance window.", code="maintenance_window_not_found")
        if await _write(deps, station, remaining, deps.clock.now()):
            return
    raise Conflict("The station kept changing; retry.", code="station_busy")

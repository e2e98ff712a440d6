"""Tariffs on stations: attach one to a station or a connector, and keep a station's price fields current.

A station's own tariff is shown in search, so its price fields (summary, energy price per kWh) are
copied from the tariff's current version and rewritten whenever that version changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pydantic import Field

from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.model import InputModel
from shared.domain.principal import Principal, guard
from shared.domain.stations import PriceSummary, Station
from shared.domain.tariff_summary import energy_price
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore, PreconditionFailed
from shared.repositories import tariffs as repo
from shared.repositories.chargers import get_charger, save_charger
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import get_station, read_station, rebuild_connectors, save_station

__all__ = ["ATTEMPTS", "TariffAttach", "attach_tariff", "change_station", "reprice"]

ATTEMPTS = 5


class TariffAttach(InputModel):
    """Without a connector the tariff becomes the station's own (shown in search); with one it prices that connector."""

    tariff_id: str = Field(min_length=1, max_length=100)
    charger_id: str | None = Field(default=None, min_length=1, max_length=48)
    connector_id: int | None = Field(default=None, ge=1)


async def change_station(
    store: DocumentStore, station: Station, change: Callable[[Station], Awaitable[Station | None]]
) -> Station:
    """Save ``change(station)`` (None: nothing to do) under the ETag; after a concurrent write, re-read and redo."""
    for _ in range(ATTEMPTS):
        updated = await change(station)
        if updated is None:
            return station
        try:
            return await save_station(store, updated, etag=station.etag)
        except PreconditionFailed:
            station = await read_station(store, station.provider_id, station.id)
    raise Conflict("The station kept changing; retry.", code="station_busy")


async def reprice(store: DocumentStore, station: Station, clock: Clock, tariff_id: str | None = None) -> Station:
    """Set the station's own tariff (``tariff_id``, or keep its own) and its price fields from the current version."""

    async def change(s: Station) -> Station | None:
        target = tariff_id or s.tariff_id
        if target is None:
            return None
        # Read after the station, on every attempt: whichever writer saves last has seen the latest version.
        v = await repo.get_tariff_version(store, s.provider_id, target)
        energy = energy_price(v)
        summary = PriceSummary(
            tariff_id=target,
            version=v.version,
            currency=v.currency,
            text=v.summary,
            energy_per_kwh=None if energy is None else str(energy),
        )
        per_kwh = None if energy is None else float(energy)  # a number, so search can filter on it in the store
        if (s.tariff_id, s.price_summary, s.energy_price_per_kwh) == (target, summary, per_kwh):
            return None
        update = {"tariff_id": target, "price_summary": summary, "energy_price_per_kwh": per_kwh}
        return s.model_copy(update={**update, "updated_at": clock.now()})

    return await change_station(store, station, change)


async def attach_tariff(
    station_id: str, cmd: TariffAttach, *, who: Principal | None, store: DocumentStore, clock: Clock
) -> Station:
    station = await get_station(store, station_id)
    guard.tenant(who, station.provider_id, admin_only=True)
    await require_active_provider(store, station.provider_id)
    if station.lifecycle == "retired":
        raise Conflict("The station is retired; it can no longer change.", code="station_retired")
    if (cmd.charger_id is None) != (cmd.connector_id is None):
        raise InvalidInput("Give both chargerId and connectorId, or neither.", code="connector_incomplete")
    try:
        await repo.get_tariff(store, station.provider_id, cmd.tariff_id)
    except NotFound as exc:
        raise InvalidInput("The provider has no such tariff.", code="unknown_tariff") from exc
    if cmd.charger_id is None or cmd.connector_id is None:
        return await reprice(store, station, clock, cmd.tariff_id)
    key = f"{cmd.charger_id}/{cmd.connector_id}"
    if all(c.key != key for c in station.connectors):
        raise InvalidInput(f"The station has no connector {key}.", code="unknown_connector")
    # The charger document is the connectors' source of truth: the station's projection is rebuilt from it.
    for _ in range(ATTEMPTS):
        charger = await get_charger(store, cmd.charger_id)
        connectors = [
            c.model_copy(update={"tariff_id": cmd.tariff_id}) if c.connector_id == cmd.connector_id else c
            for c in charger.connectors
        ]
        try:
            changed = charger.model_copy(update={"connectors": connectors, "updated_at": clock.now()})
            await save_charger(store, changed, etag=charger.etag)
            break
        except PreconditionFailed:
            continue
    else:
        raise Conflict("The charger kept changing; retry.", code="charger_busy")
    return await rebuild_connectors(store, station.id, provider_id=station.provider_id)

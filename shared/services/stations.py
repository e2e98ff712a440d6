"""Use cases of stations: create, list, read (with its visibility rule), update, retire.

Their request bodies and the API's view are in ``shared.domain.station_api``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from shared.domain.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shared.domain.principal import PROVIDER_ROLES, Principal, guard
from shared.domain.station_api import StationCreate, StationUpdate
from shared.domain.stations import Lifecycle, Station
from shared.ports.store import PreconditionFailed
from shared.repositories.chargers import save_charger, station_chargers
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import add_station, get_station, list_provider_stations, save_station

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "create_station",
    "list_stations",
    "own_station",
    "read_station",
    "retire_station",
    "update_station",
    "writable",
]


# Once published a station does not go back to draft; "maintenance" is the way to take it offline.
_TRANSITIONS: dict[Lifecycle, frozenset[Lifecycle]] = {
    "draft": frozenset({"active"}),
    "active": frozenset({"maintenance"}),
    "maintenance": frozenset({"active"}),
    "retired": frozenset(),
}


def _is_member(who: Principal | None, provider_id: str) -> bool:
    return who is not None and (who.is_admin or (who.provider_id == provider_id and who.has_any(PROVIDER_ROLES)))


async def create_station(cmd: StationCreate, *, provider_id: str, who: Principal | None, deps: Deps) -> Station:
    guard.tenant(who, provider_id)
    provider = await require_active_provider(deps.store, provider_id)
    now = deps.clock.now()
    fields = {name: getattr(cmd, name) for name in StationCreate.model_fields}
    station = Station(
        id=f"stn_{uuid.uuid4().hex}",
        provider_id=provider.id,
        provider_name=provider.display_name,
        provider_active=True,
        created_at=now,
        updated_at=now,
        **fields,
    )
    return await add_station(deps.store, station)


async def list_stations(
    provider_id: str, *, who: Principal | None, deps: Deps, lifecycle: Lifecycle | None, limit: int, token: str | None
) -> tuple[list[Station], str | None]:
    guard.tenant(who, provider_id)
    return await list_provider_stations(deps.store, provider_id, lifecycle=lifecycle, limit=limit, continuation=token)


async def read_station(station_id: str, *, who: Principal | None, deps: Deps) -> Station:
    """Anyone sees a published station; its provider's members see every one of theirs; others get 404."""
    station = await get_station(deps.store, station_id)
    published = station.lifecycle == "active" and station.access == "public" and station.provider_active
    if published or _is_member(who, station.provider_id):
        return station
    raise NotFound("No such station.", code="station_not_found")


async def own_station(station_id: str, who: Principal | None, deps: Deps, *, admin_only: bool = False) -> Station:
    """The station, if the caller acts for its provider (404 otherwise, as if it did not exist)."""
    station = await get_station(deps.store, station_id)
    guard.tenant(who, station.provider_id, admin_only=admin_only)
    return station


def writable(station: Station) -> Station:
    if station.lifecycle == "retired":
        raise Conflict("The station is retired; it can no longer change.", code="station_retired")
    return station


async def update_station(
    station_id: str, cmd: StationUpdate, *, if_match: str | None, who: Principal | None, deps: Deps
) -> Station:
    station = writable(await own_station(station_id, who, deps))
    if if_match is not None and if_match != station.etag:
        raise StaleVersion("The station changed since you read it; reload.", code="stale_version")
    changes = {name: getattr(cmd, name) for name in cmd.model_fields_set if getattr(cmd, name) is not None}
    target = changes.get("lifecycle", station.lifecycle)
    if target != station.lifecycle and target not in _TRANSITIONS[station.lifecycle]:
        raise InvalidInput(
            f"A station cannot go from {station.lifecycle} to {target}.", code="invalid_lifecycle_transition"
        )
    updated = station.model_copy(update={**changes, "updated_at": deps.clock.now()})
    try:
        return await save_station(deps.store, updated, etag=station.etag)
    except PreconditionFailed as exc:
        raise StaleVersion("The station changed since you read it; reload.") from exc


async def retire_station(station_id: str, *, who: Principal | None, deps: Deps) -> Station:
    """Final. Its chargers are retired first, so none of them can start a session at a retired station."""
    station = await own_station(station_id, who, deps)
    if station.lifecycle == "retired":
        return station  # retrying a retire is harmless
    now = deps.clock.now()
    for charger in await station_chargers(deps.store, station_id, lifecycle="active"):
        retired_charger = charger.model_copy(update={"lifecycle": "retired", "updated_at": now})
        await save_charger(deps.store, retired_charger, etag=charger.etag)  # stale: 412, and a retry resumes
    for _ in range(3):  # the projection may be written concurrently; retiring must still happen
        retired = station.model_copy(update={"lifecycle": "retired", "connectors": [], "updated_at": now})
        try:
            return await save_station(deps.store, retired, etag=station.etag)
        except PreconditionFailed:
            station = await get_station(deps.store, station_id)
    raise Conflict("The station kept changing; retry.", code="station_busy")

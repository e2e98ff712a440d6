"""Use cases of stations: create, list, read (with its visibility rule), update, retire."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, HttpUrl

from shared.domain.availability import effective_status
from shared.domain.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shared.domain.geo import GeoPoint
from shared.domain.model import InputModel
from shared.domain.principal import PROVIDER_ROLES, Principal, guard
from shared.domain.stations import Access, Address, ConnectorStatus, Lifecycle, OpeningHours, Station
from shared.ports.store import PreconditionFailed
from shared.repositories.chargers import save_charger, station_chargers
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import add_station, get_station, list_provider_stations, save_station

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "StationCreate",
    "StationUpdate",
    "StationView",
    "create_station",
    "list_stations",
    "own_station",
    "read_station",
    "retire_station",
    "update_station",
    "writable",
]


@functools.cache
def _zones() -> frozenset[str]:
    # "localtime" names the host's zone, not a place; "Factory" means "not set".
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def _iana_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone name such as 'Europe/Berlin'")
    return value


def _sensible_hours(value: OpeningHours) -> OpeningHours:
    # OCPI: regular hours are given exactly when the station is not open around the clock.
    if value.twentyfourseven and value.regular_hours:
        raise ValueError("give regular hours only when twentyfourseven is false")
    if not value.twentyfourseven and not value.regular_hours:
        raise ValueError("a station not open 24/7 needs its regular hours")
    for period in value.regular_hours:
        if period.period_begin >= period.period_end:  # zero-padded HH:MM compares as text
            raise ValueError(f"weekday {period.weekday}: {period.period_begin} is not before {period.period_end}")
    return value


TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_iana_zone)]
Hours = Annotated[OpeningHours, AfterValidator(_sensible_hours)]
Amenity = Annotated[str, Field(min_length=1, max_length=40)]
Name = Annotated[str, Field(min_length=1, max_length=120)]


class StationCreate(InputModel):
    name: Name
    address: Address
    location: GeoPoint
    time_zone: TimeZone
    opening_hours: Hours = Field(default_factory=OpeningHours)
    amenities: list[Amenity] = Field(default_factory=list, max_length=20)
    photos: list[HttpUrl] = Field(default_factory=list, max_length=20)
    access: Access = "public"
    lifecycle: Literal["draft", "active"] = "draft"


class StationUpdate(InputModel):
    """Absent or null fields stay as they are. Retiring has its own route: it is final and retires the chargers."""

    name: Name | None = None
    address: Address | None = None
    location: GeoPoint | None = None
    time_zone: TimeZone | None = None
    opening_hours: Hours | None = None
    amenities: list[Amenity] | None = Field(default=None, max_length=20)
    photos: list[HttpUrl] | None = Field(default=None, max_length=20)
    access: Access | None = None
    lifecycle: Literal["draft", "active", "maintenance"] | None = None


class StationView(Station):
    """A station as the API shows it: the document plus each connector's effective status, by connector key."""

    effective_status: dict[str, ConnectorStatus] = Field(default_factory=dict)

    @classmethod
    def of(cls, station: Station, now: datetime) -> StationView:
        statuses = {c.key: effective_status(station, c, now) for c in station.connectors}
        view = cls.model_validate({**station.model_dump(), "effectiveStatus": statuses})
        view.etag = station.etag
        return view


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

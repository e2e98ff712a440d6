"""Stations in the ``stations`` container (partition ``/providerId``, id ``stn_...``).

The container also holds tariffs and promo codes, so every query filters on
``type``. Routes name a station by id alone: ``get_station`` finds it with a
cross-partition query on ``id``; callers that know the provider use the point
read ``read_station``. Every write recomputes the derived fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from shared.domain.chargers import Charger
from shared.domain.errors import Conflict, NotFound
from shared.domain.stations import ConnectorStatus, Lifecycle, Station, StationConnector
from shared.ports.store import DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query
from shared.repositories.chargers import station_chargers

__all__ = [
    "add_station",
    "change_station",
    "get_station",
    "list_provider_stations",
    "project_connectors",
    "read_station",
    "rebuild_connectors",
    "save_station",
]

C = "stations"
# Concurrent writers of one station (status reports, tariff attachment) are rare and short.
REBUILD_ATTEMPTS = 5


def _missing() -> NotFound:
    return NotFound("No such station.", code="station_not_found")


async def get_station(store: DocumentStore, station_id: str) -> Station:
    query = Query((Filter("type", "eq", "station"), Filter("id", "eq", station_id)), limit=1)
    while True:
        # A cross-partition page may come back empty with a continuation: follow it.
        page = await store.query(C, query)
        if page.items:
            return Station.model_validate(page.items[0])
        if page.continuation is None:
            raise _missing()
        query = Query(query.filters, limit=1, continuation=page.continuation)


async def read_station(store: DocumentStore, provider_id: str, station_id: str) -> Station:
    """Point read, for callers that already know the owner (a charger document holds both ids)."""
    try:
        doc = await store.read(C, station_id, provider_id)
    except DocumentNotFound as exc:
        raise _missing() from exc
    if doc.get("type") != "station":
        raise _missing()
    return Station.model_validate(doc)


async def add_station(store: DocumentStore, station: Station) -> Station:
    return Station.model_validate(await store.create(C, station.with_derived().model_dump(mode="json")))


async def save_station(store: DocumentStore, station: Station, etag: str | None) -> Station:
    """Replace under ``etag`` (None: unconditionally); a stale one raises the store's ``PreconditionFailed``."""
    doc = station.with_derived().model_dump(mode="json")
    return Station.model_validate(await store.replace(C, doc, etag=etag))


async def change_station(
    store: DocumentStore,
    provider_id: str,
    station_id: str,
    change: Callable[[Station], Awaitable[Station | None]],
    *,
    attempts: int = REBUILD_ATTEMPTS,
) -> Station:
    """Apply ``change`` (None: nothing to do) to the stored station under its ETag, re-read and retried on a
    concurrent write. ``change`` reads what it derives from after the station read, so a value it writes is
    never older than one a concurrent writer stored first (the reviews' rating, the suspect marks)."""
    for _ in range(attempts):
        station = await read_station(store, provider_id, station_id)
        changed = await change(station)
        if changed is None:
            return station
        try:
            return await save_station(store, changed, etag=station.etag)
        except PreconditionFailed:
            continue
    raise Conflict("The station kept changing; retry.", code="station_busy")


async def list_provider_stations(
    store: DocumentStore,
    provider_id: str,
    *,
    lifecycle: Lifecycle | None = None,
    limit: int = 50,
    continuation: str | None = None,
) -> tuple[list[Station], str | None]:
    """One page of a provider's stations by name; page on the returned token until it is None."""
    # The Cosmos stand-in ignores partition_key in queries (DESIGN 10), hence providerId in WHERE too.
    filters = [Filter("type", "eq", "station"), Filter("providerId", "eq", provider_id)]
    if lifecycle is not None:
        filters.append(Filter("lifecycle", "eq", lifecycle))
    query = Query(tuple(filters), order_by="name", limit=limit, continuation=continuation, partition_key=provider_id)
    page = await store.query(C, query)  # ORDER BY within one partition pages safely on Cosmos
    return [Station.model_validate(d) for d in page.items], page.continuation


def project_connectors(chargers: Iterable[Charger], current: Iterable[StationConnector]) -> list[StationConnector]:
    """The station's connectors from its active chargers, keeping each key's live state.

    Status, its time and the suspect flag belong to the charging flow, not to
    the charger document, so they survive a rebuild. Everything else, the
    connector's tariff included, comes from the charger: the projection stays
    repairable from the chargers alone.
    """
    previous = {c.key: c for c in current}
    projected: list[StationConnector] = []
    for charger in sorted(chargers, key=lambda c: c.id):
        if charger.lifecycle != "active":
            continue
        for cc in sorted(charger.connectors, key=lambda c: c.connector_id):
            old = previous.get(f"{charger.id}/{cc.connector_id}")
            projected.append(
                StationConnector(
                    charger_id=charger.id,
                    connector_id=cc.connector_id,
                    standard=cc.standard,
                    power_type=cc.power_type,
                    max_power_kw=cc.max_power_kw,
                    tariff_id=cc.tariff_id,
                    status=old.status if old else ConnectorStatus.UNKNOWN,
                    status_at=old.status_at if old else None,
                    suspect=old.suspect if old else False,
                )
            )
    return projected


async def rebuild_connectors(store: DocumentStore, station_id: str, *, provider_id: str | None = None) -> Station:
    """Recompute the projection from all of the station's active chargers; retried on a concurrent write.

    Pass ``provider_id`` when known to save the cross-partition lookup.
    """
    for _ in range(REBUILD_ATTEMPTS):
        if provider_id is None:
            station = await get_station(store, station_id)
        else:
            station = await read_station(store, provider_id, station_id)
        chargers = await station_chargers(store, station_id, lifecycle="active")
        rebuilt = station.model_copy(update={"connectors": project_connectors(chargers, station.connectors)})
        if rebuilt.with_derived() == station:
            return station  # nothing changed: spare the write (and the ETag other clients hold)
        try:
            return await save_station(store, rebuilt, etag=station.etag)
        except PreconditionFailed:
            continue
    raise Conflict("The station kept changing while its connectors were rebuilt; retry.", code="station_busy")

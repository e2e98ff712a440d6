"""Chargers in the ``chargers`` container (partition ``/id``): the id is the OCPP identity.

Partitioning by id makes the OCPP connect step one point read, and makes the
identity unique across the platform for free: a second create of the same id
is the store's conflict.
"""

from __future__ import annotations

from typing import Literal

from shared.domain.chargers import Charger
from shared.domain.errors import InvalidInput, NotFound
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, Query

__all__ = [
    "add_charger",
    "find_charger",
    "get_charger",
    "list_station_chargers",
    "save_charger",
    "station_chargers",
]

C = "chargers"
ChargerLifecycle = Literal["active", "retired"]


async def find_charger(store: DocumentStore, charger_id: str) -> Charger | None:
    try:
        return Charger.model_validate(await store.read(C, charger_id, charger_id))
    except DocumentNotFound:
        return None


async def get_charger(store: DocumentStore, charger_id: str) -> Charger:
    charger = await find_charger(store, charger_id)
    if charger is None:
        raise NotFound("No such charger.", code="charger_not_found")
    return charger


async def add_charger(store: DocumentStore, charger: Charger) -> Charger:
    try:
        return Charger.model_validate(await store.create(C, charger.model_dump(mode="json")))
    except DocumentConflict as exc:
        # 422, not 409: the identity is input the caller must change (chargers of every provider share one namespace).
        raise InvalidInput(
            f"A charger with the identity {charger.id!r} is already registered.", code="charger_identity_taken"
        ) from exc


async def save_charger(store: DocumentStore, charger: Charger, *, etag: str | None) -> Charger:
    """Replace under ``etag``; a stale one raises the store's ``PreconditionFailed``."""
    return Charger.model_validate(await store.replace(C, charger.model_dump(mode="json"), etag=etag))


def _station_query(station_id: str, lifecycle: ChargerLifecycle | None) -> tuple[Filter, ...]:
    filters = [Filter("type", "eq", "charger"), Filter("stationId", "eq", station_id)]
    if lifecycle is not None:
        filters.append(Filter("lifecycle", "eq", lifecycle))
    return tuple(filters)


async def list_station_chargers(
    store: DocumentStore,
    station_id: str,
    *,
    lifecycle: ChargerLifecycle | None = None,
    limit: int = 50,
    continuation: str | None = None,
) -> tuple[list[Charger], str | None]:
    """One page of a station's chargers, each page sorted by identity.

    A cross-partition query without ORDER BY: the SDK's cross-partition ORDER BY
    continuation tokens are unreliable on resume (see the Cosmos adapter), and a
    station has a handful of chargers, so one page usually holds them all.
    """
    page = await store.query(C, Query(_station_query(station_id, lifecycle), limit=limit, continuation=continuation))
    return sorted((Charger.model_validate(d) for d in page.items), key=lambda c: c.id), page.continuation


async def station_chargers(
    store: DocumentStore, station_id: str, *, lifecycle: ChargerLifecycle | None
) -> list[Charger]:
    """All of a station's chargers, sorted by identity."""
    # No ORDER BY: an unordered cross-partition query pages safely on Cosmos; sorting a handful here is free.
    filters = _station_query(station_id, lifecycle)
    chargers: list[Charger] = []
    continuation: str | None = None
    while True:
        page = await store.query(C, Query(filters, limit=100, continuation=continuation))
        chargers.extend(Charger.model_validate(d) for d in page.items)
        continuation = page.continuation
        if continuation is None:
            return sorted(chargers, key=lambda c: c.id)

"""Reservations and connector ledgers in the ``reservations`` container (partition ``/connectorKey``).

Routes name a reservation by id alone, so ``find_reservation`` is a
cross-partition query on ``id`` (an indexed equality, one small page); code
that knows the connector uses the point read ``read_reservation``. The id does
not embed the connector key: a key holds "/", which Cosmos refuses in an id,
and an encoded key would make ids long and leak the charger's identity into
every link. Listings across partitions follow the user or provider filter and
sort by one field (see the Cosmos adapter's note on cross-partition ORDER BY).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from shared.domain.errors import Conflict, NotFound
from shared.domain.reservations import ConnectorLedger, Reservation, instant_text, ledger_id
from shared.ports.store import DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query

__all__ = [
    "add_reservation",
    "confirmed_starting_by",
    "count_upcoming",
    "find_reservation",
    "list_provider_reservations",
    "list_user_reservations",
    "read_ledger",
    "read_reservation",
    "reservation_by_ocpp_id",
    "reservation_covering",
    "update_reservation",
    "with_pending_events",
    "write_ledger",
]

C = "reservations"
_ID = re.compile(r"^res_[0-9a-f]{32}$")
_IS_RESERVATION = Filter("type", "eq", "reservation")
ATTEMPTS = 5  # writers of one reservation (the holder, the timer, a charger's answer) rarely meet
Change = Callable[[Reservation], Reservation | None]


async def read_reservation(store: DocumentStore, connector_key: str, reservation_id: str) -> Reservation | None:
    try:
        doc = await store.read(C, reservation_id, connector_key)
    except DocumentNotFound:
        return None
    return Reservation.model_validate(doc) if doc.get("type") == "reservation" else None


async def find_reservation(store: DocumentStore, reservation_id: str) -> Reservation | None:
    if not _ID.match(reservation_id):
        return None
    query = Query((_IS_RESERVATION, Filter("id", "eq", reservation_id)), limit=1)
    while True:
        # A cross-partition page may come back empty with a continuation: follow it.
        page = await store.query(C, query)
        if page.items:
            return Reservation.model_validate(page.items[0])
        if page.continuation is None:
            return None
        query = Query(query.filters, limit=1, continuation=page.continuation)


async def add_reservation(store: DocumentStore, reservation: Reservation) -> Reservation:
    return Reservation.model_validate(await store.create(C, reservation.model_dump(mode="json")))


async def update_reservation(store: DocumentStore, reservation: Reservation, change: Change) -> Reservation:
    """Apply ``change`` (None: nothing to change) under the ETag, re-reading and re-applying on a stale one."""
    current: Reservation | None = reservation
    for _ in range(ATTEMPTS):
        if current is None:
            raise NotFound("No such reservation.", code="reservation_not_found")
        changed = change(current)
        if changed is None:
            return current
        try:
            doc = await store.replace(C, changed.model_dump(mode="json"), etag=current.etag)
            return Reservation.model_validate(doc)
        except PreconditionFailed:
            current = await read_reservation(store, reservation.connector_key, reservation.id)
    raise Conflict("The reservation kept changing; retry.", code="reservation_busy")


def _page(filters: tuple[Filter, ...], order_by: str, limit: int, continuation: str | None) -> Query:
    return Query(
        (_IS_RESERVATION, *filters), order_by=order_by, descending=True, limit=limit, continuation=continuation
    )


async def list_user_reservations(
    store: DocumentStore, user_id: str, *, limit: int, continuation: str | None
) -> tuple[list[Reservation], str | None]:
    """The driver's reservations, newest first (cross-partition: a driver books many connectors)."""
    page = await store.query(C, _page((Filter("userId", "eq", user_id),), "createdAt", limit, continuation))
    return [Reservation.model_validate(d) for d in page.items], page.continuation


async def list_provider_reservations(
    store: DocumentStore, provider_id: str, *, station_id: str | None, limit: int, continuation: str | None
) -> tuple[list[Reservation], str | None]:
    """The provider's reservations (optionally one station's), latest window first."""
    filters = [Filter("providerId", "eq", provider_id)]
    if station_id is not None:
        filters.append(Filter("stationId", "eq", station_id))
    page = await store.query(C, _page(tuple(filters), "startsAt", limit, continuation))
    return [Reservation.model_validate(d) for d in page.items], page.continuation


async def count_upcoming(store: DocumentStore, user_id: str, now: datetime, *, cap: int) -> int:
    """The driver's confirmed reservations not yet over, counted up to ``cap``."""
    filters = (
        _IS_RESERVATION,
        Filter("userId", "eq", user_id),
        Filter("status", "eq", "confirmed"),
        Filter("endsAt", "gt", instant_text(now)),
    )
    query, found = Query(filters, limit=cap, fields=("status",)), 0
    while found < cap:
        page = await store.query(C, query)
        found += len(page.items)
        if page.continuation is None:
            break
        query = Query(filters, limit=cap, fields=("status",), continuation=page.continuation)
    return min(found, cap)


async def confirmed_starting_by(
    store: DocumentStore, moment: datetime, *, limit: int, continuation: str | None
) -> tuple[list[Reservation], str | None]:
    """Confirmed reservations whose window starts by ``moment``: those running and those over, not yet expired."""
    filters = (_IS_RESERVATION, Filter("status", "eq", "confirmed"), Filter("startsAt", "le", instant_text(moment)))
    page = await store.query(C, Query(filters, limit=limit, continuation=continuation))
    return [Reservation.model_validate(d) for d in page.items], page.continuation


async def with_pending_events(
    store: DocumentStore, *, limit: int, continuation: str | None
) -> tuple[list[Reservation], str | None]:
    filters = (_IS_RESERVATION, Filter("hasPendingEvents", "eq", True))
    page = await store.query(C, Query(filters, limit=limit, continuation=continuation))
    return [Reservation.model_validate(d) for d in page.items], page.continuation


async def _first_in_partition(
    store: DocumentStore, connector_key: str, filters: tuple[Filter, ...]
) -> Reservation | None:
    # The Cosmos stand-in ignores partition_key in queries (DESIGN 10), hence connectorKey in WHERE too.
    query = Query(
        (_IS_RESERVATION, Filter("connectorKey", "eq", connector_key), *filters), limit=1, partition_key=connector_key
    )
    while True:
        page = await store.query(C, query)
        if page.items:
            return Reservation.model_validate(page.items[0])
        if page.continuation is None:
            return None
        query = Query(query.filters, limit=1, partition_key=connector_key, continuation=page.continuation)


async def reservation_covering(store: DocumentStore, connector_key: str, at: datetime) -> Reservation | None:
    """The connector's confirmed reservation whose window holds ``at`` (windows never overlap: one at most)."""
    moment = instant_text(at)
    filters = (Filter("status", "eq", "confirmed"), Filter("startsAt", "le", moment), Filter("endsAt", "gt", moment))
    return await _first_in_partition(store, connector_key, filters)


async def reservation_by_ocpp_id(store: DocumentStore, connector_key: str, ocpp_id: int) -> Reservation | None:
    return await _first_in_partition(store, connector_key, (Filter("ocppReservationId", "eq", ocpp_id),))


async def read_ledger(store: DocumentStore, connector_key: str) -> ConnectorLedger | None:
    try:
        return ConnectorLedger.model_validate(await store.read(C, ledger_id(connector_key), connector_key))
    except DocumentNotFound:
        return None


async def write_ledger(store: DocumentStore, ledger: ConnectorLedger, *, create: bool) -> ConnectorLedger:
    """Create, or replace under the ledger's ETag; the store's conflict errors tell the caller to read again."""
    doc = ledger.model_dump(mode="json")
    saved = await store.create(C, doc) if create else await store.replace(C, doc, etag=ledger.etag)
    return ConnectorLedger.model_validate(saved)

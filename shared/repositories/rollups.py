"""The ``rollups`` container (partition ``/scope``): day documents, session contributions, the status log.

Scopes: ``station:<id>``, ``provider:<id>``, ``platform``, ``driver:<userId>``. Ids are derived from what a
document is about, so every writer of one figure meets on one document:

- ``day:<scope>:<YYYY-MM-DD>``: a station's, provider's or the platform's day (``figures``, with 24 hourly
  slots inside); a station's also keeps each session's share (``sessions``) and its connectors' status
  at the end of the day (``endStatus``);
- ``month:<scope>:<YYYY-MM>``: a driver's month: session shares by day (``sessions``) and ``days`` figures;
- ``part:<day>:<child scope>`` (provider and platform scopes): a child's day figures, copied into the
  parent's partition, so that a parent's sum is a one-partition query;
- ``facts:<sessionId>`` (station scope): the days and driver months a session was last written into;
- ``st:<chargerId>~<connectorId>:<at>:<status>`` (station scope): one connector status report (the status log).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.domain.sessions import sortable_time
from shared.ports.store import (
    Document,
    DocumentConflict,
    DocumentNotFound,
    DocumentStore,
    Filter,
    PreconditionFailed,
    Query,
)

__all__ = [
    "C",
    "add_status",
    "change",
    "children",
    "day_id",
    "month_id",
    "part_id",
    "put_part",
    "query_all",
    "read",
    "scope_docs",
    "status_before",
    "status_after",
    "statuses_between",
]

C = "rollups"
ATTEMPTS = 10  # concurrent consumers meet on busy day documents; each retry re-reads
PAGE = 1000
Build = Callable[[Document | None], Document | None]


def day_id(scope: str, day: str) -> str:
    return f"day:{scope}:{day}"


def month_id(scope: str, month: str) -> str:
    return f"month:{scope}:{month}"


async def read(store: DocumentStore, scope: str, id: str) -> Document | None:
    try:
        return await store.read(C, id, scope)
    except DocumentNotFound:
        return None


async def change(store: DocumentStore, scope: str, id: str, build: Build) -> Document | None:
    """Read, build the new document (None: leave it), write under the ETag; retried when someone wrote first."""
    for _ in range(ATTEMPTS):
        current = await read(store, scope, id)
        new = build(current)
        if new is None:
            return current
        new = {**new, "id": id, "scope": scope}
        try:
            if current is None:
                return await store.create(C, new)
            return await store.replace(C, new, etag=current.get("_etag"))
        except (PreconditionFailed, DocumentConflict, DocumentNotFound):
            continue
    raise PreconditionFailed(f"{id} kept changing")


async def query_all(store: DocumentStore, query: Query, container: str = C) -> list[Document]:
    """Every page of ``query`` (the caller bounds it by its filters)."""
    found: list[Document] = []
    token: str | None = None
    while True:
        page = await store.query(container, replace(query, continuation=token))
        found.extend(page.items)
        if (token := page.continuation) is None:
            return found


async def scope_docs(store: DocumentStore, scope: str, kind: str, first: str, last: str) -> list[Document]:
    """A scope's day (``first``..``last`` days) or month documents, in order."""
    where = (
        Filter("kind", "eq", kind),
        Filter("scope", "eq", scope),
        Filter("day", "ge", first),
        Filter("day", "le", last),
    )
    return await query_all(store, Query(where, order_by="day", limit=PAGE, partition_key=scope))


def part_id(day: str, child_scope: str) -> str:
    return f"part:{day}:{child_scope}"


async def put_part(store: DocumentStore, scope: str, day: str, child_scope: str, figures: Any) -> None:
    """A child's figures of ``day`` copied into its parent's partition (a station's into its provider's, a
    provider's into the platform's), so that the parent's sum is a query of one partition."""

    def build(current: Document | None) -> Document | None:
        if current is not None and current.get("figures") == figures:
            return None
        return {"kind": "part", "day": day, "child": child_scope, "figures": figures}

    await change(store, scope, part_id(day, child_scope), build)


async def children(store: DocumentStore, scope: str, day: str) -> list[Any]:
    """The figures of the children's parts of ``day`` in ``scope``'s partition."""
    where = (Filter("kind", "eq", "part"), Filter("scope", "eq", scope), Filter("day", "eq", day))
    docs = await query_all(store, Query(where, limit=PAGE, partition_key=scope, fields=("figures",)))
    return [d.get("figures") or {} for d in docs]


async def add_status(
    store: DocumentStore, station_id: str, connector_key: str, at: datetime, status: str, **extra: Any
) -> bool:
    """Record one status report; False when it was recorded before (a redelivery)."""
    stamp = sortable_time(at)
    doc = {
        "id": f"st:{connector_key.replace('/', '~')}:{stamp}:{status}",  # ids may not hold "/"
        **{"scope": f"station:{station_id}", "kind": "status", "connectorKey": connector_key},
        **{"at": stamp, "status": status, **extra},
    }
    try:
        await store.create(C, doc)
        return True
    except DocumentConflict:
        return False


async def statuses_between(store: DocumentStore, station_id: str, lo: datetime, hi: datetime) -> list[Document]:
    scope = f"station:{station_id}"
    where = (
        *(Filter("kind", "eq", "status"), Filter("scope", "eq", scope)),
        *(Filter("at", "ge", sortable_time(lo)), Filter("at", "lt", sortable_time(hi))),
    )
    return await query_all(
        store, Query(where, limit=PAGE, partition_key=scope, fields=("connectorKey", "at", "status"))
    )


async def status_before(store: DocumentStore, station_id: str, connector_key: str, at: datetime) -> Document | None:
    """The connector's last report before ``at`` (its status then)."""
    scope = f"station:{station_id}"
    where = (
        *(Filter("kind", "eq", "status"), Filter("scope", "eq", scope), Filter("connectorKey", "eq", connector_key)),
        Filter("at", "lt", sortable_time(at)),
    )
    query = Query(where, order_by="at", descending=True, limit=1, partition_key=scope, fields=("at", "status"))
    page = await store.query(C, query)
    return page.items[0] if page.items else None


async def status_after(store: DocumentStore, station_id: str, connector_key: str, at: datetime) -> Document | None:
    """The connector's first report after ``at`` (where a late report stops mattering)."""
    scope = f"station:{station_id}"
    where = (
        *(Filter("kind", "eq", "status"), Filter("scope", "eq", scope), Filter("connectorKey", "eq", connector_key)),
        Filter("at", "gt", sortable_time(at)),
    )
    page = await store.query(C, Query(where, order_by="at", limit=1, partition_key=scope, fields=("at", "status")))
    return page.items[0] if page.items else None

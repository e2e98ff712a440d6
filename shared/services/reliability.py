"""The reliability timer's work: score stations a bounded batch at a time, writing only what changed.

Each run takes the next ``BATCH`` active (or in-maintenance) stations by id after a cursor
(``counters/cursor:station-reliability``) and wraps round at the end, so every station is visited in
turn whatever the network's size. A visit samples the station's uptime into its ledger, tallies its
recent sessions (``reliability_inputs``), computes the score and its parts (``shared.domain.reliability``)
and replaces the station, under its ETag, only when its ``reliability`` differs from what it shows.
Two runs at once do no harm: every write is conditional and the work is the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from shared.domain.errors import DomainError
from shared.domain.reliability import reliability_of, usable_share
from shared.domain.stations import Station
from shared.ports.store import Document, DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query
from shared.repositories.chargers import station_chargers
from shared.repositories.stations import read_station, save_station
from shared.services.reliability_inputs import observe_uptime, session_tally

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["BATCH", "ReliabilityRun", "score_station", "score_stations"]

log = logging.getLogger(__name__)
STATIONS, COUNTERS = "stations", "counters"
BATCH = 100  # stations per run; at one run every 5 minutes, 28,800 visits a day
CURSOR_ID = "cursor:station-reliability"
ATTEMPTS = 3  # a station written meanwhile (a status report) is read again and scored again
_MAX_PAGES = 10  # a short page that still has a continuation is followed, this many times at most


@dataclass
class ReliabilityRun:
    visited: int = 0
    stations_written: int = 0
    ledgers_written: int = 0
    wrapped: bool = False


async def score_station(deps: Deps, station: Station) -> tuple[bool, bool]:
    """Score one station now: (station written, ledger written)."""
    store, now = deps.store, deps.clock.now()
    grace = timedelta(seconds=2 * deps.settings.ocpp_heartbeat_interval_seconds)
    chargers = await station_chargers(store, station.id, lifecycle="active")
    ledger, ledger_written = await observe_uptime(store, station, usable_share(station, chargers, now, grace), now)
    tally = await session_tally(store, station.id, now)
    for _ in range(ATTEMPTS):
        fresh = reliability_of(
            tally=tally, ledger=ledger, chargers=chargers, now=now, grace=grace, previous=station.reliability
        )
        if fresh == station.reliability:
            return False, ledger_written
        try:
            await save_station(store, station.model_copy(update={"reliability": fresh}), etag=station.etag)
            return True, ledger_written
        except PreconditionFailed:
            try:
                station = await read_station(store, station.provider_id, station.id)
            except DomainError:  # gone meanwhile
                return False, ledger_written
    log.info("station %s kept changing; its reliability waits for the next visit", station.id)
    return False, ledger_written


async def _cursor(store: DocumentStore) -> str:
    try:
        return str((await store.read(COUNTERS, CURSOR_ID, CURSOR_ID)).get("after") or "")
    except DocumentNotFound:
        return ""


async def _next_batch(store: DocumentStore, after: str, size: int) -> tuple[list[Document], bool]:
    """Up to ``size`` stations by id after ``after``, and whether more may follow."""
    filters = [Filter("type", "eq", "station"), Filter("lifecycle", "in", ["active", "maintenance"])]
    if after:
        filters.append(Filter("id", "gt", after))
    query = Query(tuple(filters), order_by="id", limit=size)
    docs: list[Document] = []
    for _ in range(_MAX_PAGES):
        page = await store.query(STATIONS, query)
        docs.extend(page.items)
        if page.continuation is None:
            return docs[:size], False
        if len(docs) >= size:
            return docs[:size], True
        query = replace(query, continuation=page.continuation, limit=size - len(docs))
    return docs, True


async def score_stations(deps: Deps, *, batch: int = BATCH) -> ReliabilityRun:
    """One run of the timer: the next batch of stations after the cursor."""
    run = ReliabilityRun()
    docs, more = await _next_batch(deps.store, await _cursor(deps.store), batch)
    for doc in docs:
        try:
            station = Station.model_validate(doc)
        except ValidationError:  # one malformed document must not stop the others
            log.warning("station %s does not validate; not scored", doc.get("id"))
            continue
        run.visited += 1
        written, ledger_written = await score_station(deps, station)
        run.stations_written += written
        run.ledgers_written += ledger_written
    run.wrapped = not more
    after = str(docs[-1]["id"]) if more and docs else ""
    await deps.store.upsert(COUNTERS, {"id": CURSOR_ID, "after": after})
    return run

"""What a station's reliability is computed from: its recent sessions and its uptime ledger.

Sessions are read from the station's own partition of ``sessions``, newest first, as a projection of
the five fields ``session_outcome`` needs, at most ``MAX_SESSIONS`` of the last ``RECENT_DAYS``: a
bounded read per station, whatever its traffic. The ledger is a small document beside the station
(``stations`` container, same partition), written only when a sample changes it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from shared.domain.reliability import RECENT_DAYS, Outcome, SessionTally, UptimeLedger, session_outcome
from shared.domain.sessions import sortable_time
from shared.domain.stations import Station
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query

__all__ = ["MAX_SESSIONS", "observe_uptime", "session_tally"]

SESSIONS, STATIONS = "sessions", "stations"
MAX_SESSIONS = 500
_FIELDS = ("status", "startedAt", "energyWh", "authorization", "failureReason")


def _outcome(doc: dict[str, Any]) -> Outcome:
    energy = doc.get("energyWh")
    return session_outcome(
        str(doc.get("status")),
        started=doc.get("startedAt") is not None,
        energy_wh=energy if isinstance(energy, int | float) else 0,
        authorization=str(doc.get("authorization", "Accepted")),
        failure_reason=doc.get("failureReason"),
    )


async def session_tally(store: DocumentStore, station_id: str, now: datetime) -> SessionTally:
    since = sortable_time(now - timedelta(days=RECENT_DAYS))
    filters = (
        Filter("stationId", "eq", station_id),  # the Cosmos stand-in ignores partition_key in queries
        Filter("type", "eq", "session"),
        Filter("requestedAt", "ge", since),
    )
    query = Query(filters, order_by="requestedAt", descending=True, limit=MAX_SESSIONS, partition_key=station_id)
    query = replace(query, fields=_FIELDS)
    tally, read = SessionTally(), 0
    while read < MAX_SESSIONS:
        page = await store.query(SESSIONS, query)
        for doc in page.items[: MAX_SESSIONS - read]:
            tally = tally.add(_outcome(doc))
        read += len(page.items)
        if page.continuation is None:
            break
        query = replace(query, continuation=page.continuation, limit=MAX_SESSIONS - read)
    return tally


async def _read_ledger(store: DocumentStore, station: Station) -> UptimeLedger | None:
    try:
        return UptimeLedger.model_validate(await store.read(STATIONS, f"reliability:{station.id}", station.provider_id))
    except DocumentNotFound:
        return None


async def observe_uptime(
    store: DocumentStore, station: Station, share: float | None, now: datetime
) -> tuple[UptimeLedger, bool]:
    """The station's ledger with this sample taken in, and whether it was written.

    A sample equal to the held state changes nothing stored. A concurrent writer (two timer runs)
    wins: its ledger is used as it is.
    """
    ledger = await _read_ledger(store, station)
    if ledger is not None and ledger.state == share:
        return ledger, False
    current = (ledger or UptimeLedger.start(station, now)).observe(share, now)
    doc = current.model_dump(mode="json")
    try:
        if ledger is None:
            saved = await store.create(STATIONS, doc)
        else:
            saved = await store.replace(STATIONS, doc, etag=ledger.etag)
    except (DocumentConflict, PreconditionFailed):
        return (await _read_ledger(store, station)) or current, False
    return UptimeLedger.model_validate(saved), True

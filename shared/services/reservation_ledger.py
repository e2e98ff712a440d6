"""The per-connector ledger: how two overlapping reservations can never both be booked.

Cosmos has no multi-document transactions and no unique constraint on a time
range, so every booking of a connector goes through one document in the
connector's partition (``ledger:<chargerId>~<connectorId>``) listing its live
windows. A booking reads it, checks the new window against the windows read in
that same attempt, and replaces it under its ETag: of concurrent bookings
holding the same version one wins, the others read again (and now see the
winner's window). Finished windows are pruned on every write.

The reservation document is written after its window is claimed; a booking that
dies in between leaves an orphan window. A clash with a window whose reservation
does not exist (after ``ORPHAN_AFTER``) or is no longer confirmed drops it, so
the ledger repairs itself where it matters.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.domain.errors import Conflict
from shared.domain.reservations import (
    ConnectorLedger,
    LedgerWindow,
    first_clash,
    ledger_id,
    prune,
    without,
)
from shared.ports.store import DocumentConflict, DocumentNotFound, PreconditionFailed
from shared.repositories.reservations import read_ledger, read_reservation, write_ledger

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["ORPHAN_AFTER", "claim_window", "release_window"]

log = logging.getLogger(__name__)
ATTEMPTS = 25  # each round of contention has one winner; losers that now clash stop at once
ORPHAN_AFTER = timedelta(minutes=2)
_MAX_BACKOFF = 0.05  # seconds


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, min(_MAX_BACKOFF, 0.001 * 2 ** min(attempt, 10))))  # noqa: S311


async def _is_orphan(deps: Deps, connector_key: str, window: LedgerWindow, now: datetime) -> bool:
    reservation = await read_reservation(deps.store, connector_key, window.reservation_id)
    if reservation is None:
        return window.claimed_at <= now - ORPHAN_AFTER
    return reservation.status != "confirmed"


async def _free_for(
    deps: Deps, connector_key: str, windows: list[LedgerWindow], window: LedgerWindow, now: datetime
) -> list[LedgerWindow]:
    """``windows`` without orphans in the way of ``window``; raises if a live one clashes."""
    while (clash := first_clash(windows, window)) is not None:
        if not await _is_orphan(deps, connector_key, clash, now):
            raise Conflict(
                "The connector is already reserved for part of that time.",
                code="reservation_overlap",
                reservedFrom=clash.starts_at.isoformat(),
                reservedUntil=clash.ends_at.isoformat(),
            )
        log.warning("%s: dropping the orphan ledger window of %s", connector_key, clash.reservation_id)
        windows = without(windows, clash.reservation_id)
    return windows


async def claim_window(deps: Deps, connector_key: str, window: LedgerWindow) -> None:
    """Add ``window`` to the connector's ledger, or raise ``reservation_overlap`` (409)."""
    for attempt in range(ATTEMPTS):
        now = deps.clock.now()
        ledger = await read_ledger(deps.store, connector_key)
        current = prune(ledger.windows if ledger else [], now)
        kept = await _free_for(deps, connector_key, current, window, now)
        updated = ConnectorLedger(
            id=ledger_id(connector_key),
            connector_key=connector_key,
            windows=prune([*kept, window], now),
            updated_at=now,
            etag=ledger.etag if ledger else None,
        )
        try:
            await write_ledger(deps.store, updated, create=ledger is None)
            return
        except (DocumentConflict, PreconditionFailed, DocumentNotFound):
            await _backoff(attempt)
    raise Conflict("The connector's bookings kept changing; retry.", code="reservation_busy")


async def release_window(deps: Deps, connector_key: str, reservation_id: str) -> bool:
    """Remove the reservation's window; False if it could not (``_is_orphan`` then frees it on demand)."""
    for attempt in range(ATTEMPTS):
        now = deps.clock.now()
        ledger = await read_ledger(deps.store, connector_key)
        if ledger is None or all(w.reservation_id != reservation_id for w in ledger.windows):
            return True
        kept = prune(without(ledger.windows, reservation_id), now)
        try:
            await write_ledger(deps.store, ledger.model_copy(update={"windows": kept, "updated_at": now}), create=False)
            return True
        except (PreconditionFailed, DocumentNotFound):
            await _backoff(attempt)
    log.warning("%s: could not release the window of %s", connector_key, reservation_id)
    return False

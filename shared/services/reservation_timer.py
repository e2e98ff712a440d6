"""The reservations timer, every minute: expire no-shows, send due ReserveNows, flush leftover events.

Each step is idempotent, so two workers running it at once, or one running it
twice, change nothing twice: a transition happens under the document's ETag
and only from ``confirmed``, and its event rides in the same write (the outbox),
so ReservationExpired is recorded once and published under one id. One
reservation failing is logged and left for the next run; it does not stop the
others. A run handles at most ``MAX_ITEMS`` of each kind; the rest wait a minute.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.domain.reservations import Reservation
from shared.repositories.reservations import confirmed_starting_by, update_reservation, with_pending_events
from shared.services.reservation_commands import LEAD, reserve_now_due, send_reserve_now
from shared.services.reservation_events import RESERVATION_EXPIRED, flush_outbox, reservation_event
from shared.services.reservation_ledger import release_window

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["KEEP_FINISHED", "TimerRun", "expire", "run_reservation_timer"]

log = logging.getLogger(__name__)
KEEP_FINISHED = timedelta(days=90)  # cancelled and expired reservations, then Cosmos' TTL removes them
MAX_ITEMS = 500
PAGE = 100
Page = tuple[list[Reservation], str | None]


@dataclass
class TimerRun:
    """What one run looked at (another worker may have done some of it first) and how much failed."""

    ended: int = 0
    reserve_now_due: int = 0
    outboxes: int = 0
    failed: int = 0


async def _collect(fetch: Callable[[str | None], Awaitable[Page]]) -> list[Reservation]:
    """Read first, write after: changing documents between pages could make a continuation skip some."""
    found: list[Reservation] = []
    token: str | None = None
    while len(found) < MAX_ITEMS:
        items, token = await fetch(token)
        found.extend(items)
        if token is None:
            break
    return found[:MAX_ITEMS]


async def expire(deps: Deps, reservation: Reservation, now: datetime) -> Reservation:
    """A confirmed reservation whose window is over becomes ``expired``, with ReservationExpired in its outbox."""

    def apply(current: Reservation) -> Reservation | None:
        if current.status != "confirmed" or current.ends_at > now:
            return None
        done = current.model_copy(
            update={"status": "expired", "updated_at": now, "ttl": int(KEEP_FINISHED.total_seconds())}
        )
        event = reservation_event(RESERVATION_EXPIRED, done, now)
        return done.model_copy(update={"pending_events": [*current.pending_events, event]})

    saved = await update_reservation(deps.store, reservation, apply)
    if saved.status == "expired":
        await release_window(deps, saved.connector_key, saved.id)
    return await flush_outbox(deps, saved)


async def _step(run: TimerRun, reservation: Reservation, work: Awaitable[object]) -> None:
    try:
        await work
    except Exception:  # noqa: BLE001 - one reservation must not stop the run
        run.failed += 1
        log.exception("reservations timer: %s failed", reservation.id)


async def run_reservation_timer(deps: Deps) -> TimerRun:
    now = deps.clock.now()
    run = TimerRun()
    store = deps.store

    started = await _collect(lambda t: confirmed_starting_by(store, now + LEAD, limit=PAGE, continuation=t))
    for reservation in started:
        if reservation.ends_at <= now:
            run.ended += 1
            await _step(run, reservation, expire(deps, reservation, now))
        elif reserve_now_due(reservation, now):
            run.reserve_now_due += 1
            await _step(run, reservation, send_reserve_now(deps, reservation))

    for reservation in await _collect(lambda t: with_pending_events(store, limit=PAGE, continuation=t)):
        run.outboxes += 1
        await _step(run, reservation, flush_outbox(deps, reservation))
    return run

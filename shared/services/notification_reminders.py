"""The reservation reminder: every minute, drivers whose reservation starts within ten minutes are told.

A reservation is reminded once: the run records ``reservation-reminder:<id>`` in ``processed_messages``
after queuing, and the queued message's id is derived from the reservation, so two runs at once (or a
crash between the two writes) queue the same message twice at worst, which the sender drops.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shared.domain.reservations import Reservation, instant_text
from shared.ports.store import Filter, Query
from shared.services.idempotency import already_processed, mark_processed
from shared.services.notification_events import notify, station_details

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["LEAD", "REMINDER_CONSUMER", "send_reservation_reminders"]

LEAD = timedelta(minutes=10)
REMINDER_CONSUMER = "reservation-reminder"
MAX_PER_RUN = 500


async def send_reservation_reminders(deps: Deps) -> int:
    """Queue a reminder for each confirmed reservation starting in (now, now + 10 min]; returns how many."""
    now = deps.clock.now()
    filters = (
        Filter("type", "eq", "reservation"), Filter("status", "eq", "confirmed"),
        Filter("startsAt", "gt", instant_text(now)), Filter("startsAt", "le", instant_text(now + LEAD)),
    )  # fmt: skip
    found: list[Reservation] = []
    token: str | None = None
    while len(found) < MAX_PER_RUN:
        page = await deps.store.query("reservations", Query(filters, limit=100, continuation=token))
        found.extend(Reservation.model_validate(d) for d in page.items)
        token = page.continuation
        if token is None:
            break
    sent = 0
    for r in found:
        if await already_processed(deps.store, REMINDER_CONSUMER, r.id):
            continue
        body = {
            **await station_details(deps, r.station_id),
            "userId": r.user_id,
            "reservationId": r.id,
            "stationId": r.station_id,
            "connectorKey": r.connector_key,
            "startsAt": instant_text(r.starts_at),
            "endsAt": instant_text(r.ends_at),
        }
        await notify(deps, "ReservationReminder", body, cause=r.id, recipient=r.user_id, at=now, tenant=r.provider_id)
        await mark_processed(deps.store, deps.clock, REMINDER_CONSUMER, r.id)
        sent += 1
    return sent

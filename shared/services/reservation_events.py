"""ReservationMade and ReservationExpired, through an outbox on the reservation document.

An event is appended to ``pendingEvents`` in the same write as the state change
it reports, published after that write, and removed from the list once
published. A publish that fails leaves it there: the reservations timer flushes
whatever is left, every minute. Ids are derived from the reservation
(``ReservationMade:res_...``), so a message published twice (a flush that died
before removing it) is the same message, dropped by duplicate detection and the
consumers' processed-message records.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from shared.domain.errors import DomainError
from shared.domain.messages import Message
from shared.domain.reservations import OutboxMessage, Reservation, instant_text
from shared.repositories.reservations import update_reservation
from shared.services.events import publish_session_event, session_event
from shared.services.outbox import publish_in_order

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["RESERVATION_EXPIRED", "RESERVATION_MADE", "flush_outbox", "reservation_event"]

log = logging.getLogger(__name__)
RESERVATION_MADE = "ReservationMade"
RESERVATION_EXPIRED = "ReservationExpired"


def reservation_event(type_: str, reservation: Reservation, occurred_at: datetime) -> Message:
    body = {
        "reservationId": reservation.id,
        "connectorKey": reservation.connector_key,
        "stationId": reservation.station_id,
        "chargerId": reservation.charger_id,
        "connectorId": reservation.connector_id,
        "userId": reservation.user_id,
        "startsAt": instant_text(reservation.starts_at),
        "endsAt": instant_text(reservation.ends_at),
        "status": reservation.status,
    }
    return session_event(type_, body, tenant_id=reservation.provider_id, key=(reservation.id,), occurred_at=occurred_at)


async def flush_outbox(deps: Deps, reservation: Reservation) -> Reservation:
    """Publish the pending events in order, then drop those published from the document."""

    async def publish(message: OutboxMessage) -> None:
        await publish_session_event(deps, message)

    published = await publish_in_order(
        reservation.pending_events, publish, message_id=lambda m: m.id, owner=reservation.id
    )
    if not published:
        return reservation

    def drop_published(current: Reservation) -> Reservation | None:
        remaining = [m for m in current.pending_events if m.id not in published]
        if len(remaining) == len(current.pending_events):
            return None
        return current.model_copy(update={"pending_events": remaining})

    try:
        return await update_reservation(deps.store, reservation, drop_published)
    except DomainError:
        # Published but still listed: the next flush publishes it again under the same id.
        log.warning("%s: could not clear the outbox", reservation.id)
        return reservation

"""Booking a connector: the rules a new reservation must pass, the ledger claim, then what follows the write.

In order: the window (15 to 60 minutes, from a minute ago to 7 days ahead), the
station and its provider active and the connector on it, no maintenance during
the window, not Faulted or Unavailable if the window starts now, the driver's
limit, and finally no overlap, which the connector's ledger decides
(``reservation_ledger``) however many requests race. The limit of 2 upcoming
reservations per driver is best effort: two bookings by one driver racing on
different connectors may both pass the count (a per-driver ledger document
would close that, at one more contended write per booking).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.domain.availability import covers, effective_status
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.principal import Principal, Role, guard
from shared.domain.reservations import Reservation, ReservationCreate, window_of
from shared.domain.stations import ConnectorStatus, Station, StationConnector
from shared.repositories import reservations as repo
from shared.repositories.providers import get_provider
from shared.repositories.stations import get_station
from shared.services.app_tags import ensure_app_tag
from shared.services.reservation_commands import LEAD, send_reserve_now
from shared.services.reservation_events import RESERVATION_MADE, flush_outbox, reservation_event
from shared.services.reservation_ledger import claim_window, release_window
from shared.services.transaction_ids import next_reservation_id

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["MAX_AHEAD", "MAX_BEHIND", "MAX_UPCOMING", "book"]

log = logging.getLogger(__name__)
MAX_UPCOMING = 2
MAX_AHEAD = timedelta(days=7)
MAX_BEHIND = timedelta(minutes=1)
_DOWN = frozenset({ConnectorStatus.FAULTED, ConnectorStatus.UNAVAILABLE})


def _no_connector(detail: str) -> NotFound:
    return NotFound(detail, code="connector_not_found")


async def _bookable(deps: Deps, cmd: ReservationCreate) -> tuple[Station, StationConnector]:
    try:
        station = await get_station(deps.store, cmd.station_id)
    except NotFound:
        raise _no_connector("No such station.") from None
    if station.lifecycle != "active" or station.access != "public" or not station.provider_active:
        raise _no_connector("No such station.")
    connector = next((c for c in station.connectors if c.key == cmd.connector_key), None)
    if connector is None:
        raise _no_connector(f"The station has no connector {cmd.connector_key}.")
    if (await get_provider(deps.store, station.provider_id)).status != "active":
        raise _no_connector("No such station.")
    return station, connector


def _check_connector(
    station: Station, connector: StationConnector, start: datetime, end: datetime, now: datetime
) -> None:
    if any(covers(w, connector) and w.starts_at < end and start < w.ends_at for w in station.maintenance):
        raise Conflict("The connector is under maintenance during that time.", code="connector_under_maintenance")
    status = effective_status(station, connector, now)
    if start <= now + LEAD and status in _DOWN:
        raise Conflict(
            f"The connector is {status.value} now.", code="connector_unavailable", connectorStatus=status.value
        )


async def book(cmd: ReservationCreate, *, who: Principal | None, deps: Deps) -> Reservation:
    user = guard.role(who, Role.DRIVER)
    now = deps.clock.now()
    start, end = window_of(cmd.starts_at, cmd.duration_minutes)
    if not now - MAX_BEHIND <= start <= now + MAX_AHEAD:
        raise InvalidInput("A reservation starts from 1 minute ago to 7 days ahead.", code="reservation_window_invalid")
    station, connector = await _bookable(deps, cmd)
    _check_connector(station, connector, start, end, now)
    if await repo.count_upcoming(deps.store, user.user_id, now, cap=MAX_UPCOMING) >= MAX_UPCOMING:
        raise Conflict(f"You already have {MAX_UPCOMING} upcoming reservations.", code="too_many_reservations")
    reservation = Reservation(
        id=f"res_{uuid.uuid4().hex}",
        connector_key=connector.key,
        station_id=station.id,
        station_name=station.name,
        provider_id=station.provider_id,
        charger_id=connector.charger_id,
        connector_id=connector.connector_id,
        user_id=user.user_id,
        id_tag=await ensure_app_tag(deps.store, deps.clock, user.user_id),
        starts_at=start,
        ends_at=end,
        ocpp_reservation_id=0,  # drawn once the window is ours: losers of a race draw none
        created_at=now,
        updated_at=now,
    )
    await claim_window(deps, connector.key, reservation.window(claimed_at=now))
    try:
        ocpp_id = await next_reservation_id(deps.store, deps.clock)
        made = reservation.model_copy(update={"ocpp_reservation_id": ocpp_id})
        made = made.model_copy(update={"pending_events": [reservation_event(RESERVATION_MADE, made, now)]})
        saved = await repo.add_reservation(deps.store, made)
    except Exception:
        await _undo_claim(deps, reservation)
        raise
    return await _after_commit(deps, saved)


async def _undo_claim(deps: Deps, reservation: Reservation) -> None:
    """Free the window of a booking whose document was not written; keep it when unsure.

    A write may fail after it happened (a lost reply): a window freed then would let an overlap in. A
    window kept without its reservation is an orphan, which the next clashing booking drops (the ledger).
    """
    try:
        if await repo.read_reservation(deps.store, reservation.connector_key, reservation.id) is None:
            await release_window(deps, reservation.connector_key, reservation.id)
    except Exception:  # noqa: BLE001 - the booking's own error is the one to report
        log.warning("%s: its window stays claimed until it is found orphaned", reservation.id, exc_info=True)


async def _after_commit(deps: Deps, reservation: Reservation) -> Reservation:
    """The booking stands once written: what follows may fail and is redone by the timer."""
    try:
        reservation = await flush_outbox(deps, reservation)
        return await send_reserve_now(deps, reservation)
    except Exception:  # noqa: BLE001 - the booking is committed: never answer it with a 500
        log.warning("%s: booked; the follow-up is left to the timer", reservation.id, exc_info=True)
        return reservation

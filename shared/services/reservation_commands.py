"""ReserveNow and CancelReservation: the charger's side of a reservation, and what it answered.

ReserveNow goes out when the window starts (the timer, up to ``LEAD`` early) or
at booking for a window starting within ``LEAD``: connector, ``expiryDate`` =
the window's end, the holder's app idTag, and the reservation's integer OCPP id.
A worker claims the send first (``reserveNow.status = "sending"`` under the
ETag), so the booking and the timer, or two timers, do not both send; a claim
left behind by a crash is taken over after ``STALE_CLAIM``. An offline charger
is recorded as ``offline`` and retried by the timer each minute.

Whatever the charger answers (Accepted, Occupied, Faulted, Rejected,
Unavailable, or nothing), the reservation stays confirmed on the platform: the
platform enforces it itself, because the sessions code refuses anyone but the
holder during the window (``reservations.reservation_holding``). The answer is
recorded for the provider and the driver to see.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.reservations import ChargerCommand, Reservation, instant_text
from shared.repositories.reservations import read_ledger, read_reservation, update_reservation
from shared.services.charger_commands import ChargerOffline, CommandAction, CommandRecord, on_outcome, send_command

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["LEAD", "STALE_CLAIM", "reserve_now_due", "send_cancel_reservation", "send_reserve_now"]

log = logging.getLogger(__name__)
LEAD = timedelta(minutes=1)
STALE_CLAIM = timedelta(minutes=2)


def reserve_now_due(reservation: Reservation, now: datetime) -> bool:
    if reservation.status != "confirmed" or reservation.ends_at <= now or reservation.starts_at > now + LEAD:
        return False
    sent = reservation.reserve_now
    if sent is None or sent.status == "offline":
        return True
    return sent.status == "sending" and sent.at <= now - STALE_CLAIM


def _subject(reservation: Reservation) -> dict[str, str]:
    return {"reservationId": reservation.id, "connectorKey": reservation.connector_key}


async def _earlier_window_running(deps: Deps, reservation: Reservation, now: datetime) -> bool:
    """Sent early while the previous booking's window still runs, the charger would answer Occupied."""
    if reservation.starts_at <= now:
        return False
    ledger = await read_ledger(deps.store, reservation.connector_key)
    windows = ledger.windows if ledger else []
    return any(w.reservation_id != reservation.id and w.starts_at <= now < w.ends_at for w in windows)


async def send_reserve_now(deps: Deps, reservation: Reservation) -> Reservation:
    """Send ReserveNow if it is due and nobody else is sending it; the reservation as recorded after."""
    now = deps.clock.now()
    if not reserve_now_due(reservation, now) or await _earlier_window_running(deps, reservation, now):
        return reservation
    won = False

    def claim(current: Reservation) -> Reservation | None:
        nonlocal won
        won = reserve_now_due(current, now)
        return current.model_copy(update={"reserve_now": ChargerCommand(status="sending", at=now)}) if won else None

    claimed = await update_reservation(deps.store, reservation, claim)
    if not won:
        return claimed
    payload = {
        "connectorId": claimed.connector_id,
        "expiryDate": instant_text(claimed.ends_at),  # UTC, milliseconds, Z: what chargers parse best
        "idTag": claimed.id_tag,
        "reservationId": claimed.ocpp_reservation_id,
    }
    try:
        record = await send_command(
            deps, claimed.charger_id, CommandAction.reserve_now, payload, subject=_subject(claimed)
        )
        sent = ChargerCommand(command_id=record.id, status=record.status, at=deps.clock.now())
    except ChargerOffline:
        sent = ChargerCommand(status="offline", at=deps.clock.now())

    def record_sent(current: Reservation) -> Reservation | None:
        known = current.reserve_now
        if known is not None and known.command_id is not None and known.command_id == sent.command_id:
            return None  # the charger's answer was recorded first
        return current.model_copy(update={"reserve_now": sent})

    saved = await update_reservation(deps.store, claimed, record_sent)
    if saved.status == "cancelled":  # cancelled while the command was on its way
        saved = await send_cancel_reservation(deps, saved)
    return saved


async def send_cancel_reservation(deps: Deps, reservation: Reservation) -> Reservation:
    """Tell the charger to drop its reservation, once, if a ReserveNow may have been accepted."""
    reserved = reservation.reserve_now
    if reserved is None or reserved.command_id is None or reservation.cancel_reservation is not None:
        return reservation
    if reserved.outcome not in (None, "Accepted"):
        return reservation  # the charger refused it: it holds nothing to cancel
    payload: dict[str, Any] = {"reservationId": reservation.ocpp_reservation_id}
    try:
        record = await send_command(
            deps, reservation.charger_id, CommandAction.cancel_reservation, payload, subject=_subject(reservation)
        )
        sent = ChargerCommand(command_id=record.id, status=record.status, at=deps.clock.now())
    except ChargerOffline:
        # Not an error for the cancel: the charger drops the reservation itself at its expiryDate.
        sent = ChargerCommand(status="offline", at=deps.clock.now())

    def record_sent(current: Reservation) -> Reservation | None:
        if current.cancel_reservation is not None and current.cancel_reservation.command_id is not None:
            return None
        return current.model_copy(update={"cancel_reservation": sent})

    return await update_reservation(deps.store, reservation, record_sent)


def _answered(record: CommandRecord, now: datetime) -> ChargerCommand:
    reply = record.reply or {}
    outcome = reply.get("status")
    return ChargerCommand(
        command_id=record.id,
        status=record.status,
        outcome=outcome if isinstance(outcome, str) else None,
        error_code=record.error_code,
        at=record.answered_at or now,
    )


async def _record_outcome(deps: Deps, record: CommandRecord, field: str) -> None:
    reservation_id, connector_key = record.subject.get("reservationId"), record.subject.get("connectorKey")
    if not reservation_id or not connector_key:
        return
    reservation = await read_reservation(deps.store, connector_key, reservation_id)
    if reservation is None:
        log.warning("%s answered for unknown reservation %s", record.action, reservation_id)
        return
    answered = _answered(record, deps.clock.now())

    def apply(current: Reservation) -> Reservation | None:
        known: ChargerCommand | None = getattr(current, field)
        if known is not None and known.command_id not in (None, record.id):
            return None  # the answer to an earlier command
        if known == answered:
            return None
        return current.model_copy(update={field: answered, "updated_at": deps.clock.now()})

    await update_reservation(deps.store, reservation, apply)


@on_outcome(CommandAction.reserve_now)
async def reserve_now_outcome(deps: Deps, record: CommandRecord) -> None:
    await _record_outcome(deps, record, "reserve_now")


@on_outcome(CommandAction.cancel_reservation)
async def cancel_reservation_outcome(deps: Deps, record: CommandRecord) -> None:
    await _record_outcome(deps, record, "cancel_reservation")

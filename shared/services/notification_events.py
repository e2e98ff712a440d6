"""What to notify: events become messages on the ``notifications`` queue, one per recipient.

The consumers are the ``notifications`` subscriptions of ``session-events`` and ``billing-events``;
direct producers are the reservation reminder timer (``notification_reminders``), a password change
and a provider application's decision. Each queued message's id is derived from the event's id, the
kind and the recipient, so a redelivered event queues the same message again, which Service Bus
duplicate detection and the sender's processed-message record both drop. PaymentFailed on
``billing-events`` is skipped: billing queues its own driver-facing message (``kind`` PaymentFailed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.errors import NotFound
from shared.domain.messages import Message
from shared.domain.reservations import Reservation, instant_text
from shared.domain.stations import MaintenanceWindow, Station
from shared.ports.store import Filter, Query
from shared.repositories.stations import get_station
from shared.services.events import event_id
from shared.services.idempotency import process_once

if TYPE_CHECKING:
    from shared.bootstrap import Deps
    from shared.domain.providers import ProviderApplication
    from shared.domain.users import User

__all__ = [
    "EVENTS_CONSUMER",
    "application_decided",
    "maintenance_planned",
    "notify",
    "on_event",
    "password_changed",
    "station_details",
]

log = logging.getLogger(__name__)
EVENTS_CONSUMER = "notifications"
DISRUPTION_HORIZON = timedelta(hours=24)  # a fault tells the drivers whose reservation starts this soon
_SESSION_KINDS = {"SessionStarted", "SessionStopped", "CapReached", "IdleStarted"}
_RENAMED = {"ReservationMade": "ReservationConfirmed", "ReservationExpired": "ReservationExpired"}
_PASSED = ("sessionId", "stationId", "connectorKey", "chargerId", "connectorId", "status", "reason", "cap")
_PASSED_MORE = ("energyWh", "durationSeconds", "costTotal", "currency", "reservationId", "startsAt", "endsAt")


async def notify(
    deps: Deps, kind: str, body: dict[str, Any], *, cause: str, recipient: str, at: datetime, tenant: str | None
) -> Message:
    """Queue one notification; its id is derived from the cause and the recipient."""
    message = Message(
        id=event_id("notify", kind, cause, recipient), type=kind, occurred_at=at, tenant_id=tenant, body=body
    )
    await deps.bus.publish(deps.settings.notifications_queue, message)
    return message


async def station_details(deps: Deps, station_id: object) -> dict[str, str]:
    if not isinstance(station_id, str):
        return {}
    try:
        station = await get_station(deps.store, station_id)
    except NotFound:
        return {}
    return {"stationName": station.name, "timeZone": station.time_zone}


async def _affected(deps: Deps, connector_key: str, now: datetime) -> list[Reservation]:
    filters = (
        Filter("type", "eq", "reservation"), Filter("connectorKey", "eq", connector_key),
        Filter("status", "eq", "confirmed"), Filter("endsAt", "gt", instant_text(now)),
        Filter("startsAt", "le", instant_text(now + DISRUPTION_HORIZON)),
    )  # fmt: skip
    page = await deps.store.query("reservations", Query(filters, limit=50, partition_key=connector_key))
    return [Reservation.model_validate(d) for d in page.items]


async def _overlapping(deps: Deps, connector_key: str, start: datetime, end: datetime) -> list[Reservation]:
    filters = (
        Filter("type", "eq", "reservation"), Filter("connectorKey", "eq", connector_key),
        Filter("status", "eq", "confirmed"), Filter("endsAt", "gt", instant_text(start)),
        Filter("startsAt", "lt", instant_text(end)),
    )  # fmt: skip
    page = await deps.store.query("reservations", Query(filters, limit=50, partition_key=connector_key))
    return [Reservation.model_validate(d) for d in page.items]


async def maintenance_planned(deps: Deps, station: Station, window: MaintenanceWindow) -> int:
    """Tell the drivers whose confirmed reservation falls in a new maintenance window (of the station, one
    charger or one connector). Called after the window is stored; a bus failure is logged, not raised."""
    keys = [
        c.key
        for c in station.connectors
        if (window.charger_id is None or c.charger_id == window.charger_id)
        and (window.connector_id is None or c.connector_id == window.connector_id)
    ]
    told = 0
    try:
        for key in keys:
            for r in await _overlapping(deps, key, window.starts_at, window.ends_at):
                data = {"stationName": station.name, "timeZone": station.time_zone, "userId": r.user_id,
                        "cause": "maintenance", "reservationId": r.id, "stationId": r.station_id,
                        "connectorKey": r.connector_key, "startsAt": instant_text(r.starts_at)}  # fmt: skip
                await notify(deps, "ReservationDisrupted", data, cause=f"{window.id}:{r.id}", recipient=r.user_id,
                             at=deps.clock.now(), tenant=station.provider_id)  # fmt: skip
                told += 1
    except Exception:  # noqa: BLE001 - the window is stored; the drivers' messages are what failed
        log.exception("could not queue the maintenance notifications of window %s", window.id)
    return told


async def _route(deps: Deps, event: Message) -> int:
    body, at, tenant = event.body, event.occurred_at, event.tenant_id
    picked = {k: body[k] for k in (*_PASSED, *_PASSED_MORE) if body.get(k) is not None}
    user_id = body.get("userId")
    if event.type in _SESSION_KINDS or event.type in _RENAMED:
        if not isinstance(user_id, str):
            return 0  # an RFID session without an account: nobody to tell
        kind = _RENAMED.get(event.type, event.type)
        data = {**picked, **await station_details(deps, body.get("stationId")), "userId": user_id}
        await notify(deps, kind, data, cause=event.id, recipient=user_id, at=at, tenant=tenant)
        return 1
    if event.type == "StationFaulted" and tenant:
        station = await station_details(deps, body.get("stationId"))
        data = {**picked, **station, "errorCode": body.get("errorCode", ""), "providerId": tenant}
        await notify(deps, "ChargerFaulted", data, cause=event.id, recipient=tenant, at=at, tenant=tenant)
        affected = await _affected(deps, str(body.get("connectorKey")), at)
        for r in affected:
            data = {**station, "userId": r.user_id, "cause": "fault", "reservationId": r.id, "stationId": r.station_id,
                    "connectorKey": r.connector_key, "startsAt": instant_text(r.starts_at)}  # fmt: skip
            await notify(deps, "ReservationDisrupted", data, cause=event.id, recipient=r.user_id, at=at, tenant=tenant)
        return 1 + len(affected)
    if event.type in ("PaymentCaptured", "InvoiceIssued") and isinstance(user_id, str):
        amount = body.get("amountCollected") if event.type == "PaymentCaptured" else body.get("total")
        data = {**picked, "userId": user_id, "amount": amount, "total": amount,
                "invoiceId": body.get("invoiceId"), "invoiceNumber": body.get("invoiceNumber")}  # fmt: skip
        await notify(deps, event.type, data, cause=event.id, recipient=user_id, at=at, tenant=tenant)
        return 1
    return 0


async def on_event(deps: Deps, event: Message) -> str:
    """The ``notifications`` subscriptions of both topics: queue what the event means for whom."""
    ran, queued = await process_once(deps.store, deps.clock, EVENTS_CONSUMER, event.id, lambda: _route(deps, event))
    return "duplicate" if not ran else f"{queued} queued"


async def password_changed(user: User) -> None:
    """A security message: always sent. Called after the change is stored; a bus failure is logged, not raised
    (the password did change, and the caller must hear so)."""
    from shared import bootstrap

    try:
        deps = await bootstrap.ready()
        at = user.password_changed_at
        body = {"userId": user.id, "at": instant_text(at)}
        await notify(deps, "PasswordChanged", body, cause=f"{user.id}:{instant_text(at)}", recipient=user.id,
                     at=at, tenant=None)  # fmt: skip
    except Exception:  # noqa: BLE001 - see the docstring
        log.exception("could not queue the password-changed notification of %s", user.id)


async def application_decided(application: ProviderApplication) -> None:
    """Tell the applicant (approved or rejected, with the reason); logged, not raised, like the above."""
    from shared import bootstrap

    try:
        deps = await bootstrap.ready()
        at = application.decided_at or application.created_at
        body = {"userId": application.applicant_user_id, "status": application.status,
                "displayName": application.display_name, "reason": application.reason}  # fmt: skip
        await notify(deps, "ApplicationDecided", body, cause=f"{application.id}:{application.status}",
                     recipient=application.applicant_user_id, at=at, tenant=None)  # fmt: skip
    except Exception:  # noqa: BLE001 - see password_changed
        log.exception("could not queue the decision notification of %s", application.id)

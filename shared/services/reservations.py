"""Use cases of connector reservations: book, read, list, cancel; and what the sessions code asks of them.

Booking and its rules are in ``reservation_booking``; no two confirmed
reservations of a connector overlap, however many requests race, because the
connector's ledger decides (``reservation_ledger``). "During the window only
the holder can start there" is enforced by the sessions code, which asks
``reservation_holding`` before every start on a connector; the charger's own
reservation (ReserveNow, ``reservation_commands``) is a second line, not the
rule: whatever the charger answers, the reservation stays confirmed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.domain.errors import Conflict, NotFound
from shared.domain.principal import PROVIDER_ROLES, Principal, guard
from shared.domain.reservations import Reservation
from shared.repositories import reservations as repo
from shared.services.reservation_booking import book
from shared.services.reservation_commands import send_cancel_reservation
from shared.services.reservation_ledger import release_window
from shared.services.reservation_timer import KEEP_FINISHED

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "book",
    "cancel",
    "find_by_ocpp_id",
    "list_for_provider",
    "list_mine",
    "mark_used",
    "read",
    "reservation_holding",
]


def _may_see(who: Principal, reservation: Reservation) -> bool:
    if who.is_admin or who.user_id == reservation.user_id:
        return True
    return who.provider_id == reservation.provider_id and who.has_any(PROVIDER_ROLES)


async def read(reservation_id: str, *, who: Principal | None, deps: Deps) -> Reservation:
    """The holder, the station's provider and platform admins see it; anyone else gets 404."""
    user = guard.signed_in(who)
    reservation = await repo.find_reservation(deps.store, reservation_id)
    if reservation is None or not _may_see(user, reservation):
        raise NotFound("No such reservation.", code="reservation_not_found")
    return reservation


async def list_mine(
    *, who: Principal | None, deps: Deps, limit: int, token: str | None
) -> tuple[list[Reservation], str | None]:
    user = guard.signed_in(who)
    return await repo.list_user_reservations(deps.store, user.user_id, limit=limit, continuation=token)


async def list_for_provider(
    provider_id: str, *, station_id: str | None, who: Principal | None, deps: Deps, limit: int, token: str | None
) -> tuple[list[Reservation], str | None]:
    guard.tenant(who, provider_id)
    return await repo.list_provider_reservations(
        deps.store, provider_id, station_id=station_id, limit=limit, continuation=token
    )


async def cancel(reservation_id: str, reason: str, *, who: Principal | None, deps: Deps) -> Reservation:
    """Idempotent: a cancelled one is returned as it is (and its follow-ups retried); used or over: 409."""
    reservation = await read(reservation_id, who=who, deps=deps)
    now = deps.clock.now()

    def apply(current: Reservation) -> Reservation | None:
        if current.status == "cancelled":
            return None
        if current.status != "confirmed" or current.ends_at <= now:
            raise Conflict(
                f"The reservation is {current.status}; it cannot be cancelled.", code="reservation_not_cancellable"
            )
        return current.model_copy(
            update={
                "status": "cancelled",
                "cancelled_by": guard.signed_in(who).user_id,
                "cancel_reason": reason or None,
                "updated_at": now,
                "ttl": int(KEEP_FINISHED.total_seconds()),
            }
        )

    cancelled = await repo.update_reservation(deps.store, reservation, apply)
    await release_window(deps, cancelled.connector_key, cancelled.id)
    return await send_cancel_reservation(deps, cancelled)


async def reservation_holding(deps: Deps, connector_key: str, at: datetime) -> Reservation | None:
    """The confirmed reservation whose window covers ``at``, if any: only its holder may start then."""
    return await repo.reservation_covering(deps.store, connector_key, at)


async def mark_used(deps: Deps, reservation: Reservation, session_id: str) -> Reservation:
    """The holder started: status ``used`` with the session, the ledger window freed. Idempotent."""
    now = deps.clock.now()

    def apply(current: Reservation) -> Reservation | None:
        if current.status == "used":
            return None
        if current.status != "confirmed":
            raise Conflict(f"The reservation is {current.status}.", code="reservation_not_usable")
        return current.model_copy(update={"status": "used", "session_id": session_id, "updated_at": now})

    used = await repo.update_reservation(deps.store, reservation, apply)
    await release_window(deps, used.connector_key, used.id)
    return used


async def find_by_ocpp_id(deps: Deps, connector_key: str, ocpp_reservation_id: int) -> Reservation | None:
    """The reservation a charger names in StartTransaction's ``reservationId``."""
    return await repo.reservation_by_ocpp_id(deps.store, connector_key, ocpp_reservation_id)

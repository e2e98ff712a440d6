"""Connector reservations: booked by drivers, seen by them and the station's provider; the every-minute timer."""

from __future__ import annotations

import json

import azure.functions as func
from pydantic import Field, ValidationError

from functions.sessions import api
from shared import bootstrap
from shared.domain.errors import InvalidInput, MalformedRequest
from shared.domain.principal import Role
from shared.domain.reservations import Reservation, ReservationCancel, ReservationCreate, ReservationPublic
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import reservations
from shared.services.reservation_timer import run_reservation_timer

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


class ProviderReservationsQuery(ListQuery):
    station_id: str | None = Field(default=None, max_length=100)


def _page(items: list[Reservation], token: str | None) -> Paged[ReservationPublic]:
    return Paged[ReservationPublic](items=[r.public() for r in items], continuation_token=token)


@api.route(
    "reservations",
    methods=["POST"],
    roles=(Role.DRIVER,),
    body=ReservationCreate,
    response=ReservationPublic,
    status=201,
    errors=(403, 404, 409, 422),
    summary="Reserve a connector for 15 to 60 minutes, starting from 1 minute ago to 7 days ahead",
)
async def create_reservation(call: Call) -> Reply:
    reservation = await reservations.book(call.body, who=call.principal, deps=call.deps)
    return Reply(reservation.public(), headers={"Location": f"/api/reservations/{reservation.id}"})


@api.route(
    "reservations",
    query=ListQuery,
    response=Paged[ReservationPublic],
    summary="Your reservations, newest first",
)
async def list_my_reservations(call: Call) -> Paged[ReservationPublic]:
    q = call.query
    items, token = await reservations.list_mine(
        who=call.principal, deps=call.deps, limit=q.limit, token=q.continuation_token
    )
    return _page(items, token)


@api.route(
    "reservations/{reservationId}",
    response=ReservationPublic,
    errors=(404,),
    summary="One reservation (its holder, the station's provider or a platform admin)",
)
async def read_reservation(call: Call) -> ReservationPublic:
    return (await reservations.read(call.route["reservationId"], who=call.principal, deps=call.deps)).public()


def _cancel_body(req: func.HttpRequest) -> ReservationCancel:
    """The body is optional (``{"reason": ...}``), which ``Api.route``'s body parsing does not allow."""
    raw = req.get_body() or b""
    if not raw.strip():
        return ReservationCancel()
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRequest("The request body is not valid JSON.", code="malformed_json") from exc
    if not isinstance(data, dict):
        raise MalformedRequest("The request body must be a JSON object.", code="malformed_json")
    try:
        return ReservationCancel.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            "The body takes only an optional reason of up to 500 characters.", code="validation_failed"
        ) from exc


@api.route(
    "reservations/{reservationId}/cancel",
    methods=["POST"],
    response=ReservationPublic,
    errors=(400, 404, 409, 422),
    summary="Cancel a reservation (holder, the station's provider or an admin); optional body {reason}",
)
async def cancel_reservation(call: Call) -> ReservationPublic:
    body = _cancel_body(call.req)
    cancelled = await reservations.cancel(call.route["reservationId"], body.reason, who=call.principal, deps=call.deps)
    return cancelled.public()


@api.route(
    "providers/{providerId}/reservations",
    roles=PROVIDER_ROLES,
    query=ProviderReservationsQuery,
    response=Paged[ReservationPublic],
    errors=(403, 404),
    summary="Reservations at the provider's stations (optionally one station's), latest window first",
)
async def list_provider_reservations(call: Call) -> Paged[ReservationPublic]:
    q = call.query
    items, token = await reservations.list_for_provider(
        call.route["providerId"],
        station_id=q.station_id,
        who=call.principal,
        deps=call.deps,
        limit=q.limit,
        token=q.continuation_token,
    )
    return _page(items, token)


@api.bp.timer_trigger(schedule="0 * * * * *", arg_name="timer", run_on_startup=False)
async def reservations_timer(timer: func.TimerRequest) -> None:
    """Every minute: expire no-shows, send ReserveNow as windows start, publish leftover events."""
    await run_reservation_timer(await bootstrap.ready())

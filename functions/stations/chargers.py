"""Chargers of a station: register, list, read, update, rotate the password, retire."""

from __future__ import annotations

from typing import Literal

from functions.stations import api
from shared.domain.charger_api import ChargerCreate, ChargerPublic, ChargerUpdate, PasswordRotation
from shared.domain.chargers import Charger
from shared.domain.principal import Role
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import chargers

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


class ChargerListQuery(ListQuery):
    lifecycle: Literal["active", "retired"] | None = None


def _reply(charger: Charger, status: int | None = None, **headers: str) -> Reply:
    return Reply(ChargerPublic.of(charger), status=status, headers={"ETag": charger.etag or "", **headers})


@api.route(
    "stations/{stationId}/chargers",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    body=ChargerCreate,
    response=ChargerPublic,
    status=201,
    errors=(403, 404, 409),
    summary="Register a charger (its OCPP identity, unique on the platform) at a station",
)
async def create_charger(call: Call) -> Reply:
    charger = await chargers.create_charger(call.route["stationId"], call.body, who=call.principal, deps=call.deps)
    return _reply(charger, 201, Location=f"/api/chargers/{charger.id}")


@api.route(
    "stations/{stationId}/chargers",
    roles=PROVIDER_ROLES,
    query=ChargerListQuery,
    response=Paged[ChargerPublic],
    errors=(403, 404),
    summary="A station's chargers, by identity",
)
async def list_station_chargers(call: Call) -> Paged[ChargerPublic]:
    q: ChargerListQuery = call.query
    found, token = await chargers.list_chargers(
        call.route["stationId"],
        who=call.principal,
        deps=call.deps,
        lifecycle=q.lifecycle,
        limit=q.limit,
        token=q.continuation_token,
    )
    return Paged[ChargerPublic](items=[ChargerPublic.of(c) for c in found], continuation_token=token)


@api.route("chargers/{chargerId}", roles=PROVIDER_ROLES, response=ChargerPublic, errors=(403, 404), summary="A charger")
async def read_charger(call: Call) -> Reply:
    return _reply(await chargers.read_charger(call.route["chargerId"], who=call.principal, deps=call.deps))


@api.route(
    "chargers/{chargerId}",
    methods=["PATCH"],
    roles=PROVIDER_ROLES,
    body=ChargerUpdate,
    response=ChargerPublic,
    errors=(403, 404, 409, 412),
    summary="Update a charger's vendor, model, serial number or connectors (If-Match honoured)",
)
async def update_charger(call: Call) -> Reply:
    charger = await chargers.update_charger(
        call.route["chargerId"], call.body, if_match=call.if_match, who=call.principal, deps=call.deps
    )
    return _reply(charger)


@api.route(
    "chargers/{chargerId}/password",
    methods=["POST"],
    roles=[Role.PROVIDER_ADMIN],
    body=PasswordRotation,
    response=ChargerPublic,
    errors=(403, 404, 409, 412),
    summary="Set a new OCPP password for a charger (provider admins)",
)
async def rotate_charger_password(call: Call) -> Reply:
    return _reply(
        await chargers.rotate_password(call.route["chargerId"], call.body, who=call.principal, deps=call.deps)
    )


@api.route(
    "chargers/{chargerId}/retire",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    response=ChargerPublic,
    errors=(403, 404, 412),
    summary="Retire a charger: it can no longer connect, and leaves the station's connectors",
)
async def retire_charger(call: Call) -> Reply:
    return _reply(await chargers.retire_charger(call.route["chargerId"], who=call.principal, deps=call.deps))

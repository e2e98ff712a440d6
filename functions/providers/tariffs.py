"""Tariffs of a provider: create, list, read with versions, change (a new version), attach to a station."""

from __future__ import annotations

from functions.providers import api
from shared.domain.errors import InvalidInput
from shared.domain.principal import Role
from shared.domain.stations import Station
from shared.domain.tariffs import Tariff, TariffCreate, TariffDetail, TariffVersion, TariffVersionCreate
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import station_prices, tariffs
from shared.services.station_prices import TariffAttach

ADMINS = (Role.PROVIDER_ADMIN,)
MEMBERS = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


def _version_number(call: Call) -> int:
    raw = call.route.get("version", "")
    if not raw.isdigit() or not 0 < int(raw) < 1_000_000:
        raise InvalidInput("The version is a whole number from 1.", code="invalid_version")
    return int(raw)


@api.route(
    "providers/{providerId}/tariffs",
    methods=["POST"],
    roles=ADMINS,
    body=TariffCreate,
    response=TariffDetail,
    status=201,
    errors=(403, 404, 409),
    summary="Create a tariff (OCPI 2.2.1 elements) as its version 1",
)
async def create_tariff(call: Call) -> Reply:
    d = call.deps
    detail = await tariffs.create_tariff(
        call.body, provider_id=call.route["providerId"], who=call.principal, store=d.store, clock=d.clock
    )
    return Reply(detail, status=201, headers={"Location": f"/api/tariffs/{detail.id}", "ETag": detail.etag or ""})


@api.route(
    "providers/{providerId}/tariffs",
    roles=MEMBERS,
    query=ListQuery,
    response=Paged[Tariff],
    errors=(403, 404),
    summary="The provider's tariffs by name, each with its current version's summary",
)
async def list_tariffs(call: Call) -> Paged[Tariff]:
    q: ListQuery = call.query
    found, token = await tariffs.list_tariffs(
        call.route["providerId"], who=call.principal, store=call.deps.store, limit=q.limit, token=q.continuation_token
    )
    return Paged[Tariff](items=found, continuation_token=token)


@api.route(
    "tariffs/{tariffId}",
    roles=MEMBERS,
    response=TariffDetail,
    errors=(403, 404),
    summary="A tariff with all its versions",
)
async def read_tariff(call: Call) -> Reply:
    detail = await tariffs.read_tariff(call.route["tariffId"], who=call.principal, store=call.deps.store)
    return Reply(detail, headers={"ETag": detail.etag or ""})


@api.route(
    "tariffs/{tariffId}/versions",
    methods=["POST"],
    roles=ADMINS,
    body=TariffVersionCreate,
    response=TariffVersion,
    status=201,
    errors=(403, 404, 409, 412),
    summary="Change a tariff: its next version becomes current (If-Match on the tariff honoured)",
)
async def add_tariff_version(call: Call) -> Reply:
    d = call.deps
    version = await tariffs.add_version(
        call.route["tariffId"], call.body, if_match=call.if_match, who=call.principal, store=d.store, clock=d.clock
    )
    location = f"/api/tariffs/{version.tariff_id}/versions/{version.version}"
    return Reply(version, status=201, headers={"Location": location})


@api.route(
    "tariffs/{tariffId}/versions/{version}",
    roles=MEMBERS,
    response=TariffVersion,
    errors=(403, 404),
    summary="One version of a tariff, current or earlier",
)
async def read_tariff_version(call: Call) -> TariffVersion:
    number = _version_number(call)
    return await tariffs.read_version(call.route["tariffId"], number, who=call.principal, store=call.deps.store)


@api.route(
    "stations/{stationId}/tariff",
    methods=["PUT"],
    roles=ADMINS,
    body=TariffAttach,
    response=Station,
    errors=(403, 404, 409),
    summary="Price a station (its summary shows in search) or one of its connectors with a tariff",
)
async def attach_tariff(call: Call) -> Reply:
    d = call.deps
    station = await station_prices.attach_tariff(
        call.route["stationId"], call.body, who=call.principal, store=d.store, clock=d.clock
    )
    return Reply(station, headers={"ETag": station.etag or ""})

"""Stations of a provider: create, list, read, update, retire."""

from __future__ import annotations

from functions.stations import api
from shared.domain.principal import Role
from shared.domain.station_api import StationCreate, StationUpdate, StationView
from shared.domain.stations import Lifecycle, Station
from shared.http.auth import Auth
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import stations

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


class StationListQuery(ListQuery):
    lifecycle: Lifecycle | None = None


def _reply(call: Call, station: Station, status: int | None = None, **headers: str) -> Reply:
    view = StationView.of(station, call.deps.clock.now())
    return Reply(view, status=status, headers={"ETag": station.etag or "", **headers})


@api.route(
    "providers/{providerId}/stations",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    body=StationCreate,
    response=StationView,
    status=201,
    errors=(403, 404, 409),
    summary="Create a station (draft unless said otherwise) for an active provider",
)
async def create_station(call: Call) -> Reply:
    station = await stations.create_station(
        call.body, provider_id=call.route["providerId"], who=call.principal, deps=call.deps
    )
    return _reply(call, station, 201, Location=f"/api/stations/{station.id}")


@api.route(
    "providers/{providerId}/stations",
    roles=PROVIDER_ROLES,
    query=StationListQuery,
    response=Paged[StationView],
    errors=(403, 404),
    summary="The provider's stations, by name",
)
async def list_provider_stations(call: Call) -> Paged[StationView]:
    q: StationListQuery = call.query
    found, token = await stations.list_stations(
        call.route["providerId"],
        who=call.principal,
        deps=call.deps,
        lifecycle=q.lifecycle,
        limit=q.limit,
        token=q.continuation_token,
    )
    now = call.deps.clock.now()
    return Paged[StationView](items=[StationView.of(s, now) for s in found], continuation_token=token)


@api.route(
    "stations/{stationId}",
    auth=Auth.OPTIONAL,
    response=StationView,
    errors=(404,),
    summary="A station: public once active; its provider's members always",
)
async def read_station(call: Call) -> Reply:
    return _reply(call, await stations.read_station(call.route["stationId"], who=call.principal, deps=call.deps))


@api.route(
    "stations/{stationId}",
    methods=["PATCH"],
    roles=PROVIDER_ROLES,
    body=StationUpdate,
    response=StationView,
    errors=(403, 404, 409, 412),
    summary="Update a station (If-Match honoured; lifecycle draft -> active <-> maintenance)",
)
async def update_station(call: Call) -> Reply:
    station = await stations.update_station(
        call.route["stationId"], call.body, if_match=call.if_match, who=call.principal, deps=call.deps
    )
    return _reply(call, station)


@api.route(
    "stations/{stationId}/retire",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    response=StationView,
    errors=(403, 404, 409, 412),
    summary="Retire a station and its chargers (final)",
)
async def retire_station(call: Call) -> Reply:
    return _reply(call, await stations.retire_station(call.route["stationId"], who=call.principal, deps=call.deps))

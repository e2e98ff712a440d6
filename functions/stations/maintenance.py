"""Maintenance windows of a station: planned downtime of the station or one connector."""

from __future__ import annotations

from functions.stations import api
from shared.domain.principal import Role
from shared.domain.stations import MaintenanceWindow
from shared.http.endpoint import Call
from shared.http.reply import Reply
from shared.services import maintenance
from shared.services.maintenance import MaintenanceWindowCreate

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


@api.route(
    "stations/{stationId}/maintenance-windows",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    body=MaintenanceWindowCreate,
    response=MaintenanceWindow,
    status=201,
    errors=(403, 404, 409),
    summary="Plan downtime of the station or of one connector (no overlaps)",
)
async def create_maintenance_window(call: Call) -> Reply:
    station_id = call.route["stationId"]
    window = await maintenance.add_window(station_id, call.body, who=call.principal, deps=call.deps)
    return Reply(window, headers={"Location": f"/api/stations/{station_id}/maintenance-windows/{window.id}"})


@api.route(
    "stations/{stationId}/maintenance-windows",
    roles=PROVIDER_ROLES,
    response=list[MaintenanceWindow],
    errors=(403, 404),
    summary="The station's maintenance windows, by start (those ended over 30 days ago are gone)",
)
async def list_maintenance_windows(call: Call) -> list[MaintenanceWindow]:
    return await maintenance.list_windows(call.route["stationId"], who=call.principal, deps=call.deps)


@api.route(
    "stations/{stationId}/maintenance-windows/{windowId}",
    methods=["DELETE"],
    roles=PROVIDER_ROLES,
    status=204,
    errors=(403, 404, 409),
    summary="Cancel a maintenance window",
)
async def delete_maintenance_window(call: Call) -> None:
    route = call.route
    await maintenance.delete_window(route["stationId"], route["windowId"], who=call.principal, deps=call.deps)

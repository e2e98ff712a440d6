"""Chargers that stopped talking count as down: ``Offline`` in the status log, and back when heard again.

A charger not heard from (``ocpp.lastSeenAt``: boot, heartbeat or status) for twice the heartbeat interval
it was given is offline from its last word plus that grace: each of its connectors gets an ``Offline`` report
at that time, and the charger an ``offline:<chargerId>`` marker (scope ``offline``, a small partition read on
every run). When a marked charger is heard again, each connector gets its live status (the station
document's) back at the charger's boot if it booted after going silent, else at the time it was last seen,
and the marker goes. A StatusNotification in between has already ended the spell; the report written back
then repeats that status. Each report goes through ``record_status``, so the days it changes are recomputed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.analytics import moment
from shared.domain.errors import DomainError
from shared.domain.sessions import sortable_time
from shared.ports.store import DocumentConflict, DocumentNotFound, Filter, Query
from shared.repositories import rollups
from shared.repositories.stations import read_station
from shared.services.analytics import record_status

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["watch_heartbeats"]

log = logging.getLogger(__name__)
OFFLINE = "offline"
_FIELDS = ("providerId", "stationId", "connectors", "ocpp.lastSeenAt", "ocpp.lastBootAt", "lifecycle")


async def watch_heartbeats(deps: Deps) -> tuple[int, int]:
    """(chargers found silent, chargers heard again) in this run."""
    now = deps.clock.now()
    grace = timedelta(seconds=2 * deps.settings.ocpp_heartbeat_interval_seconds)
    silent = (Filter("type", "eq", "charger"), Filter("lifecycle", "eq", "active"),
              Filter("ocpp.lastSeenAt", "lt", sortable_time(now - grace)))  # fmt: skip
    went = 0
    for charger in await rollups.query_all(deps.store, Query(silent, limit=rollups.PAGE, fields=_FIELDS), "chargers"):
        seen = moment((charger.get("ocpp") or {}).get("lastSeenAt"))
        if seen is not None and await _went_offline(deps, charger, seen + grace):
            went += 1
    back = 0
    for marker in await rollups.query_all(
        deps.store, Query((Filter("scope", "eq", OFFLINE),), limit=rollups.PAGE, partition_key=OFFLINE)
    ):
        if await _maybe_back(deps, marker, now - grace):
            back += 1
    return went, back


def _keys(charger: dict[str, Any]) -> list[str]:
    return [f"{charger['id']}/{c.get('connectorId')}" for c in charger.get("connectors") or []]


async def _went_offline(deps: Deps, charger: dict[str, Any], at: datetime) -> bool:
    marker = {
        **{"id": f"offline:{charger['id']}", "scope": OFFLINE, "chargerId": charger["id"], "since": sortable_time(at)},
        **{"providerId": charger["providerId"], "stationId": charger["stationId"]},
    }
    if not await _marked(deps, marker["id"]):
        await _tell_provider(deps, charger, at)  # before the marker: a crash in between tells again, same id
    try:
        await deps.store.create(rollups.C, marker)
    except DocumentConflict:
        return False  # marked on an earlier run
    for key in _keys(charger):
        await record_status(deps, str(charger["providerId"]), str(charger["stationId"]), key, "Offline", at)
    return True


async def _marked(deps: Deps, marker_id: str) -> bool:
    try:
        await deps.store.read(rollups.C, marker_id, OFFLINE)
        return True
    except DocumentNotFound:
        return False


async def _tell_provider(deps: Deps, charger: dict[str, Any], at: datetime) -> None:
    """ChargerOffline to the charger's provider, once per silent spell (the id names the spell's start)."""
    from shared.services.notification_events import notify, station_details

    provider_id, station_id = str(charger["providerId"]), str(charger["stationId"])
    body = {"providerId": provider_id, "chargerId": charger["id"], "stationId": station_id,
            **await station_details(deps, station_id)}  # fmt: skip
    try:
        await notify(deps, "ChargerOffline", body, cause=f"{charger['id']}:{sortable_time(at)}",
                     recipient=provider_id, at=at, tenant=provider_id)  # fmt: skip
    except Exception:  # noqa: BLE001 - the down time still counts; the next spell tells again
        log.warning("could not queue ChargerOffline for %s", charger["id"], exc_info=True)


async def _maybe_back(deps: Deps, marker: dict[str, Any], silent_before: datetime) -> bool:
    try:
        charger = await deps.store.read("chargers", str(marker["chargerId"]), str(marker["chargerId"]))
    except DocumentNotFound:
        await deps.store.delete(rollups.C, str(marker["id"]), OFFLINE)
        return False
    ocpp = charger.get("ocpp") or {}
    seen, boot, since = moment(ocpp.get("lastSeenAt")), moment(ocpp.get("lastBootAt")), moment(marker.get("since"))
    if seen is None or since is None or seen < silent_before:
        return False  # still silent
    at = boot if boot is not None and boot > since else seen
    provider_id, station_id = str(marker["providerId"]), str(marker["stationId"])
    try:
        live = {c.key: c.status.value for c in (await read_station(deps.store, provider_id, station_id)).connectors}
    except DomainError:
        live = {}
    for key in _keys(charger):
        await record_status(deps, provider_id, station_id, key, live.get(key, "Unknown"), max(at, since))
    await deps.store.delete(rollups.C, str(marker["id"]), OFFLINE)
    return True

"""What chargers report over OCPP, written where it belongs: the charger document or the station's connectors.

Both writes are read-modify-replace under the document's ETag, retried when a
concurrent writer (another frame, a provider's edit, a projection rebuild) wins.
A write that would change nothing is skipped, so a retried frame costs one read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from shared.domain.chargers import Charger, ChargerOcppState
from shared.domain.errors import Conflict, DomainError
from shared.domain.stations import ConnectorStatus
from shared.ports.store import PreconditionFailed
from shared.repositories.chargers import find_charger, save_charger
from shared.repositories.providers import get_provider
from shared.repositories.stations import read_station, save_station

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["connected_charger", "provider_active", "record_connector_status", "update_ocpp_state"]

log = logging.getLogger(__name__)
ATTEMPTS = 5  # concurrent writers of one charger or station are rare and short
StateChange = Callable[[ChargerOcppState], ChargerOcppState]


async def provider_active(deps: Deps, charger: Charger) -> bool:
    try:
        return (await get_provider(deps.store, charger.provider_id)).status == "active"
    except DomainError:  # the provider is gone: its chargers may not talk to us
        return False


async def connected_charger(deps: Deps, charger_id: str) -> Charger | None:
    """The charger if it may use OCPP now: active, of an active provider."""
    charger = await find_charger(deps.store, charger_id)
    if charger is None or charger.lifecycle != "active" or not await provider_active(deps, charger):
        return None
    return charger


async def update_ocpp_state(deps: Deps, charger_id: str, change: StateChange) -> Charger | None:
    """Apply ``change`` to the charger's OCPP state; None when there is no such charger."""
    for _ in range(ATTEMPTS):
        charger = await find_charger(deps.store, charger_id)
        if charger is None:
            return None
        state = change(charger.ocpp)
        if state == charger.ocpp:
            return charger
        try:
            return await save_charger(deps.store, charger.model_copy(update={"ocpp": state}), etag=charger.etag)
        except PreconditionFailed:
            continue
    raise Conflict("The charger kept changing while its OCPP state was recorded.", code="charger_busy")


async def record_connector_status(
    deps: Deps, charger: Charger, connector_id: int, status: ConnectorStatus, at: datetime
) -> bool:
    """Set one connector's live status in the station's projection; False if the station does not list it.

    A report older than the stored one is ignored (chargers resend queued notifications late).
    """
    for _ in range(ATTEMPTS):
        try:
            station = await read_station(deps.store, charger.provider_id, charger.station_id)
        except DomainError:
            return False
        key = f"{charger.id}/{connector_id}"
        index = next((i for i, c in enumerate(station.connectors) if c.key == key), None)
        if index is None:
            return False
        current = station.connectors[index]
        if current.status_at is not None and at < current.status_at:
            log.info("%s: ignoring a %s report older than the stored one", key, status.value)
            return True
        if current.status is status and current.status_at == at:
            return True
        connectors = list(station.connectors)
        connectors[index] = current.model_copy(update={"status": status, "status_at": at})
        try:
            await save_station(deps.store, station.model_copy(update={"connectors": connectors}), etag=station.etag)
            return True
        except PreconditionFailed:
            continue
    raise Conflict("The station kept changing while a connector status was recorded.", code="station_busy")

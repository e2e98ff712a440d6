"""The central system's answers to charger calls (OCPP 1.6J Core): one ``Router``, built at import.

StartTransaction, MeterValues and StopTransaction belong to the charging
sessions: they are registered on the same router by ``ocpp_transactions``,
imported at the end of this module. Every handler is idempotent on the frame's content (chargers retry a call that
got no answer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.domain.chargers import ChargerOcppState
from shared.domain.metering import ocpp_instant
from shared.domain.stations import ConnectorStatus
from shared.ocpp.actions import Action
from shared.ocpp.router import Router
from shared.services import charger_commands
from shared.services.charger_state import (
    connected_charger,
    record_connector_status,
    update_ocpp_state,
)
from shared.services.ocpp_authorize import authorize_tag

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["OcppContext", "ocpp_time", "router"]

log = logging.getLogger(__name__)


# Not frozen, and never changed after it is built: one of these per frame (or reading) on the MeterValues path,
# where frozen dataclasses' __init__ (object.__setattr__ per field) cost about 5 % of a frame (bench/README.md).
@dataclass(slots=True)
class OcppContext:
    """Who sent the frame: the authenticated charger, over which connection."""

    charger_id: str
    connection_id: str
    deps: Deps


async def _on_reply(ctx: OcppContext, frame: charger_commands.Reply) -> None:
    """A charger's CALLRESULT/CALLERROR settles the command it answers (shared/services/charger_commands.py)."""
    await charger_commands.record_reply(ctx.deps, ctx.charger_id, frame)


router: Router[OcppContext] = Router(on_reply=_on_reply)


def ocpp_time(moment: datetime) -> str:
    """UTC, millisecond precision, ``Z``: what chargers parse most reliably."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _reported_at(payload: dict[str, Any], now: datetime) -> datetime:
    raw = payload.get("timestamp")
    return ocpp_instant(raw) if isinstance(raw, str) else now


@router.on(Action.boot_notification)
async def boot_notification(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    deps, now = ctx.deps, ctx.deps.clock.now()
    interval = deps.settings.ocpp_heartbeat_interval_seconds
    if await connected_charger(deps, ctx.charger_id) is None:
        log.warning("BootNotification from %s, which may not connect: rejected", ctx.charger_id)
        return {"status": "Rejected", "currentTime": ocpp_time(now), "interval": interval}

    def booted(state: ChargerOcppState) -> ChargerOcppState:
        return state.model_copy(
            update={
                "vendor": payload["chargePointVendor"],
                "model": payload["chargePointModel"],
                "serial_number": payload.get("chargePointSerialNumber"),
                "firmware_version": payload.get("firmwareVersion"),
                "last_boot_at": now,
                "last_seen_at": now,
            }
        )

    await update_ocpp_state(deps, ctx.charger_id, booted)
    return {"status": "Accepted", "currentTime": ocpp_time(now), "interval": interval}


@router.on(Action.heartbeat)
async def heartbeat(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    now = ctx.deps.clock.now()
    await update_ocpp_state(
        ctx.deps, ctx.charger_id, lambda s: s.model_copy(update={"last_heartbeat_at": now, "last_seen_at": now})
    )
    return {"currentTime": ocpp_time(now)}


@router.on(Action.status_notification)
async def status_notification(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    deps, now = ctx.deps, ctx.deps.clock.now()
    status, at = ConnectorStatus(payload["status"]), _reported_at(payload, now)
    connector_id: int = payload["connectorId"]
    if connector_id == 0:  # the charger as a whole

        def reported(state: ChargerOcppState) -> ChargerOcppState:
            if state.status_at is not None and at < state.status_at:
                return state.model_copy(update={"last_seen_at": now})
            return state.model_copy(
                update={"status": status, "status_at": at, "error_code": payload["errorCode"], "last_seen_at": now}
            )

        await update_ocpp_state(deps, ctx.charger_id, reported)
        return {}
    charger = await connected_charger(deps, ctx.charger_id)
    if charger is None or not await record_connector_status(deps, charger, connector_id, status, at):
        log.warning("%s reported connector %s, which its station does not list", ctx.charger_id, connector_id)
        return {}
    await ocpp_transactions.on_connector_status(deps, charger, connector_id, status, at, payload["errorCode"])
    return {}


@router.on(Action.data_transfer)
async def data_transfer(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    log.info("DataTransfer from %s for vendor %r: no extension known", ctx.charger_id, payload.get("vendorId"))
    return {"status": "UnknownVendorId"}


@router.on(Action.authorize)
async def authorize(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    verdict = await authorize_tag(ctx.deps.store, ctx.deps.clock, payload["idTag"])
    info: dict[str, Any] = {"status": verdict.status}
    if verdict.expiry is not None:
        info["expiryDate"] = ocpp_time(verdict.expiry)
    if verdict.status != "Accepted":
        log.info("Authorize at %s: idTag refused as %s", ctx.charger_id, verdict.status)
    return {"idTagInfo": info}


# Registers the transaction handlers on ``router`` (it imports this module's names, hence last).
from shared.services import ocpp_transactions  # noqa: E402

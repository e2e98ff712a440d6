"""The OCPP 1.6 actions a charger sends to the central system (Core profile plus DataTransfer)."""

from __future__ import annotations

from enum import StrEnum

from ocpp.v16.enums import Action as _PackageAction  # type: ignore[import-untyped]

__all__ = ["Action", "KNOWN_16_ACTIONS"]


class Action(StrEnum):
    """Charger-initiated actions we route; the value is the wire name."""

    authorize = "Authorize"
    boot_notification = "BootNotification"
    data_transfer = "DataTransfer"
    diagnostics_status_notification = "DiagnosticsStatusNotification"
    firmware_status_notification = "FirmwareStatusNotification"
    heartbeat = "Heartbeat"
    meter_values = "MeterValues"
    start_transaction = "StartTransaction"
    status_notification = "StatusNotification"
    stop_transaction = "StopTransaction"


# Every action OCPP 1.6 defines, in either direction and including the security whitepaper's, so that
# a recognised action sent the wrong way gets NotSupported rather than NotImplemented.
KNOWN_16_ACTIONS: frozenset[str] = frozenset(str(a.value) for a in _PackageAction) | {a.value for a in Action}

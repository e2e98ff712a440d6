"""Commands from the central system to a charger: the record of one CALL and how its reply settles it.

Pure: the store, the link and the outcome handlers are in shared/services/charger_commands.py,
which re-exports these names. A record's life::

    sent ──CALLRESULT, status Accepted (or no status field)────> answered
         ──CALLRESULT with any other status (Rejected, ...)────> rejected
         ──CALLERROR, or a CALLRESULT breaking its schema─────> failed     (error_code)
         ──its deadline passed without a reply────────────────> timed_out
         ──the link could not deliver the CALL────────────────> failed     (send_command raises)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, cast

from pydantic import Field

from shared.domain.errors import Conflict
from shared.domain.model import ApiModel
from shared.ocpp.actions import Action
from shared.ocpp.frames import CALL, CallError, CallResult, FormationViolation, OcppError
from shared.ocpp.validation import validate_request, validate_response

__all__ = [
    "ACCEPTING_STATUSES",
    "ChargerOffline",
    "CommandAction",
    "CommandRecord",
    "CommandStatus",
    "InvalidCommand",
    "call_frame",
    "settle_by_reply",
    "validate_command",
]

CommandStatus = Literal["sent", "answered", "rejected", "failed", "timed_out"]
# Reply statuses that mean "done as asked": ChangeAvailability's Scheduled, ChangeConfiguration's
# RebootRequired and UnlockConnector's Unlocked accept too; every other status value refuses.
ACCEPTING_STATUSES = frozenset({"Accepted", "Scheduled", "RebootRequired", "Unlocked"})


class ChargerOffline(Conflict):
    """The charger has no open connection, or the link found it gone (409)."""

    code = "charger_offline"
    title = "Charger offline"


class InvalidCommand(ValueError):
    """Our own command breaks the OCPP 1.6 request schema: a bug, raised before anything is stored or sent."""


class CommandAction(StrEnum):
    """The OCPP 1.6 calls a central system sends to a charge point; the value is the wire name.

    ``shared.ocpp.actions.Action`` lists the other direction (what the router answers).
    """

    cancel_reservation = "CancelReservation"
    change_availability = "ChangeAvailability"
    change_configuration = "ChangeConfiguration"
    clear_cache = "ClearCache"
    clear_charging_profile = "ClearChargingProfile"
    data_transfer = "DataTransfer"
    get_composite_schedule = "GetCompositeSchedule"
    get_configuration = "GetConfiguration"
    get_diagnostics = "GetDiagnostics"
    get_local_list_version = "GetLocalListVersion"
    remote_start_transaction = "RemoteStartTransaction"
    remote_stop_transaction = "RemoteStopTransaction"
    reserve_now = "ReserveNow"
    reset = "Reset"
    send_local_list = "SendLocalList"
    set_charging_profile = "SetChargingProfile"
    trigger_message = "TriggerMessage"
    unlock_connector = "UnlockConnector"
    update_firmware = "UpdateFirmware"


class CommandRecord(ApiModel):
    """One CALL to a charger, in ``charger_commands`` (partition ``/chargerId``); ``id`` is the OCPP message id."""

    id: str
    charger_id: str
    action: str
    payload: dict[str, Any]
    subject: dict[str, str] = Field(default_factory=dict)  # what it is about: {"sessionId": ..., ...}
    status: CommandStatus = "sent"
    reply: dict[str, Any] | None = None
    error_code: str | None = None
    sent_at: datetime
    deadline: datetime
    answered_at: datetime | None = None
    ttl: int
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


def _schema_key(action: CommandAction) -> Action:
    # The validators read only the wire name (``.value``); Action names the other direction's calls.
    return cast(Action, action)


def validate_command(action: CommandAction | str, payload: dict[str, Any]) -> CommandAction:
    """The action, if it is a 1.6 command and ``payload`` fits its request schema; InvalidCommand otherwise."""
    try:
        command = CommandAction(action)
    except ValueError:
        raise InvalidCommand(f"{action!r} is not an OCPP 1.6 call from the central system") from None
    try:
        validate_request(_schema_key(command), payload)
    except OcppError as error:
        raise InvalidCommand(f"{command.value} payload breaks its schema: {error.description}") from error
    return command


def call_frame(record: CommandRecord) -> list[Any]:
    return [CALL, record.id, record.action, record.payload]


def settle_by_reply(
    record: CommandRecord, frame: CallResult | CallError
) -> tuple[CommandStatus, dict[str, Any], str | None, str | None]:
    """(status, reply, error_code, why) for the charger's answer; ``why`` explains a schema failure, for the log."""
    if isinstance(frame, CallError):
        reply = {"errorCode": frame.code, "errorDescription": frame.description, "errorDetails": frame.details}
        return "failed", reply, frame.code, None
    try:
        validate_response(_schema_key(CommandAction(record.action)), frame.payload)
    except OcppError as error:  # InternalError, caused by the ResponseSchemaError saying where
        return "failed", frame.payload, FormationViolation.code, str(error.__cause__ or error)
    status = frame.payload.get("status")
    if status is None or status in ACCEPTING_STATUSES:
        return "answered", frame.payload, None, None
    return "rejected", frame.payload, None, None

"""OCPP-J 1.6 RPC frames: parse one text frame, serialise the replies we send.

    CALL       [2, "<UniqueId>", "<Action>", {<Payload>}]
    CALLRESULT [3, "<UniqueId>", {<Payload>}]
    CALLERROR  [4, "<UniqueId>", "<errorCode>", "<errorDescription>", {<errorDetails>}]

Errors (OCPP-J 1.6 table 7; each class carries its wire code):

    OcppError
    ├── NotImplemented, NotSupported, InternalError, ProtocolError, SecurityError, GenericError
    ├── PropertyConstraintViolation, OccurenceConstraintViolation, TypeConstraintViolation
    └── FormationViolation
        └── FrameError   (the frame itself is malformed; knows the message id if it could read one)

1.6 spells two codes as the errata left them: `FormationViolation` (2.0.1 renamed it FormatViolation)
and `OccurenceConstraintViolation`. 1.6 says nothing about the id of a CALLERROR for a frame whose id
cannot be read (the ocpp package just drops such frames); we answer with "-1", the convention of OCPP-J 2.0.1
as other implementations apply it (e.g. mikuso/ocpp-rpc), so the charger at least sees its frame was refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from typing import Any, ClassVar

__all__ = [
    "CALL", "CALLRESULT", "CALLERROR", "UNKNOWN_MESSAGE_ID", "MAX_MESSAGE_ID_LENGTH",
    "Call", "CallResult", "CallError", "Frame",
    "OcppError", "NotImplementedAction", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
    "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
    "TypeConstraintViolation", "GenericError", "FrameError", "ERROR_CODES", "parse_frame",
    "call_result_frame", "call_error_frame", "error_frame",
]  # fmt: skip

CALL, CALLRESULT, CALLERROR = 2, 3, 4
UNKNOWN_MESSAGE_ID = "-1"
MAX_MESSAGE_ID_LENGTH = 36  # "maximum of 36 characters, to allow for GUIDs"
MAX_DESCRIPTION_LENGTH = 255  # 2.0.1's limit; 1.6 sets none, and a charger's buffer is small


class OcppError(Exception):
    code: ClassVar[str] = "GenericError"
    default_description: ClassVar[str] = "Any other error not covered by the previous ones"

    def __init__(self, description: str | None = None, details: dict[str, Any] | None = None) -> None:
        self.description = description if description is not None else self.default_description
        self.details: dict[str, Any] = details if details is not None else {}
        super().__init__(self.description)


class NotImplementedAction(OcppError):
    """Named ...Action so that it does not shadow the builtin NotImplemented."""

    code = "NotImplemented"
    default_description = "Requested Action is not known by receiver"


class NotSupported(OcppError):
    code = "NotSupported"
    default_description = "Requested Action is recognized but not supported by the receiver"


class InternalError(OcppError):
    code = "InternalError"
    default_description = "An internal error occurred and the receiver was not able to process the requested Action"


class ProtocolError(OcppError):
    code = "ProtocolError"
    default_description = "Payload for Action is incomplete"


class SecurityError(OcppError):
    code = "SecurityError"
    default_description = "A security issue prevented the receiver from completing the Action"


class FormationViolation(OcppError):
    code = "FormationViolation"
    default_description = "Payload for Action is syntactically incorrect or not conform the PDU structure"


class PropertyConstraintViolation(OcppError):
    code = "PropertyConstraintViolation"
    default_description = "Payload is syntactically correct but at least one field contains an invalid value"


class OccurenceConstraintViolation(OcppError):
    code = "OccurenceConstraintViolation"
    default_description = "At least one of the fields violates occurence constraints"


class TypeConstraintViolation(OcppError):
    code = "TypeConstraintViolation"
    default_description = "At least one of the fields violates data type constraints"


GenericError = OcppError

ERROR_CODES: frozenset[str] = frozenset(
    c.code for c in (NotImplementedAction, NotSupported, InternalError, ProtocolError, SecurityError,
                     FormationViolation, PropertyConstraintViolation, OccurenceConstraintViolation,
                     TypeConstraintViolation, GenericError)
)  # fmt: skip


class FrameError(FormationViolation):
    """A frame that is not a well-formed RPC frame; answered with the id we could read, else "-1"."""

    def __init__(self, description: str, message_id: str = UNKNOWN_MESSAGE_ID, message_type_id: int | None = None):
        super().__init__(description)
        self.message_id = message_id
        self.message_type_id = message_type_id


# Not frozen, and never changed after it is built: one of these per frame (or reading) on the MeterValues path,
# where frozen dataclasses' __init__ (object.__setattr__ per field) cost about 5 % of a frame (bench/README.md).
@dataclass(slots=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(slots=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]


@dataclass(slots=True)
class CallError:
    message_id: str
    code: str
    description: str
    details: dict[str, Any] = field(default_factory=dict)


Frame = Call | CallResult | CallError
_SHAPES: dict[int, tuple[type, ...]] = {CALL: (str, dict), CALLRESULT: (dict,), CALLERROR: (str, str, dict)}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Built once: json.loads/json.dumps with any non-default option build a decoder/encoder per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def parse_frame(raw: str) -> Frame:
    """One text frame to a Call, CallResult or CallError; FrameError when it is none of them."""
    try:
        value = _DECODER.decode(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise FrameError("Frame is not valid JSON") from exc
    if not isinstance(value, list) or not value:
        raise FrameError("Frame is not a non-empty JSON array")
    type_id, message_id = value[0], value[1] if len(value) > 1 else None
    if not isinstance(message_id, str) or len(message_id) > MAX_MESSAGE_ID_LENGTH:
        known_type = type_id if type(type_id) is int else None
        raise FrameError("UniqueId must be a string of at most 36 characters", message_type_id=known_type)
    if type(type_id) is not int or type_id not in _SHAPES:
        raise FrameError("MessageTypeId must be 2, 3 or 4", message_id)
    shape, rest = _SHAPES[type_id], value[2:]
    if len(rest) != len(shape) or not all(isinstance(v, t) for v, t in zip(rest, shape, strict=True)):
        raise FrameError(f"Frame of type {type_id} has the wrong elements", message_id, type_id)
    if type_id == CALL:
        return Call(message_id, rest[0], rest[1])
    if type_id == CALLRESULT:
        return CallResult(message_id, rest[0])
    return CallError(message_id, rest[0], rest[1], rest[2])


def _dump(value: list[Any]) -> str:
    # allow_nan=False: NaN and Infinity are not JSON, so a payload holding one must fail here, not on the wire.
    return _ENCODER.encode(value)


def call_result_frame(message_id: str, payload: dict[str, Any]) -> str:
    if not payload:  # most answers (MeterValues, StatusNotification): the same text, without an encoder
        return f"[{CALLRESULT},{encode_basestring_ascii(message_id)},{{}}]"
    return _dump([CALLRESULT, message_id, payload])


def call_error_frame(message_id: str, code: str, description: str = "", details: dict[str, Any] | None = None) -> str:
    return _dump([CALLERROR, message_id, code, description[:MAX_DESCRIPTION_LENGTH], details or {}])


def error_frame(message_id: str, error: OcppError) -> str:
    return call_error_frame(message_id, error.code, error.description, error.details)

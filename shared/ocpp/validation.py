"""Payload validation against the OCPP 1.6 JSON schemas shipped by the `ocpp` package.

The package's validators are Draft 4 without a format checker; we add one for `date-time`
(rfc3339-validator) so a malformed timestamp is refused at the edge, and cache one per action.

Every frame is first checked by the same schema compiled to Python code (fastjsonschema, with the same
date-time check): about twenty times faster than jsonschema's interpreter, which was most of the cost of
a MeterValues frame. Only a payload the compiled check refuses goes through jsonschema, whose error tells
which OCPP code to answer; a differential test keeps the two in agreement.

Which jsonschema keyword maps to which 1.6 code (table 7's wording decides; the package differs):
  type                       -> TypeConstraintViolation      ("somestring": 12)
  required, minItems         -> OccurenceConstraintViolation (cardinality; the package says ProtocolError)
  additionalProperties       -> FormationViolation           (not conform the PDU structure)
  enum, maxLength, format... -> PropertyConstraintViolation  (right type, invalid value; the package
                                says TypeConstraintViolation for maxLength and FormatViolation for enum)
"""

from __future__ import annotations

from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from ocpp.messages import MessageType, get_validator  # type: ignore[import-untyped]
from rfc3339_validator import validate_rfc3339  # type: ignore[import-untyped]

from shared.ocpp.actions import KNOWN_16_ACTIONS, Action
from shared.ocpp.frames import (
    FormationViolation,
    InternalError,
    NotImplementedAction,
    NotSupported,
    OccurenceConstraintViolation,
    OcppError,
    PropertyConstraintViolation,
    TypeConstraintViolation,
)

__all__ = ["action_named", "validate_request", "validate_response", "ResponseSchemaError"]

_ERROR_FOR_KEYWORD: dict[str, type[OcppError]] = {
    "type": TypeConstraintViolation,
    "required": OccurenceConstraintViolation,
    "minItems": OccurenceConstraintViolation,
    "maxItems": OccurenceConstraintViolation,
    "additionalProperties": FormationViolation,
    "enum": PropertyConstraintViolation,
    "maxLength": PropertyConstraintViolation,
    "minLength": PropertyConstraintViolation,
    "minimum": PropertyConstraintViolation,
    "maximum": PropertyConstraintViolation,
    "multipleOf": PropertyConstraintViolation,
    "pattern": PropertyConstraintViolation,
    "format": PropertyConstraintViolation,
}
# Only date-time: other formats' checkers depend on which optional packages happen to be installed.
_FORMATS = FormatChecker(formats=["date-time"])


class ResponseSchemaError(ValueError):
    """Our own reply broke its schema: a bug on our side, logged and sent out as InternalError."""


def action_named(name: str) -> Action:
    """The routable action for a wire name; NotImplemented if 1.6 has no such action, else NotSupported."""
    try:
        return Action(name)
    except ValueError:
        if name in KNOWN_16_ACTIONS:
            raise NotSupported(f"{name} is not an action a charger sends to the central system") from None
        raise NotImplementedAction(f"Unknown action {name[:64]!r}") from None


@cache
def _validator(message_type_id: int, action: Action) -> Any:
    # The package caches its validator per schema; evolve() returns a copy, so its cache is left as it was.
    return get_validator(message_type_id, action.value, "1.6").evolve(format_checker=_FORMATS)


@cache
def _compiled(message_type_id: int, action: Action) -> Any:
    schema = get_validator(message_type_id, action.value, "1.6").schema
    return fastjsonschema.compile(schema, formats={"date-time": _is_date_time})


def _is_date_time(value: str) -> bool:
    return bool(validate_rfc3339(value))


def _first_error(message_type_id: int, action: Action, payload: dict[str, Any]) -> Any:
    try:
        _compiled(message_type_id, action)(payload)
        return None
    except fastjsonschema.JsonSchemaException:
        pass  # jsonschema says which keyword failed, and so which OCPP error to answer
    return best_match(_validator(message_type_id, action).iter_errors(payload))


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def validate_request(action: Action, payload: dict[str, Any]) -> None:
    """Raise the OCPP error for the first schema violation in a charger's request payload."""
    error = _first_error(MessageType.Call, action, payload)
    if error is None:
        return
    where = _pointer(error.absolute_path)
    description = f"{where}: {error.message}" if where else str(error.message)
    raise _ERROR_FOR_KEYWORD.get(str(error.validator), FormationViolation)(description)


def validate_response(action: Action, payload: Any) -> None:
    """Refuse to send a reply that breaks the CALLRESULT schema; the cause is for our log, not the wire."""
    error = _first_error(MessageType.CallResult, action, payload)
    if error is not None:
        where = _pointer(error.absolute_path) or "/"
        raise InternalError() from ResponseSchemaError(f"{action.value} reply invalid at {where}: {error.message}")

"""Payload validation against the OCPP 1.6 JSON schemas shipped by the `ocpp` package.

The package's validators are Draft 4 without a format checker; we add one for `date-time`
(rfc3339-validator) so a malformed timestamp is refused at the edge, and cache one per action.

Every frame is first checked by the same schema compiled to Python: about twenty times faster than
jsonschema's interpreter, which was most of the cost of a MeterValues frame. Only a payload the compiled
check refuses goes through jsonschema, whose error tells which OCPP code to answer; a differential test
keeps the two in agreement. The compiled check is a tree of small closures (``_checker``) for the
keywords the 1.6 schemas use (type, properties, required, additionalProperties, items, minItems, enum
of strings, maxLength, the date-time format): enums are set lookups and nothing builds an error
message, so it is several times cheaper again than fastjsonschema's generated code, which remains
for a schema using anything else ($ref, multipleOf, other formats).

Which jsonschema keyword maps to which 1.6 code (table 7's wording decides; the package differs):
  type                       -> TypeConstraintViolation      ("somestring": 12)
  required, minItems         -> OccurenceConstraintViolation (cardinality; the package says ProtocolError)
  additionalProperties       -> FormationViolation           (not conform the PDU structure)
  enum, maxLength, format... -> PropertyConstraintViolation  (right type, invalid value; the package
                                says TypeConstraintViolation for maxLength and FormatViolation for enum)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any, cast

import fastjsonschema
from jsonschema import FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from ocpp.messages import MessageType, get_validator  # type: ignore[import-untyped]
from rfc3339_validator import RFC3339_REGEX  # type: ignore[import-untyped]

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


_ACTIONS: dict[str, Action] = {action.value: action for action in Action}  # a dict lookup, not Enum.__call__


def action_named(name: str) -> Action:
    """The routable action for a wire name; NotImplemented if 1.6 has no such action, else NotSupported."""
    action = _ACTIONS.get(name)
    if action is not None:
        return action
    if name in KNOWN_16_ACTIONS:
        raise NotSupported(f"{name} is not an action a charger sends to the central system")
    raise NotImplementedAction(f"Unknown action {name[:64]!r}")


@cache
def _validator(message_type_id: int, action: Action) -> Any:
    # The package caches its validator per schema; evolve() returns a copy, so its cache is left as it was.
    return get_validator(message_type_id, action.value, "1.6").evolve(format_checker=_FORMATS)


class _Refused(ValueError):
    """The compiled check refused a payload (which keyword, jsonschema says)."""


@cache
def _compiled(message_type_id: int, action: Action) -> Callable[[Any], None]:
    """The schema's check: returns, or raises (``_Refused`` or fastjsonschema's error) on a payload it refuses."""
    schema = get_validator(message_type_id, action.value, "1.6").schema
    try:
        check = _checker(schema)
    except _Unsupported:  # not one of the keywords above: fastjsonschema's code for this schema
        return cast(Callable[[Any], None], fastjsonschema.compile(schema, formats={"date-time": _is_date_time}))

    def validate(payload: Any) -> None:
        if not check(payload):
            raise _Refused(action.value)

    return validate


def _is_date_time(value: str) -> bool:
    """``validate_rfc3339`` (the library's pattern, then a day that exists in its month and a year from 1):
    with ``date``'s own check of the day instead of ``calendar.monthrange``, which also works out a weekday."""
    match = RFC3339_REGEX.match(value)
    if match is None:
        return False
    year, month, day = match.groups()
    try:
        date(int(year), int(month), int(day))
    except ValueError:  # year 0, day 0 or a day past the month's end
        return False
    return True


# ---- the compiled check: Draft 4 semantics, for the keywords the OCPP 1.6 schemas use ---------


class _Unsupported(Exception):
    """A schema keyword ``_checker`` does not compile: fastjsonschema checks that schema instead."""


_ANNOTATIONS = frozenset({"$schema", "$id", "id", "title", "description", "javaType", "definitions"})
_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "minItems", "enum", "maxLength", "format"}
)
# Draft 4: a bool is neither an integer nor a number, 1.0 is not an integer. As fastjsonschema did
# (our replies may hold a str enum or a tuple): isinstance, and a tuple is an array.
_ARRAY = (list, tuple)
_TYPES = {
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "boolean": "isinstance({v}, bool)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, _ARRAY)",
}
_KIND_TEST = {"string": "str", "object": "dict", "array": "_ARRAY"}  # which values a keyword applies to


def _checker(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """``schema`` as one Python function returning whether a value passes: straight-line code with enums as
    set lookups and no error built (jsonschema names the error), so several times cheaper than
    fastjsonschema's. A keyword applies only to the kind of value it is about, as in JSON Schema
    (``additionalProperties`` on a string-typed field checks nothing). ``_Unsupported`` for anything else."""
    namespace: dict[str, Any] = {"_ARRAY": _ARRAY, "_is_date_time": _is_date_time}
    lines = ["def check(v0):"]
    _emit(schema, "v0", 1, lines, namespace, [0])
    lines.append("    return True")
    exec("\n".join(lines), namespace)  # noqa: S102 - code generated from the package's schemas, no input
    return cast(Callable[[Any], bool], namespace["check"])


def _emit(
    schema: dict[str, Any], v: str, depth: int, lines: list[str], namespace: dict[str, Any], counter: list[int]
) -> None:
    unknown = schema.keys() - _KEYWORDS - _ANNOTATIONS
    if unknown:
        raise _Unsupported(sorted(unknown))
    pad = "    " * depth
    kind = schema.get("type")
    if kind is not None:
        if not isinstance(kind, str) or kind not in _TYPES:
            raise _Unsupported(f"type {kind!r}")
        lines.append(f"{pad}if not {_TYPES[kind].format(v=v)}: return False")

    def applies(of: str) -> str | None:
        """The guard of a keyword about ``of`` values: none once the type is known, or None (skip it)."""
        if kind is None:
            return f"isinstance({v}, {_KIND_TEST[of]}) and "
        return "" if kind == of else None

    if "enum" in schema:
        if not all(isinstance(value, str) for value in schema["enum"]):
            raise _Unsupported("an enum of other than strings")
        counter[0] += 1
        name = f"_enum{counter[0]}"
        namespace[name] = frozenset(schema["enum"])
        guard = "" if kind == "string" else f"isinstance({v}, str) and "
        lines.append(f"{pad}if not ({guard}{v} in {name}): return False")
    if "format" in schema and schema["format"] != "date-time":
        raise _Unsupported(f"format {schema['format']!r}")
    if "items" in schema and not isinstance(schema["items"], dict):
        raise _Unsupported("items as a list")
    if not isinstance(schema.get("additionalProperties", True), bool):
        raise _Unsupported("additionalProperties as a schema")
    string, array, obj = applies("string"), applies("array"), applies("object")
    if "maxLength" in schema and string is not None:
        lines.append(f"{pad}if {string}len({v}) > {int(schema['maxLength'])}: return False")
    if "format" in schema and string is not None:
        lines.append(f"{pad}if {string}not _is_date_time({v}): return False")
    if "minItems" in schema and array is not None:
        lines.append(f"{pad}if {array}len({v}) < {int(schema['minItems'])}: return False")
    if "items" in schema and array is not None:
        item = f"v{depth}i"
        lines.append(f"{pad}if {array}True:")
        lines.append(f"{pad}    for {item} in {v}:")
        _emit(schema["items"], item, depth + 2, lines, namespace, counter)
    if {"properties", "required", "additionalProperties"} & schema.keys() and obj is not None:
        _emit_object(schema, v, depth, obj, lines, namespace, counter)


def _emit_object(
    schema: dict[str, Any], v: str, depth: int, guard: str, lines: list[str], namespace: dict[str, Any],
    counter: list[int],
) -> None:  # fmt: skip
    extra = bool(schema.get("additionalProperties", True))
    pad = "    " * depth
    lines.append(f"{pad}if {guard}True:")
    for key in schema.get("required") or ():
        lines.append(f"{pad}    if {str(key)!r} not in {v}: return False")
    properties: dict[str, Any] = schema.get("properties") or {}
    if not properties and extra:
        return
    key, value = f"k{depth}", f"v{depth}p"
    lines.append(f"{pad}    for {key}, {value} in {v}.items():")
    for n, (name, sub) in enumerate(properties.items()):
        lines.append(f"{pad}        {'elif' if n else 'if'} {key} == {str(name)!r}:")
        lines.append(f"{pad}            pass")
        _emit(sub, value, depth + 3, lines, namespace, counter)
    if not extra:
        lines.append(f"{pad}        {'else' if properties else 'if True'}: return False")


def _first_error(message_type_id: int, action: Action, payload: dict[str, Any]) -> Any:
    try:
        _compiled(message_type_id, action)(payload)
        return None
    except (_Refused, fastjsonschema.JsonSchemaException):
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

"""The compiled schema check generated from the OCPP schemas (``validation._checker``) against jsonschema.

It answers every frame and every reply first; jsonschema only names the error of a payload it refuses. So it
must pass exactly what jsonschema passes, for requests and for our replies, and it must leave a schema it
cannot compile to fastjsonschema rather than check it wrongly.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.messages import MessageType, get_validator  # type: ignore[import-untyped]

from shared.ocpp import validation
from shared.ocpp.actions import Action
from tests.unit.test_ocpp_validation_compiled import VALID, mutate

STAMP = "2026-11-24T12:00:00Z"
VALID_RESULTS: dict[Action, dict[str, Any]] = {
    Action.boot_notification: {"status": "Accepted", "currentTime": STAMP, "interval": 300},
    Action.heartbeat: {"currentTime": STAMP},
    Action.authorize: {"idTagInfo": {"status": "Accepted", "expiryDate": STAMP, "parentIdTag": "P"}},
    Action.start_transaction: {"transactionId": 7, "idTagInfo": {"status": "Accepted"}},
    Action.stop_transaction: {"idTagInfo": {"status": "Invalid"}},
    Action.meter_values: {},
    Action.status_notification: {},
    Action.data_transfer: {"status": "UnknownVendorId", "data": "x"},
}
CASES = [(MessageType.Call, a, p) for a, p in VALID.items()] + [
    (MessageType.CallResult, a, p) for a, p in VALID_RESULTS.items()
]


def _agree(message_type: int, action: Action, payload: Any) -> None:
    schema = get_validator(message_type, action.value, "1.6").schema
    checked = validation._checker(schema)(payload)
    reference = validation._validator(message_type, action).is_valid(payload)
    assert checked == reference, (action, payload)
    compiled = validation._compiled(message_type, action)
    if reference:
        compiled(payload)
    else:
        with pytest.raises(Exception):  # noqa: B017 - any refusal counts
            compiled(payload)


@pytest.mark.parametrize(("message_type", "action", "payload"), CASES)
def test_the_valid_examples_pass(message_type: int, action: Action, payload: dict[str, Any]) -> None:
    _agree(message_type, action, payload)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(CASES), st.data())
def test_the_checker_and_jsonschema_agree_on_mutated_payloads(
    case: tuple[int, Action, dict[str, Any]], data: st.DataObject
) -> None:
    message_type, action, payload = case
    _agree(message_type, action, mutate(data, payload))


@pytest.mark.parametrize(
    "payload",
    [
        {"connectorId": True, "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": "1"}]}]},  # bool
        {"connectorId": 1.0, "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": "1"}]}]},  # not int
        {"connectorId": 1, "meterValue": []},  # minItems
        {"connectorId": 1, "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": "1", "unit": "wh"}]}]},
        {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-24 12:00", "sampledValue": [{"value": "1"}]}]},
        {"connectorId": 1, "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": "1", "x": 1}]}]},
        {"connectorId": 1, "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": 1}]}]},
        {"connectorId": 1, "meterValue": [{"timestamp": STAMP}]},  # required
        {"connectorId": 1, "meterValue": [{"timestamp": STAMP, "sampledValue": [{"value": "1"}]}], "extra": 0},
    ],
)
def test_meter_values_refusals(payload: dict[str, Any]) -> None:
    assert not validation._validator(MessageType.Call, Action.meter_values).is_valid(payload)
    _agree(MessageType.Call, Action.meter_values, payload)


class Status(enum.StrEnum):
    ACCEPTED = "Accepted"


def test_replies_built_with_a_str_enum_or_a_tuple_pass_as_before() -> None:
    # fastjsonschema, which checked our replies before, took any str and any list or tuple
    check = validation._compiled(MessageType.CallResult, Action.start_transaction)
    check({"transactionId": 1, "idTagInfo": {"status": Status.ACCEPTED}})
    meter = validation._compiled(MessageType.Call, Action.meter_values)
    meter({"connectorId": 1, "meterValue": ({"timestamp": STAMP, "sampledValue": ({"value": "1"},)},)})


def test_every_routed_schema_is_compiled_by_the_checker() -> None:
    for action in Action:
        for message_type in (MessageType.Call, MessageType.CallResult):
            validation._checker(get_validator(message_type, action.value, "1.6").schema)  # no _Unsupported


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/definitions/x", "definitions": {"x": {"type": "string"}}},
        {"type": "number", "multipleOf": 0.1},
        {"type": "string", "format": "uri"},
        {"type": ["string", "null"]},
        {"type": "array", "items": [{"type": "string"}]},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"enum": [1, 2]},
    ],
)
def test_what_it_cannot_compile_is_left_to_fastjsonschema(schema: dict[str, Any]) -> None:
    with pytest.raises(validation._Unsupported):
        validation._checker(schema)

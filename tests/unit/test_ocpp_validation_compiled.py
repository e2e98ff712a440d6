"""The compiled schema check (fastjsonschema) and jsonschema's agree on every payload.

Frames are validated by the compiled schemas first and by jsonschema only when those refuse, to name
the OCPP error. So the two must agree on what passes: were the compiled check to let through a payload
jsonschema refuses, a bad frame would be answered as if it were good.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.messages import MessageType, get_validator  # type: ignore[import-untyped]

from shared.ocpp import validation
from shared.ocpp.actions import Action

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=8,
)
dates = st.sampled_from(
    ["2026-11-24T12:00:00Z", "2026-11-24T12:00:00.123+01:00", "2026-11-24 12:00:00Z", "2026-13-01T00:00:00Z",
     "2026-11-24T12:00:00", "yesterday", "", "2026-11-24T25:00:00Z"]
)  # fmt: skip
fields = st.sampled_from(
    ["connectorId", "transactionId", "meterValue", "timestamp", "sampledValue", "value", "measurand", "unit",
     "context", "phase", "location", "format", "idTag", "meterStart", "meterStop", "reason", "status",
     "errorCode", "chargePointVendor", "chargePointModel", "vendorId", "data", "reservationId"]
)  # fmt: skip
leaf = json_values | dates | st.sampled_from(["Wh", "kWh", "Energy.Active.Import.Register", "Available", "L1"])


def mutate(data: st.DataObject, value: Any, depth: int = 0) -> Any:
    """A payload near a valid one: fields dropped, replaced or added at any depth."""
    if isinstance(value, dict):
        out = {k: mutate(data, v, depth + 1) for k, v in value.items() if not data.draw(st.integers(0, 9)) == 0}
        if data.draw(st.integers(0, 6)) == 0:
            out[data.draw(fields)] = data.draw(leaf)
        return out
    if isinstance(value, list):
        return [mutate(data, v, depth + 1) for v in value] + (
            [data.draw(leaf)] if data.draw(st.integers(0, 8)) == 0 else []
        )
    return data.draw(leaf) if data.draw(st.integers(0, 4)) == 0 else value


VALID: dict[Action, dict[str, Any]] = {
    Action.meter_values: {
        "connectorId": 1, "transactionId": 7,
        "meterValue": [{"timestamp": "2026-11-24T12:00:00Z", "sampledValue": [
            {"value": "12.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh",
             "context": "Sample.Periodic"},
            {"value": "11000", "measurand": "Power.Active.Import", "unit": "W", "phase": "L1"}]}],
    },
    Action.start_transaction: {"connectorId": 1, "idTag": "CARD", "meterStart": 0, "timestamp": "2026-11-24T12:00:00Z",
                               "reservationId": 3},
    Action.stop_transaction: {"transactionId": 7, "meterStop": 10, "timestamp": "2026-11-24T12:00:00Z",
                              "reason": "Local", "idTag": "CARD",
                              "transactionData": [{"timestamp": "2026-11-24T12:00:00Z",
                                                   "sampledValue": [{"value": "1"}]}]},
    Action.status_notification: {"connectorId": 1, "errorCode": "NoError", "status": "Available",
                                 "timestamp": "2026-11-24T12:00:00Z", "info": "x", "vendorId": "v"},
    Action.boot_notification: {"chargePointVendor": "V", "chargePointModel": "M", "firmwareVersion": "1"},
    Action.authorize: {"idTag": "CARD"},
    Action.heartbeat: {},
    Action.data_transfer: {"vendorId": "acme", "messageId": "m", "data": "d"},
}  # fmt: skip


def _both(action: Action, payload: Any) -> tuple[bool, bool]:
    try:
        validation._compiled(MessageType.Call, action)(payload)
        compiled = True
    except Exception:  # noqa: BLE001 - any refusal counts
        compiled = False
    reference = validation._validator(MessageType.Call, action).is_valid(payload)
    return compiled, reference


@pytest.mark.parametrize("action", list(VALID))
def test_the_valid_examples_pass_both(action: Action) -> None:
    assert _both(action, VALID[action]) == (True, True)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(list(VALID)), st.data())
def test_compiled_and_reference_agree_on_mutated_payloads(action: Action, data: st.DataObject) -> None:
    payload = mutate(data, VALID[action])
    compiled, reference = _both(action, payload)
    assert compiled == reference, (action, payload)


def test_the_reference_validator_is_the_package_schema() -> None:
    schema = get_validator(MessageType.Call, "MeterValues", "1.6").schema
    assert validation._validator(MessageType.Call, Action.meter_values).schema == schema

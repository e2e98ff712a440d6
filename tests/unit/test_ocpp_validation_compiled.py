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


# ---- the date-time format: validation._is_date_time is rfc3339-validator's rule --------------------------


def two(top: int) -> st.SearchStrategy[str]:
    return st.integers(0, top).map(lambda n: f"{n:02d}")


date_like = st.builds(
    lambda y, mo, d, h, mi, s, frac, zone, tail: f"{y}-{mo}-{d}T{h}:{mi}:{s}{frac}{zone}{tail}",
    st.integers(0, 9999).map(lambda n: f"{n:04d}"),
    two(13), two(40), two(24), two(60), two(60),
    st.sampled_from(["", ".0", ".123456789", "."]),
    st.sampled_from(["Z", "+01:00", "-23:59", "Z", "z", "+24:00", "", "+0100"]),
    st.sampled_from(["", "", "", "\n", " ", "x"]),
)  # fmt: skip
near_misses = date_like.map(lambda text: text.replace("-", "", 1)) | st.sampled_from(["2026-1-01T00:00:00Z", "12345"])
real_dates = st.datetimes().map(lambda d: d.isoformat() + "Z")


@settings(max_examples=1000)
@given(date_like | real_dates | dates | near_misses | st.text(max_size=40))
def test_the_date_time_check_is_the_librarys(value: str) -> None:
    from rfc3339_validator import validate_rfc3339  # type: ignore[import-untyped]

    assert validation._is_date_time(value) == bool(validate_rfc3339(value))


@pytest.mark.parametrize(
    ("value", "valid"),
    [("2024-02-29T00:00:00Z", True), ("2023-02-29T00:00:00Z", False), ("0000-01-01T00:00:00Z", False),
     ("2026-04-31T00:00:00Z", False), ("2026-12-31T23:59:59.5-07:00", True), ("2026-11-24T12:00:00", False)],
)  # fmt: skip
def test_days_that_do_not_exist_are_refused(value: str, valid: bool) -> None:
    assert validation._is_date_time(value) is valid


def test_action_names_are_looked_up_exactly() -> None:
    assert validation.action_named("MeterValues") is Action.meter_values
    for name, error in [("meterValues", "NotImplemented"), ("RemoteStartTransaction", "NotSupported")]:
        with pytest.raises(Exception) as raised:
            validation.action_named(name)
        assert getattr(raised.value, "code", None) == error

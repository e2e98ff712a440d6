"""OCPP-J 1.6 frames: parsing real wire text and the exact reply text we serialise."""

from __future__ import annotations

import pytest

from shared.ocpp.frames import (
    Call,
    CallError,
    CallResult,
    FrameError,
    InternalError,
    PropertyConstraintViolation,
    call_error_frame,
    call_result_frame,
    error_frame,
    parse_frame,
)


def test_parse_call():
    frame = parse_frame('[2,"19223201","BootNotification",{"chargePointVendor":"VendorX"}]')
    assert frame == Call("19223201", "BootNotification", {"chargePointVendor": "VendorX"})


def test_parse_call_result_and_call_error():
    assert parse_frame('[3, "42", {"status": "Accepted"}]') == CallResult("42", {"status": "Accepted"})
    assert parse_frame('[4,"42","NotSupported","nope",{"a":1}]') == CallError("42", "NotSupported", "nope", {"a": 1})


@pytest.mark.parametrize(
    ("raw", "message_id", "type_id", "description"),
    [
        ("not json", "-1", None, "Frame is not valid JSON"),
        ('[2,"1","Heartbeat",{"x":NaN}]', "-1", None, "Frame is not valid JSON"),
        ("[" * 50_000, "-1", None, "Frame is not valid JSON"),
        ('{"a":1}', "-1", None, "Frame is not a non-empty JSON array"),
        ("[]", "-1", None, "Frame is not a non-empty JSON array"),
        ('[7,"abc",{}]', "abc", None, "MessageTypeId must be 2, 3 or 4"),
        ('[2.0,"abc","Heartbeat",{}]', "abc", None, "MessageTypeId must be 2, 3 or 4"),
        ('[true,"abc","Heartbeat",{}]', "abc", None, "MessageTypeId must be 2, 3 or 4"),
        ('[2,17,"Heartbeat",{}]', "-1", 2, "UniqueId must be a string of at most 36 characters"),
        ("[2]", "-1", 2, "UniqueId must be a string of at most 36 characters"),
        (f'[2,"{"x" * 37}","Heartbeat",{{}}]', "-1", 2, "UniqueId must be a string of at most 36 characters"),
        ('[2,"abc","Heartbeat"]', "abc", 2, "Frame of type 2 has the wrong elements"),
        ('[2,"abc","Heartbeat",{},{}]', "abc", 2, "Frame of type 2 has the wrong elements"),
        ('[2,"abc","Heartbeat",[]]', "abc", 2, "Frame of type 2 has the wrong elements"),
        ('[2,"abc",5,{}]', "abc", 2, "Frame of type 2 has the wrong elements"),
        ('[3,"abc","ok"]', "abc", 3, "Frame of type 3 has the wrong elements"),
        ('[4,"abc","InternalError",{}]', "abc", 4, "Frame of type 4 has the wrong elements"),
    ],
)
def test_malformed_frames_raise_formation_violation(raw, message_id, type_id, description):
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.code == "FormationViolation"
    assert (caught.value.message_id, caught.value.message_type_id) == (message_id, type_id)
    assert caught.value.description == description


def test_message_id_of_36_characters_is_accepted():
    assert parse_frame(f'[2,"{"x" * 36}","Heartbeat",{{}}]') == Call("x" * 36, "Heartbeat", {})


def test_call_result_frame_is_compact():
    assert (
        call_result_frame("1", {"currentTime": "2024-05-01T10:00:00Z"})
        == '[3,"1",{"currentTime":"2024-05-01T10:00:00Z"}]'
    )


def test_call_error_frame_defaults_details_to_empty_object():
    assert call_error_frame("1", "GenericError", "boom") == '[4,"1","GenericError","boom",{}]'


def test_call_error_frame_truncates_long_descriptions():
    assert call_error_frame("1", "GenericError", "d" * 300) == f'[4,"1","GenericError","{"d" * 255}",{{}}]'


def test_error_frame_uses_the_class_wire_code_and_default_description():
    assert error_frame("9", PropertyConstraintViolation()) == (
        '[4,"9","PropertyConstraintViolation",'
        '"Payload is syntactically correct but at least one field contains an invalid value",{}]'
    )
    assert InternalError.code == "InternalError"


def test_non_json_payloads_cannot_be_serialised():
    with pytest.raises(ValueError):
        call_result_frame("1", {"value": float("nan")})

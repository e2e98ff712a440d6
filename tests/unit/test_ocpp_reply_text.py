"""A CALLRESULT with an empty payload is written without the JSON encoder (the MeterValues answer, per frame):
the text must be exactly what the encoder writes, whatever the message id."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from shared.ocpp.frames import CallResult, call_result_frame, parse_frame


@given(st.text(max_size=36))
def test_the_empty_answer_is_the_encoders_text(message_id: str) -> None:
    text = call_result_frame(message_id, {})
    assert text == json.dumps([3, message_id, {}], separators=(",", ":"), allow_nan=False)
    assert parse_frame(text) == CallResult(message_id, {})


def test_other_answers_still_go_through_the_encoder() -> None:
    assert call_result_frame("7", {"status": "Accepted"}) == '[3,"7",{"status":"Accepted"}]'

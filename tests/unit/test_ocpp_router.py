"""handle_frame: real OCPP-J 1.6 wire frames in, the exact reply frame out, and it never raises."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.ocpp.actions import Action
from shared.ocpp.frames import ERROR_CODES, CallError, CallResult, SecurityError
from shared.ocpp.router import Router, handle_frame

NOW = "2024-05-01T10:00:00Z"
INTERNAL = (
    '"InternalError","An internal error occurred and the receiver was not able to process the requested Action",{}]'
)
BOOT = '[2,"b-1","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]'
VALID_FRAMES = [
    BOOT,
    '[2,"h-1","Heartbeat",{}]',
    '[2,"s-1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Preparing"}]',
    '[2,"m-1","MeterValues",{"connectorId":1,"transactionId":7,'
    '"meterValue":[{"timestamp":"2024-05-01T09:59:00Z","sampledValue":[{"value":"1520","unit":"Wh"}]}]}]',
    '[3,"cmd-1",{"status":"Accepted"}]',
    '[4,"cmd-2","NotSupported","nope",{}]',
]


def build_router(replies: list[tuple[object, object]] | None = None) -> Router[str]:
    async def on_reply(ctx: str, frame: CallResult | CallError) -> None:
        if replies is not None:
            replies.append((ctx, frame))

    router: Router[str] = Router(on_reply=on_reply)

    @router.on("BootNotification")
    async def boot(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Accepted", "currentTime": NOW, "interval": 300}

    @router.on(Action.heartbeat)
    async def heartbeat(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"currentTime": NOW}

    @router.on(Action.status_notification)
    async def status(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {}

    @router.on(Action.meter_values)
    async def meter_values(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {}

    @router.on(Action.authorize)
    async def authorize(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("connection string AccountKey=hunter2 refused")

    @router.on(Action.data_transfer)
    async def data_transfer(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Maybe", "data": object()}

    @router.on(Action.start_transaction)
    async def start(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        raise SecurityError("tag blocked")

    return router


async def test_boot_notification_is_routed_to_its_handler():
    reply = await handle_frame(build_router(), BOOT, "CP-1")
    assert reply == f'[3,"b-1",{{"status":"Accepted","currentTime":"{NOW}","interval":300}}]'


async def test_meter_values_with_a_valid_timestamp_is_accepted():
    assert await handle_frame(build_router(), VALID_FRAMES[3], "CP-1") == '[3,"m-1",{}]'


@pytest.mark.parametrize(
    ("raw", "reply"),
    [
        ("hello", '[4,"-1","FormationViolation","Frame is not valid JSON",{}]'),
        ('{"id":"1"}', '[4,"-1","FormationViolation","Frame is not a non-empty JSON array",{}]'),
        ('[9,"x1",{}]', '[4,"x1","FormationViolation","MessageTypeId must be 2, 3 or 4",{}]'),
        (
            '[2,12,"Heartbeat",{}]',
            '[4,"-1","FormationViolation","UniqueId must be a string of at most 36 characters",{}]',
        ),
        ('[2,"x1","Heartbeat"]', '[4,"x1","FormationViolation","Frame of type 2 has the wrong elements",{}]'),
        (
            '[2,"x1","BootNotification",{"chargePointVendor":"VendorX"}]',
            '[4,"x1","OccurenceConstraintViolation","\'chargePointModel\' is a required property",{}]',
        ),
        (
            '[2,"x1","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":42}]',
            '[4,"x1","TypeConstraintViolation","/chargePointModel: 42 is not of type \'string\'",{}]',
        ),
        (
            '[2,"x1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]',
            "[4,\"x1\",\"PropertyConstraintViolation\",\"/status: 'Sleeping' is not one of ['Available', 'Preparing', "
            "'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted']\",{}]",
        ),
        (
            '[2,"x1","BootNotification",{"chargePointVendor":"VendorXVendorXVendorX","chargePointModel":"M"}]',
            '[4,"x1","PropertyConstraintViolation","/chargePointVendor: \'VendorXVendorXVendorX\' is too long",{}]',
        ),
        (
            '[2,"x1","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2024-05-01 10:00",'
            '"sampledValue":[{"value":"1"}]}]}]',
            '[4,"x1","PropertyConstraintViolation","/meterValue/0/timestamp: \'2024-05-01 10:00\' is not a '
            "'date-time'\",{}]",
        ),
        (
            '[2,"x1","MeterValues",{"connectorId":1,"meterValue":[]}]',
            '[4,"x1","OccurenceConstraintViolation","/meterValue: [] should be non-empty",{}]',
        ),
        (
            '[2,"x1","Heartbeat",{"uptime":5}]',
            '[4,"x1","FormationViolation","Additional properties are not allowed (\'uptime\' was unexpected)",{}]',
        ),
        ('[2,"x1","Teleport",{}]', '[4,"x1","NotImplemented","Unknown action \'Teleport\'",{}]'),
        (
            '[2,"x1","Reset",{"type":"Hard"}]',
            '[4,"x1","NotSupported","Reset is not an action a charger sends to the central system",{}]',
        ),
        ('[2,"x1","StopTransaction",{}]', '[4,"x1","NotSupported","StopTransaction is not handled here",{}]'),
        (
            '[2,"x1","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":"' + NOW + '"}]',
            '[4,"x1","SecurityError","tag blocked",{}]',
        ),
    ],
)
async def test_bad_frames_get_the_exact_call_error(raw, reply):
    assert await handle_frame(build_router(), raw, "CP-1") == reply


async def test_handler_raising_becomes_internal_error_without_internals(caplog):
    with caplog.at_level(logging.ERROR, logger="shared.ocpp.router"):
        reply = await handle_frame(build_router(), '[2,"a-1","Authorize",{"idTag":"TAG1"}]', "CP-1")
    assert reply == '[4,"a-1",' + INTERNAL
    assert "hunter2" in caplog.text  # logged for us, never sent to the charger


async def test_handler_returning_an_invalid_reply_becomes_internal_error():
    reply = await handle_frame(build_router(), '[2,"d-1","DataTransfer",{"vendorId":"acme"}]', "CP-1")
    assert reply == '[4,"d-1",' + INTERNAL


async def test_replies_go_to_the_hook_and_get_no_answer():
    replies: list[tuple[object, object]] = []
    router = build_router(replies)
    assert await handle_frame(router, '[3,"cmd-1",{"status":"Accepted"}]', "CP-1") is None
    assert await handle_frame(router, '[4,"cmd-2","NotSupported","nope",{}]', "CP-1") is None
    assert await handle_frame(router, '[3,"cmd-3"]', "CP-1") is None  # malformed reply: dropped, not answered
    assert replies == [
        ("CP-1", CallResult("cmd-1", {"status": "Accepted"})),
        ("CP-1", CallError("cmd-2", "NotSupported", "nope", {})),
    ]


async def test_a_failing_reply_hook_does_not_raise():
    async def broken(ctx: str, frame: CallResult | CallError) -> None:
        raise RuntimeError("boom")

    assert await handle_frame(Router(on_reply=broken), '[3,"cmd-1",{}]', "CP-1") is None


def test_registering_an_unknown_action_or_a_second_handler_fails():
    router: Router[str] = Router()
    with pytest.raises(ValueError):
        router.on("Teleport")

    @router.on("Heartbeat")
    async def first(ctx: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"currentTime": NOW}

    with pytest.raises(ValueError):
        router.on("Heartbeat")(first)


def assert_well_formed(reply: str | None) -> None:
    if reply is None:
        return
    frame = json.loads(reply)
    assert isinstance(frame, list) and isinstance(frame[1], str) and len(frame[1]) <= 36
    if frame[0] == 3:
        assert len(frame) == 3 and isinstance(frame[2], dict)
    else:
        assert frame[0] == 4 and len(frame) == 5 and frame[2] in ERROR_CODES
        assert isinstance(frame[3], str) and len(frame[3]) <= 255 and isinstance(frame[4], dict)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=5),
    max_leaves=20,
)
ROUTER = build_router([])


def run(raw: str) -> str | None:
    return asyncio.run(handle_frame(ROUTER, raw, "CP-fuzz"))


@FUZZ
@given(st.text())
def test_arbitrary_text_never_raises(raw):
    assert_well_formed(run(raw))


@FUZZ
@given(JSON)
def test_arbitrary_json_never_raises(value):
    assert_well_formed(run(json.dumps(value)))


@FUZZ
@given(st.sampled_from(VALID_FRAMES), st.data())
def test_mutated_valid_frames_never_raise(raw, data):
    frame = json.loads(raw)
    index = data.draw(st.integers(0, len(frame) - 1))
    mutation = data.draw(st.sampled_from(["replace", "drop", "append", "field"]))
    if mutation == "replace":
        frame[index] = data.draw(JSON)
    elif mutation == "drop":
        del frame[index]
    elif mutation == "append":
        frame.append(data.draw(JSON))
    elif isinstance(frame[-1], dict):
        key = data.draw(st.sampled_from([*frame[-1], "extra"]))
        frame[-1][key] = data.draw(JSON)
    assert_well_formed(run(json.dumps(frame)))


@FUZZ
@given(st.sampled_from(VALID_FRAMES), st.integers(0, 200), st.text(max_size=3))
def test_spliced_valid_frames_never_raise(raw, cut, insert):
    assert_well_formed(run(raw[:cut] + insert + raw[cut:]))

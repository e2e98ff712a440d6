"""Commands to chargers: the CALL sent, the reply that settles it, the timeout, and the race between the two."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.domain.chargers import Charger, ChargerConnector, ChargerOcppState
from shared.domain.errors import DependencyFailed, NotFound
from shared.ocpp.frames import Call, CallError, CallResult, parse_frame
from shared.ocpp.validation import validate_request
from shared.ports.store import Filter, Query
from shared.repositories.chargers import add_charger
from shared.services import charger_commands
from shared.services.charger_commands import (
    KEEP_SECONDS,
    ChargerOffline,
    CommandAction,
    CommandRecord,
    InvalidCommand,
    expire_commands,
    on_outcome,
    record_reply,
    send_command,
    wait_for_outcome,
)
from shared.services.charger_state import update_ocpp_state
from tests.fakes import FakeClock, RecordingLink

START = {"connectorId": 1, "idTag": "TAG-1"}
SUBJECT = {"sessionId": "ses_1", "stationId": "stn_1"}


class Outcomes:
    """The outcome handler the tests register: every call it got."""

    def __init__(self) -> None:
        self.calls: list[CommandRecord] = []

    async def __call__(self, deps: Deps, record: CommandRecord) -> None:
        self.calls.append(record)

    def of(self, command_id: str) -> list[CommandRecord]:
        return [r for r in self.calls if r.id == command_id]


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> Outcomes:
    # A registry of our own: other capabilities' handlers stay out of these tests, and ours out of theirs.
    monkeypatch.setattr(charger_commands, "_handlers", {})
    seen = Outcomes()
    for action in (CommandAction.remote_start_transaction, CommandAction.reserve_now):
        on_outcome(action)(seen)
    return seen


async def make_charger(deps: Deps, charger_id: str, connection_id: str | None) -> Charger:
    now = deps.clock.now()
    charger = Charger(
        id=charger_id, provider_id="prv_test", station_id="stn_1", vendor="ABB", model="Terra",
        password_hash="-", password_updated_at=now, created_at=now, updated_at=now,
        connectors=[ChargerConnector(connector_id=1, standard="TYPE_2", power_type="AC", max_power_kw=22)],
    )  # fmt: skip
    await add_charger(deps.store, charger)
    if connection_id is not None:
        await update_ocpp_state(deps, charger_id, lambda s: ChargerOcppState(connection_id=connection_id))
    return charger


@pytest.fixture
async def cp1(deps: Deps) -> AsyncIterator[str]:
    await make_charger(deps, "CP-1", "conn-1")
    yield "CP-1"


def link(deps: Deps) -> RecordingLink:
    assert isinstance(deps.link, RecordingLink)
    return deps.link


async def stored(deps: Deps) -> list[CommandRecord]:
    page = await deps.store.query("charger_commands", Query(limit=100))
    return [CommandRecord.model_validate(d) for d in page.items]


async def read(deps: Deps, record: CommandRecord) -> CommandRecord:
    return CommandRecord.model_validate(await deps.store.read("charger_commands", record.id, record.charger_id))


# ---- sending -----------------------------------------------------------------------------------


async def test_the_call_sent_is_valid_and_carries_the_stored_id(deps: Deps, cp1: str, clock: FakeClock) -> None:
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START, subject=SUBJECT)
    ((connection, raw),) = link(deps).sent
    frame = parse_frame(raw)
    assert connection == "conn-1"
    assert isinstance(frame, Call) and frame == Call(record.id, "RemoteStartTransaction", START)
    validate_request(CommandAction.remote_start_transaction, frame.payload)  # type: ignore[arg-type]
    assert record.id.startswith("cmd_") and len(record.id) <= 36
    saved = await read(deps, record)
    assert saved.status == "sent" and saved.subject == SUBJECT and saved.charger_id == cp1
    assert saved.sent_at == clock.now() and saved.deadline == clock.now() + timedelta(seconds=30)
    assert saved.ttl == KEEP_SECONDS and saved.reply is None and saved.answered_at is None
    doc = await deps.store.read("charger_commands", record.id, cp1)
    assert doc["chargerId"] == cp1 and doc["payload"] == START  # camelCase fields, the payload as sent


async def test_a_plain_action_name_is_accepted(deps: Deps, cp1: str) -> None:
    record = await send_command(deps, cp1, "RemoteStopTransaction", {"transactionId": 7})
    assert link(deps).calls("RemoteStopTransaction") == [[2, record.id, "RemoteStopTransaction", {"transactionId": 7}]]


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("RemoteStartTransaction", {"connectorId": 1}),  # idTag is required
        ("RemoteStartTransaction", {"idTag": "T" * 21}),  # idTag is at most 20 characters
        ("ReserveNow", {"connectorId": 1, "expiryDate": "tomorrow", "idTag": "T", "reservationId": 1}),
        ("Heartbeat", {}),  # a charger's call, not ours
        ("Dance", {}),
    ],
)
async def test_a_command_that_breaks_the_schema_fails_loudly_before_anything_happens(
    deps: Deps, cp1: str, action: str, payload: dict[str, Any]
) -> None:
    with pytest.raises(InvalidCommand):
        await send_command(deps, cp1, action, payload)
    assert link(deps).sent == [] and await stored(deps) == []


async def test_an_offline_charger_gets_nothing(deps: Deps) -> None:
    await make_charger(deps, "CP-OFF", None)
    with pytest.raises(ChargerOffline) as offline:
        await send_command(deps, "CP-OFF", CommandAction.remote_start_transaction, START)
    assert offline.value.code == "charger_offline"
    assert link(deps).sent == [] and await stored(deps) == []
    with pytest.raises(NotFound):
        await send_command(deps, "CP-404", CommandAction.remote_start_transaction, START)


async def test_an_unreachable_charger_fails_the_record(deps: Deps, cp1: str, outcomes: Outcomes) -> None:
    link(deps).unreachable.add("conn-1")
    with pytest.raises(ChargerOffline):
        await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    (record,) = await stored(deps)
    assert record.status == "failed" and record.error_code == "charger_unreachable"
    assert outcomes.calls == []  # the caller got the exception: that is the outcome


async def test_a_broken_link_fails_the_record_and_raises(deps: Deps, cp1: str, outcomes: Outcomes) -> None:
    class Broken(RecordingLink):
        async def send(self, connection_id: str, frame: str) -> None:
            raise DependencyFailed("Web PubSub said 401", code="webpubsub_failed")

    deps.link = Broken()
    with pytest.raises(DependencyFailed):
        await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    (record,) = await stored(deps)
    assert (record.status, record.error_code) == ("failed", "webpubsub_failed")
    assert outcomes.calls == []


# ---- replies -----------------------------------------------------------------------------------


async def test_a_reply_settles_its_command_once(deps: Deps, cp1: str, clock: FakeClock, outcomes: Outcomes) -> None:
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START, subject=SUBJECT)
    clock.advance(seconds=2)
    answered = await record_reply(deps, cp1, CallResult(record.id, {"status": "Accepted"}))
    assert answered is not None and answered.status == "answered"
    assert answered.reply == {"status": "Accepted"} and answered.answered_at == clock.now()
    assert await read(deps, record) == answered
    assert [(r.id, r.status, r.subject) for r in outcomes.calls] == [(record.id, "answered", SUBJECT)]

    again = await record_reply(deps, cp1, CallResult(record.id, {"status": "Rejected"}))  # a resent reply
    assert again is None and (await read(deps, record)).status == "answered"
    assert len(outcomes.calls) == 1


@pytest.mark.parametrize("status", ["Occupied", "Faulted", "Unavailable", "Rejected"])
async def test_a_refusal_is_rejected(deps: Deps, cp1: str, outcomes: Outcomes, status: str) -> None:
    payload = {"connectorId": 1, "expiryDate": "2026-11-24T13:00:00Z", "idTag": "T", "reservationId": 4}
    record = await send_command(deps, cp1, CommandAction.reserve_now, payload)
    settled = await record_reply(deps, cp1, CallResult(record.id, {"status": status}))
    assert settled is not None and (settled.status, settled.reply) == ("rejected", {"status": status})
    assert [r.status for r in outcomes.of(record.id)] == ["rejected"]


async def test_a_reply_to_an_unknown_id_or_from_another_charger_is_ignored(
    deps: Deps, cp1: str, outcomes: Outcomes, caplog: pytest.LogCaptureFixture
) -> None:
    await make_charger(deps, "CP-2", "conn-2")
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    with caplog.at_level(logging.WARNING, logger="shared.services.charger_commands"):
        assert await record_reply(deps, "CP-2", CallResult(record.id, {"status": "Accepted"})) is None
        assert await record_reply(deps, cp1, CallResult("cmd_" + "0" * 32, {"status": "Accepted"})) is None
        assert await record_reply(deps, cp1, CallResult("b1", {"status": "Accepted"})) is None
    assert (await read(deps, record)).status == "sent" and outcomes.calls == []
    assert sum("no command sent to it" in r.getMessage() for r in caplog.records) == 3


async def test_a_callerror_fails_the_command_with_its_code(deps: Deps, cp1: str, outcomes: Outcomes) -> None:
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    settled = await record_reply(deps, cp1, CallError(record.id, "NotSupported", "no remote start here", {"a": 1}))
    assert settled is not None and (settled.status, settled.error_code) == ("failed", "NotSupported")
    assert settled.reply == {"errorCode": "NotSupported", "errorDescription": "no remote start here",
                             "errorDetails": {"a": 1}}  # fmt: skip
    assert [r.status for r in outcomes.calls] == ["failed"]


@pytest.mark.parametrize("reply", [{"status": "Maybe"}, {}, {"status": "Accepted", "extra": 1}])
async def test_a_reply_breaking_its_schema_fails_the_command(
    deps: Deps, cp1: str, outcomes: Outcomes, reply: dict[str, Any]
) -> None:
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    settled = await record_reply(deps, cp1, CallResult(record.id, reply))
    assert settled is not None and (settled.status, settled.error_code) == ("failed", "FormationViolation")
    assert settled.reply == reply and [r.status for r in outcomes.calls] == ["failed"]


async def test_a_reply_without_a_status_field_is_answered(deps: Deps, cp1: str) -> None:
    record = await send_command(deps, cp1, "GetConfiguration", {"key": ["HeartbeatInterval"]})
    reply = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]}
    settled = await record_reply(deps, cp1, CallResult(record.id, reply))
    assert settled is not None and (settled.status, settled.reply) == ("answered", reply)


async def test_a_failing_handler_is_logged_and_the_others_still_run(
    deps: Deps, cp1: str, outcomes: Outcomes, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(deps: Deps, record: CommandRecord) -> None:
        raise RuntimeError("handler bug")

    charger_commands._handlers["RemoteStartTransaction"].insert(0, broken)
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    with caplog.at_level(logging.ERROR, logger="shared.services.charger_commands"):
        settled = await record_reply(deps, cp1, CallResult(record.id, {"status": "Accepted"}))
    assert settled is not None and settled.status == "answered"
    assert len(outcomes.calls) == 1 and any("handler bug" in (r.exc_text or "") for r in caplog.records)


def test_registering_for_an_action_that_is_no_command_fails_at_once() -> None:
    with pytest.raises(ValueError):
        on_outcome("Heartbeat")


# ---- timeouts ----------------------------------------------------------------------------------


async def test_silence_times_out_once_and_a_late_reply_is_ignored(
    deps: Deps, cp1: str, clock: FakeClock, outcomes: Outcomes
) -> None:
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    clock.advance(seconds=29.5)
    assert await expire_commands(deps) == 0 and (await read(deps, record)).status == "sent"
    clock.advance(seconds=0.5)
    assert await expire_commands(deps) == 1
    assert (await read(deps, record)).status == "timed_out"
    assert [r.status for r in outcomes.calls] == ["timed_out"]
    assert await expire_commands(deps) == 0
    assert await record_reply(deps, cp1, CallResult(record.id, {"status": "Accepted"})) is None
    assert (await read(deps, record)).status == "timed_out" and len(outcomes.calls) == 1


async def test_a_deadline_within_a_second_still_expires(deps: Deps, cp1: str, clock: FakeClock) -> None:
    clock.advance(seconds=0.25)  # sent at a fraction of a second: the deadline rounds up to a whole one
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    assert record.deadline == (clock.now() + timedelta(seconds=30.75))
    clock.advance(seconds=30.5)
    assert await expire_commands(deps) == 0
    clock.advance(seconds=0.5)
    assert await expire_commands(deps) == 1


class JitterStore:
    """The store with a random pause (up to 3 ms) before every call, so that concurrent callers interleave."""

    def __init__(self, store: Any, rng: random.Random) -> None:
        self._store, self._rng = store, rng

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        async def jittered(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(self._rng.random() * 0.003)
            return await method(*args, **kwargs)

        return jittered


async def test_expiry_and_reply_racing_have_exactly_one_outcome(
    deps: Deps, cp1: str, clock: FakeClock, outcomes: Outcomes
) -> None:
    rng, winners = random.Random(1234), []
    # The embedded store answers point reads and uncontended writes without yielding to the loop, so a
    # reply would always run to its end before an expiry got going: pause at random before each call.
    deps.store = JitterStore(deps.store, rng)
    for _ in range(12):
        record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
        clock.advance(seconds=31)
        racers: list[Awaitable[CommandRecord | int | None]]
        racers = [record_reply(deps, cp1, CallResult(record.id, {"status": "Accepted"})) for _ in range(2)]
        racers += [expire_commands(deps) for _ in range(2)]
        rng.shuffle(racers)
        results = await asyncio.gather(*racers)
        replies = [r for r in results if isinstance(r, CommandRecord)]
        expired = sum(r for r in results if isinstance(r, int))
        assert len(replies) + expired == 1, results
        (outcome,) = outcomes.of(record.id)
        assert (await read(deps, record)).status == outcome.status == ("answered" if replies else "timed_out")
        winners.append(outcome.status)
    assert len(set(winners)) == 2, winners  # both sides won some rounds: the race was real


async def test_expiry_settles_many_at_once(deps: Deps, cp1: str, clock: FakeClock) -> None:
    for _ in range(130):  # more than one page
        await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    clock.advance(seconds=31)
    assert await expire_commands(deps) == 130
    left = await deps.store.query("charger_commands", Query((Filter("status", "eq", "sent"),), limit=10))
    assert left.items == []


# ---- waiting -----------------------------------------------------------------------------------


async def test_wait_for_outcome_returns_when_the_reply_lands(deps: Deps, cp1: str) -> None:
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)

    async def charger_answers() -> None:
        await asyncio.sleep(0.05)
        await record_reply(deps, cp1, CallResult(record.id, {"status": "Accepted"}))

    async with asyncio.timeout(5):
        waited, _ = await asyncio.gather(
            wait_for_outcome(deps, cp1, record.id, timeout=5, poll=0.01), charger_answers()
        )
    assert waited.status == "answered"


async def test_wait_for_outcome_gives_up_after_its_timeout(deps: Deps, cp1: str) -> None:
    record = await send_command(deps, cp1, CommandAction.remote_start_transaction, START)
    async with asyncio.timeout(5):
        waited = await wait_for_outcome(deps, cp1, record.id, timeout=0.1, poll=0.02)
    assert waited.status == "sent"
    with pytest.raises(NotFound):
        await wait_for_outcome(deps, cp1, "cmd_" + "f" * 32, timeout=0.1)

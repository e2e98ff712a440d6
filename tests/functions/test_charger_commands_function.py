"""Commands through the real functions: the reply arrives as a Web PubSub ``message`` event; the timer expires."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.functions.timer import TimerRequest

import function_app
from local_host.discovery import functions_of
from shared.bootstrap import Deps
from shared.http import webpubsub as wps
from shared.repositories.chargers import get_charger
from shared.services import charger_commands
from shared.services.charger_commands import CommandAction, CommandRecord, on_outcome, send_command
from tests.fakes import FakeClock, RecordingLink
from tests.providers_fixture import charger_body, create_provider, station_body

CONNECTION = "conn-func-1"


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[CommandRecord]:
    monkeypatch.setattr(charger_commands, "_handlers", {})  # other capabilities' handlers stay out
    seen: list[CommandRecord] = []

    @on_outcome(CommandAction.remote_start_transaction)
    async def record(deps: Deps, command: CommandRecord) -> None:
        seen.append(command)

    return seen


async def event(functions: Any, deps: Deps, ce_type: str, body: bytes, content_type: str) -> Any:
    """A Web PubSub event for CP-1's socket, signed as the service signs it."""
    headers = {"ce-type": ce_type, "ce-connectionId": CONNECTION, "ce-userId": "CP-1", "ce-hub": "ocpp",
               "ce-signature": wps.sign(CONNECTION, deps.settings.webpubsub_access_key_list),
               "content-type": content_type}  # fmt: skip
    return await functions("ocpp_webpubsub", "POST", raw=body, headers=headers)


@pytest.fixture
async def connected(deps: Deps, functions: Any) -> str:
    """CP-1, registered through the API and connected through the ``connected`` event."""
    team = await create_provider(deps, "acme")
    station = await functions("create_station", "POST", token=team.admin.token, route={"providerId": team.id},
                              body=station_body(lifecycle="active"))  # fmt: skip
    assert station.status == 201, station.json
    charger = await functions("create_charger", "POST", token=team.admin.token,
                              route={"stationId": station.json["id"]}, body=charger_body("CP-1"))  # fmt: skip
    assert charger.status == 201, charger.json
    assert (await event(functions, deps, wps.CONNECTED, b"{}", "application/json")).status == 204
    assert (await get_charger(deps.store, "CP-1")).ocpp.connection_id == CONNECTION
    return "CP-1"


async def test_the_chargers_reply_through_the_function_settles_the_command(
    deps: Deps, functions: Any, connected: str, outcomes: list[CommandRecord]
) -> None:
    payload = {"connectorId": 1, "idTag": "TAG-1"}
    record = await send_command(deps, connected, CommandAction.remote_start_transaction, payload)
    assert isinstance(deps.link, RecordingLink)
    assert deps.link.sent == [
        (CONNECTION, json.dumps([2, record.id, "RemoteStartTransaction", payload]).replace(" ", ""))
    ]

    reply = json.dumps([3, record.id, {"status": "Accepted"}]).encode()
    answer = await event(functions, deps, wps.MESSAGE, reply, "text/plain")
    assert answer.status == 204 and answer.body == b""  # an answer is never answered
    stored = CommandRecord.model_validate(await deps.store.read("charger_commands", record.id, connected))
    assert (stored.status, stored.reply) == ("answered", {"status": "Accepted"})
    assert [r.id for r in outcomes] == [record.id]

    again = await event(functions, deps, wps.MESSAGE, reply, "text/plain")  # the charger resends
    assert again.status == 204 and len(outcomes) == 1


async def test_the_timer_function_expires_silent_commands(
    deps: Deps, connected: str, clock: FakeClock, outcomes: list[CommandRecord]
) -> None:
    (timer,) = [f for f in functions_of(function_app.app) if f.get_function_name() == "expire_charger_commands"]
    trigger = timer.get_trigger()
    assert trigger.schedule == "*/15 * * * * *" and not trigger.run_on_startup
    record = await send_command(deps, connected, CommandAction.remote_start_transaction, {"idTag": "TAG-1"})
    clock.advance(seconds=deps.settings.ocpp_command_timeout_seconds)
    await timer.get_user_function()(TimerRequest(past_due=False))
    stored = CommandRecord.model_validate(await deps.store.read("charger_commands", record.id, connected))
    assert stored.status == "timed_out" and [r.status for r in outcomes] == ["timed_out"]

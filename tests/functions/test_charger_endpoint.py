"""The charger endpoints of the real app: OCPP 1.6J over a WebSocket through the local relay, and the webhook."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

import function_app
from local_host.__main__ import ocpp_mount
from local_host.server import LocalHost
from shared.bootstrap import Deps
from shared.http import webpubsub as wps
from shared.repositories.chargers import get_charger
from shared.repositories.stations import get_station
from tests.providers_fixture import CHARGER_PASSWORD, charger_body, create_provider, station_body

pytestmark = pytest.mark.e2e

STEP = 5.0  # seconds any single step may take
NOW = "2026-11-24T12:00:00.000Z"  # the FakeClock's start, as the handlers format it
BOOT = {"chargePointVendor": "ABB", "chargePointModel": "Terra 184", "firmwareVersion": "1.2.3"}


@pytest.fixture
async def station_id(deps: Deps, functions: Any) -> str:
    team = await create_provider(deps, "acme")
    created = await functions(
        "create_station", "POST", token=team.admin.token, route={"providerId": team.id},
        body=station_body(lifecycle="active"),
    )  # fmt: skip
    assert created.status == 201, created.json
    sid: str = created.json["id"]
    added = await functions("create_charger", "POST", token=team.admin.token, route={"stationId": sid},
                            body=charger_body("CP-1"))  # fmt: skip
    assert added.status == 201, added.json
    return sid


@pytest.fixture
async def host(deps: Deps, station_id: str) -> AsyncIterator[LocalHost]:
    mount = ocpp_mount(function_app.app, deps.settings)
    assert mount is not None
    app, settings = function_app.app, deps.settings
    async with LocalHost(app, settings, "127.0.0.1", 0, poll=False, timers=False, ocpp=mount) as running:
        yield running


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def open_charger(host: LocalHost, charger_id: str = "CP-1", password: str = CHARGER_PASSWORD) -> ClientConnection:
    async with asyncio.timeout(STEP):
        return await connect(
            f"ws://{host.host}:{host.port}/ocpp/{charger_id}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers=basic(charger_id, password),
            open_timeout=STEP,
        )


async def call(ws: ClientConnection, frame: Any) -> Any:
    async with asyncio.timeout(STEP):
        await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
        return json.loads(await ws.recv())


async def test_a_charger_boots_beats_and_reports_its_connectors(host: LocalHost, deps: Deps, station_id: str) -> None:
    ws = await open_charger(host)
    assert ws.subprotocol == "ocpp1.6"
    interval = deps.settings.ocpp_heartbeat_interval_seconds
    boot = await call(ws, [2, "b1", "BootNotification", BOOT])
    assert boot == [3, "b1", {"status": "Accepted", "currentTime": NOW, "interval": interval}]
    assert await call(ws, [2, "h1", "Heartbeat", {}]) == [3, "h1", {"currentTime": NOW}]
    status = {"connectorId": 2, "errorCode": "NoError", "status": "Available", "timestamp": "2026-11-24T11:59:00Z"}
    assert await call(ws, [2, "s1", "StatusNotification", status]) == [3, "s1", {}]
    older = status | {"status": "Faulted", "timestamp": "2026-11-24T11:00:00Z"}  # a late, queued report
    assert await call(ws, [2, "s2", "StatusNotification", older]) == [3, "s2", {}]
    unknown = status | {"connectorId": 7}
    assert await call(ws, [2, "s3", "StatusNotification", unknown]) == [3, "s3", {}]
    whole = {"connectorId": 0, "errorCode": "NoError", "status": "Available"}
    assert await call(ws, [2, "s4", "StatusNotification", whole]) == [3, "s4", {}]
    await ws.close()

    charger = await get_charger(deps.store, "CP-1")
    assert charger.ocpp.firmware_version == "1.2.3" and charger.ocpp.vendor == "ABB"
    assert charger.ocpp.last_boot_at == deps.clock.now() == charger.ocpp.last_heartbeat_at
    assert charger.ocpp.status == "Available"
    station = await get_station(deps.store, station_id)
    assert {c.key: c.status.value for c in station.connectors} == {"CP-1/1": "Unknown", "CP-1/2": "Available"}
    async with httpx.AsyncClient(base_url=host.url, timeout=STEP) as client:
        found = await client.get("/api/stations", params={"lat": 52.517, "lon": 13.3889, "radiusKm": 5})
    assert found.status_code == 200, found.text
    (result,) = found.json()["items"]
    assert result["availability"] == {
        "CCS2": {"available": 1, "total": 1, "suspect": 0},
        "TYPE_2": {"available": 0, "total": 1, "suspect": 0},
    }


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("not json", [4, "-1", "FormationViolation"]),
        ([2, "v1", "Heartbeat", {"extra": 1}], [4, "v1", "FormationViolation"]),
        ([2, "v2", "BootNotification", {"chargePointVendor": "ABB"}], [4, "v2", "OccurenceConstraintViolation"]),
        ([2, "v3", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Napping"}],
         [4, "v3", "PropertyConstraintViolation"]),
        ([2, "v4", "DiagnosticsStatusNotification", {"status": "Idle"}], [4, "v4", "NotSupported"]),
        ([2, "v7", "StartTransaction", {"connectorId": 1, "idTag": "T", "meterStart": "zero",
                                        "timestamp": "2026-11-24T12:00:00Z"}], [4, "v7", "TypeConstraintViolation"]),
        ([2, "v8", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "yesterday",
                                   "sampledValue": [{"value": "1"}]}]}], [4, "v8", "PropertyConstraintViolation"]),
        ([2, "v9", "StopTransaction", {"transactionId": 1, "meterStop": 5}], [4, "v9", "OccurenceConstraintViolation"]),
        ([2, "v5", "Dance", {}], [4, "v5", "NotImplemented"]),
        ([2, "v6", "DataTransfer", {"vendorId": "acme"}], [3, "v6", {"status": "UnknownVendorId"}]),
    ],
)  # fmt: skip
async def test_invalid_frames_get_the_right_callerror(host: LocalHost, frame: Any, expected: list[Any]) -> None:
    ws = await open_charger(host)
    answer = await call(ws, frame)
    assert answer[: len(expected)] == expected
    await ws.close()


@pytest.mark.parametrize(("charger_id", "password"), [("CP-1", "wrong-password"), ("CP-404", CHARGER_PASSWORD)])
async def test_wrong_credentials_are_refused(host: LocalHost, charger_id: str, password: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await open_charger(host, charger_id, password)
    assert refused.value.response.status_code == 401


async def test_the_webhook_needs_basic_auth_on_every_request(host: LocalHost) -> None:
    frame = json.dumps([2, "w1", "BootNotification", BOOT])
    async with httpx.AsyncClient(base_url=host.url, timeout=STEP) as client:
        ok = await client.post("/api/ocpp/webhook/CP-1", content=frame, headers=basic("CP-1", CHARGER_PASSWORD))
        anonymous = await client.post("/api/ocpp/webhook/CP-1", content=frame)
        wrong = await client.post("/api/ocpp/webhook/CP-1", content=frame, headers=basic("CP-1", "nope"))
        other = await client.post("/api/ocpp/webhook/CP-2", content=frame, headers=basic("CP-1", CHARGER_PASSWORD))
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")
    assert json.loads(ok.text) == [3, "w1", {"status": "Accepted", "currentTime": NOW, "interval": 300}]
    for refused in (anonymous, wrong, other):
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")


async def test_a_bad_signature_is_refused_before_anything_else(functions: Any, deps: Deps) -> None:
    headers = {"ce-type": wps.MESSAGE, "ce-connectionId": "c1", "ce-userId": "CP-1", "ce-hub": "ocpp",
               "ce-signature": wps.sign("c1", ["a-guessed-key"])}  # fmt: skip
    answer = await functions("ocpp_webpubsub", "POST", raw=b'[2,"1","Heartbeat",{}]', headers=headers)
    assert answer.status == 401
    good = headers | {"ce-signature": wps.sign("c1", deps.settings.webpubsub_access_key_list)}
    answer = await functions("ocpp_webpubsub", "POST", raw=b'[2,"1","Heartbeat",{}]', headers=good)
    assert answer.status == 200 and json.loads(answer.body)[0] == 3  # CP-1 is unknown here; Heartbeat still answers


async def test_abuse_protection_allows_only_the_configured_origins(functions: Any) -> None:
    allowed = await functions("ocpp_webpubsub", "OPTIONS", headers={"webhook-request-origin": "localhost"})
    assert allowed.status == 200 and allowed.headers["webhook-allowed-origin"] == "localhost"
    denied = await functions("ocpp_webpubsub", "OPTIONS", headers={"webhook-request-origin": "evil.example.com"})
    assert denied.status == 403

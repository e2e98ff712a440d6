"""The local OCPP WebSocket relay against a fixture charger function, with a real WebSocket client."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import azure.functions as func
import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from local_host.ocpp_relay import OcppMount
from local_host.server import LocalHost
from shared.config import Settings
from shared.http import webpubsub as wps

pytestmark = pytest.mark.e2e

KEY, PASSWORD, ORIGIN = "local-access-key-0123456789", "charger-secret", "localhost"
STEP = 5.0  # seconds any single step may take


class Charger:
    """The fixture charger function's view: every verified event, and a signal per type."""

    def __init__(self) -> None:
        self.events: list[wps.WebPubSubEvent] = []
        self.forged = 0
        self.changed = asyncio.Condition()

    async def record(self, event: wps.WebPubSubEvent) -> None:
        async with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    async def wait_for(self, kind: type[object], count: int = 1) -> list[wps.WebPubSubEvent]:
        async with asyncio.timeout(STEP), self.changed:
            await self.changed.wait_for(lambda: len(self.of(kind)) >= count)
        return self.of(kind)

    def of(self, kind: type[object]) -> list[wps.WebPubSubEvent]:
        return [e for e in self.events if isinstance(e, kind)]


def build_app(charger: Charger) -> func.FunctionApp:
    app = func.FunctionApp()

    @app.route(route="ocpp/events", methods=["POST", "OPTIONS"], auth_level=func.AuthLevel.ANONYMOUS)
    async def ocpp_events(req: func.HttpRequest) -> func.HttpResponse:
        if req.method == "OPTIONS":
            return wps.abuse_protection_response(req, [ORIGIN])
        try:
            event = wps.parse_event(req, [KEY])
        except wps.EventError as exc:
            charger.forged += 1
            return func.HttpResponse(str(exc), status_code=exc.status)
        await charger.record(event)
        if isinstance(event, wps.Connect):
            charger_id = event.query.get("chargerId", [""])[0]
            if wps.basic_credentials(event.headers) != (charger_id, PASSWORD) or "ocpp1.6" not in event.subprotocols:
                return wps.connect_refused(401, "unknown charger")
            return wps.connect_accepted(subprotocol="ocpp1.6", user_id=charger_id)
        if isinstance(event, wps.Message):
            if event.content_type == "application/octet-stream":  # binary in, binary out (reversed)
                return func.HttpResponse(event.body[::-1], mimetype="application/octet-stream")
            call = json.loads(event.text)  # raises on anything but JSON: the event fails with a 500
            return wps.message_reply(json.dumps([3, call[1], {"echo": call[2], "user": event.user_id}]))
        return wps.event_ack()

    return app


@pytest.fixture
def charger() -> Charger:
    return Charger()


@pytest.fixture
async def host(charger: Charger, tmp_path: Path) -> AsyncIterator[LocalHost]:
    settings = Settings(local_bus_path=str(tmp_path / "bus.db"))
    mount = OcppMount(function="OCPP_Events", access_key=KEY, hub="ocpp", origin=ORIGIN)
    async with LocalHost(build_app(charger), settings, "127.0.0.1", 0, poll=False, timers=False, ocpp=mount) as h:
        yield h


def ws_url(host: LocalHost, charger_id: str, query: str = "") -> str:
    return f"ws://{host.host}:{host.port}/ocpp/{charger_id}" + (f"?{query}" if query else "")


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def open_charger(host: LocalHost, charger_id: str = "CP-1", password: str = PASSWORD) -> ClientConnection:
    async with asyncio.timeout(STEP):
        return await connect(
            ws_url(host, charger_id, "v=1"),
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers=basic(charger_id, password),
            open_timeout=STEP,
        )


async def test_accepted_with_ocpp16_and_the_events_follow(host: LocalHost, charger: Charger) -> None:
    ws = await open_charger(host)
    assert ws.subprotocol == "ocpp1.6"
    (connect_event,) = charger.of(wps.Connect)
    assert isinstance(connect_event, wps.Connect)
    assert connect_event.hub == "ocpp" and connect_event.subprotocols == ("ocpp1.6",)
    assert connect_event.query == {"v": ["1"], "chargerId": ["CP-1"]}
    assert wps.basic_credentials(connect_event.headers) == ("CP-1", PASSWORD)
    (connected,) = await charger.wait_for(wps.Connected)
    assert connected.connection_id == connect_event.connection_id and connected.user_id == "CP-1"  # type: ignore[union-attr]

    async with asyncio.timeout(STEP):
        await ws.send('[2,"m1","Heartbeat",{}]')
        assert json.loads(await ws.recv()) == [3, "m1", {"echo": "Heartbeat", "user": "CP-1"}]
    (message,) = charger.of(wps.Message)
    assert isinstance(message, wps.Message) and message.content_type.startswith("text/plain")
    assert message.subprotocol == "ocpp1.6"

    await ws.close()
    (gone,) = await charger.wait_for(wps.Disconnected)
    assert isinstance(gone, wps.Disconnected) and gone.connection_id == connect_event.connection_id
    assert gone.reason and "1000" in gone.reason
    assert host.ocpp is not None and host.ocpp.connections == []
    assert charger.forged == 0


@pytest.mark.parametrize(("user", "password"), [("CP-1", "wrong"), ("CP-2", PASSWORD)])
async def test_wrong_credentials_are_refused_with_the_functions_401(
    host: LocalHost, charger: Charger, user: str, password: str
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with asyncio.timeout(STEP):
            await connect(ws_url(host, "CP-1"), subprotocols=["ocpp1.6"], additional_headers=basic(user, password))  # type: ignore[list-item]
    assert refused.value.response.status_code == 401
    assert refused.value.response.body is not None and b"unknown charger" in refused.value.response.body  # the 4xx's
    assert charger.of(wps.Connected) == [] and charger.of(wps.Disconnected) == []  # refused: never connected


async def test_a_charger_without_ocpp16_is_refused(host: LocalHost) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with asyncio.timeout(STEP):
            await connect(ws_url(host, "CP-1"), subprotocols=["ocpp2.0.1"], additional_headers=basic("CP-1", PASSWORD))  # type: ignore[list-item]
    assert refused.value.response.status_code == 401


@pytest.mark.parametrize("path", ["/ocpp/", "/ocpp/CP-1/extra", "/ocppx/CP-1"])
async def test_only_a_single_segment_after_ocpp_is_a_charger(host: LocalHost, charger: Charger, path: str) -> None:
    url = f"ws://{host.host}:{host.port}{path}"
    with pytest.raises(InvalidStatus) as refused:
        async with asyncio.timeout(STEP):
            await connect(url, subprotocols=["ocpp1.6"], additional_headers=basic("CP-1", PASSWORD))  # type: ignore[list-item]
    assert refused.value.response.status_code == 403 and charger.events == []  # no route: never relayed


async def test_binary_frames_stay_binary_and_a_failed_event_closes_the_socket(
    host: LocalHost, charger: Charger
) -> None:
    ws = await open_charger(host)
    async with asyncio.timeout(STEP):
        await ws.send(b"\x01\x02\x03")
        assert await ws.recv() == b"\x03\x02\x01"
    (binary,) = charger.of(wps.Message)
    assert isinstance(binary, wps.Message) and binary.content_type == "application/octet-stream"

    await ws.send("not a frame")  # the function raises: its 500 is not a reply
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(STEP):
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    (gone,) = await charger.wait_for(wps.Disconnected)
    assert isinstance(gone, wps.Disconnected) and gone.reason == "the message event failed with 500"
    assert host.ocpp is not None and host.ocpp.connections == []


async def test_send_and_close_connection_reach_the_client(host: LocalHost, charger: Charger) -> None:
    assert host.ocpp is not None
    ws = await open_charger(host)
    (connected,) = await charger.wait_for(wps.Connected)
    assert host.ocpp.connections == [connected.connection_id]  # type: ignore[union-attr]
    command = '[2,"c1","RemoteStartTransaction",{"idTag":"TAG1"}]'
    assert await host.ocpp.send_to_connection(connected.connection_id, command)  # type: ignore[union-attr]
    async with asyncio.timeout(STEP):
        assert await ws.recv() == command
    assert not await host.ocpp.send_to_connection("no-such-connection", command)

    assert await host.ocpp.close_connection(connected.connection_id, "bye")  # type: ignore[union-attr]
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(STEP):
            await ws.recv()
    await charger.wait_for(wps.Disconnected)
    assert host.ocpp.connections == []


async def test_the_function_rejects_a_forged_event(host: LocalHost, charger: Charger) -> None:
    headers = {"ce-type": wps.MESSAGE, "ce-connectionId": "c1", "ce-signature": wps.sign("c1", ["guessed"])}
    async with httpx.AsyncClient(base_url=host.url, timeout=STEP) as client:
        forged = await client.post("/api/ocpp/events", content=b'[2,"1","Heartbeat",{}]', headers=headers)
        validation = await client.options("/api/ocpp/events", headers={"WebHook-Request-Origin": ORIGIN})
    assert forged.status_code == 401 and charger.forged == 1 and charger.events == []
    assert validation.status_code == 200 and validation.headers["webhook-allowed-origin"] == ORIGIN


async def test_without_the_mount_there_is_no_endpoint(charger: Charger, tmp_path: Path) -> None:
    settings = Settings(local_bus_path=str(tmp_path / "bus.db"))
    async with LocalHost(build_app(charger), settings, "127.0.0.1", 0, poll=False, timers=False) as plain:
        assert plain.ocpp is None
        with pytest.raises(InvalidStatus):
            async with asyncio.timeout(STEP):
                await connect(ws_url(plain, "CP-1"), subprotocols=["ocpp1.6"])  # type: ignore[list-item]


async def test_stopping_the_host_still_delivers_disconnected(charger: Charger, tmp_path: Path) -> None:
    settings = Settings(local_bus_path=str(tmp_path / "bus.db"))
    mount = OcppMount(function="ocpp_events", access_key=KEY, origin=ORIGIN)
    local = LocalHost(build_app(charger), settings, "127.0.0.1", 0, poll=False, timers=False, ocpp=mount)
    async with local:
        ws = await open_charger(local)
        await charger.wait_for(wps.Connected)
    await charger.wait_for(wps.Disconnected)
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(STEP):
            await ws.recv()

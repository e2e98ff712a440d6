"""Web PubSub's REST API on the local relay: WebPubSubLink reaches a charger's socket exactly as in Azure.

The app is the real one and the charger a real WebSocket client. The last test
runs the relay in a second OS process sharing the SQLite store, as two hosts
would: commands sent from this process reach a charger connected over there.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from azure.core.credentials import AzureKeyCredential
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

import function_app
from local_host.__main__ import ocpp_mount
from local_host.server import LocalHost
from shared.adapters.azure.webpubsub_link import WebPubSubLink
from shared.bootstrap import Deps
from shared.domain.errors import DependencyFailed
from shared.ports.charger_link import ChargerUnreachable
from shared.repositories.chargers import get_charger
from shared.services import charger_commands
from shared.services.charger_commands import CommandAction, send_command, wait_for_outcome
from tests.fakes import FakeClock
from tests.providers_fixture import CHARGER_PASSWORD, charger_body, create_provider, station_body

pytestmark = pytest.mark.e2e

STEP = 5.0  # seconds any single step may take
ROOT = Path(__file__).resolve().parents[2]
FRAME = '[2,"cmd_x","RemoteStartTransaction",{"connectorId":1,"idTag":"Zoë-1"}]'  # not ASCII on purpose


@pytest.fixture
def clock() -> FakeClock:
    # real time: the relay's JWTs and a second process's clock must agree with the records' times
    return FakeClock(datetime.now(UTC))


@pytest.fixture
async def charger_id(deps: Deps, functions: Any) -> str:
    team = await create_provider(deps, "acme")
    created = await functions("create_station", "POST", token=team.admin.token, route={"providerId": team.id},
                              body=station_body(lifecycle="active"))  # fmt: skip
    assert created.status == 201, created.json
    added = await functions("create_charger", "POST", token=team.admin.token, route={"stationId": created.json["id"]},
                            body=charger_body("CP-1"))  # fmt: skip
    assert added.status == 201, added.json
    return "CP-1"


@pytest.fixture
async def host(deps: Deps, charger_id: str) -> AsyncIterator[LocalHost]:
    mount = ocpp_mount(function_app.app, deps.settings)
    assert mount is not None
    async with LocalHost(function_app.app, deps.settings, "127.0.0.1", 0, poll=False, timers=False, ocpp=mount) as h:
        yield h


@pytest.fixture
def key(deps: Deps) -> str:
    return deps.settings.webpubsub_access_key_list[0]


async def open_charger(url: str, charger_id: str = "CP-1") -> ClientConnection:
    auth = base64.b64encode(f"{charger_id}:{CHARGER_PASSWORD}".encode()).decode()
    async with asyncio.timeout(STEP):
        return await connect(f"{url.replace('http', 'ws', 1)}/ocpp/{charger_id}", subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                             additional_headers={"Authorization": f"Basic {auth}"}, open_timeout=STEP)  # fmt: skip


async def connection_of(deps: Deps, charger_id: str, *, connected: bool = True) -> str | None:
    """The connection id on the charger document once the ``connected`` (or ``disconnected``) event landed."""
    async with asyncio.timeout(STEP):
        while True:
            found = (await get_charger(deps.store, charger_id)).ocpp.connection_id
            if (found is not None) == connected:
                return found
            await asyncio.sleep(0.02)


def token(key: str, audience: str, *, expires_in: float = 60) -> str:
    claims = {"aud": audience, "exp": datetime.now(UTC) + timedelta(seconds=expires_in)}
    return jwt.encode(claims, key, algorithm="HS256")


async def test_the_link_sends_a_frame_to_the_charger(host: LocalHost, deps: Deps, key: str) -> None:
    ws = await open_charger(host.url)
    connection_id = await connection_of(deps, "CP-1")
    assert connection_id is not None and host.ocpp is not None and host.ocpp.connections == [connection_id]
    link = WebPubSubLink(host.url, "ocpp", access_key=key)
    try:
        await link.send(connection_id, FRAME)
        async with asyncio.timeout(STEP):
            assert await ws.recv() == FRAME  # whole, non-ASCII included

        wrong = WebPubSubLink(host.url, "ocpp", access_key="not-the-relay-key-0123456789abcdef", retries=0)
        with pytest.raises(DependencyFailed) as refused:  # our configuration is broken, not the charger offline
            await wrong.send(connection_id, '[2,"forged","Reset",{"type":"Hard"}]')
        await wrong.close()
        assert refused.value.code == "webpubsub_failed" and "401" in refused.value.detail
        with pytest.raises(ChargerUnreachable):
            await link.send("no-such-connection", FRAME)
        other_hub = WebPubSubLink(host.url, "other_hub", access_key=key)
        with pytest.raises(ChargerUnreachable):
            await other_hub.send(connection_id, FRAME)
        await other_hub.close()

        await link.send(connection_id, '[2,"after","Reset",{"type":"Soft"}]')
        async with asyncio.timeout(STEP):  # the refused frames never arrived: the next one is this
            assert await ws.recv() == '[2,"after","Reset",{"type":"Soft"}]'

        await ws.close()
        assert await connection_of(deps, "CP-1", connected=False) is None
        with pytest.raises(ChargerUnreachable):
            await link.send(connection_id, FRAME)
    finally:
        await link.close()


async def test_the_relay_checks_the_token_as_the_service_does(host: LocalHost, deps: Deps, key: str) -> None:
    ws = await open_charger(host.url)
    connection_id = await connection_of(deps, "CP-1")
    url = f"{host.url}/api/hubs/ocpp/connections/{connection_id}/:send?api-version=2024-12-01"
    text = {"content-type": "text/plain"}

    def bearer(value: str) -> dict[str, str]:
        return text | {"authorization": f"Bearer {value}"}

    elsewhere = url.replace("api-version=2024-12-01", "api-version=2021-10-01")
    unsigned = jwt.encode({"aud": url, "exp": time.time() + 60}, "", algorithm="none")
    async with httpx.AsyncClient(timeout=STEP) as http:
        missing = await http.post(url, content=FRAME, headers=text)
        expired = await http.post(url, content=FRAME, headers=bearer(token(key, url, expires_in=-5)))
        other_url = await http.post(url, content=FRAME, headers=bearer(token(key, elsewhere)))
        no_signature = await http.post(url, content=FRAME, headers=bearer(unsigned))
        method = await http.get(url, headers=bearer(token(key, url)))
        good = await http.post(url, content=FRAME.encode(), headers=bearer(token(key, url)))
        health = await http.get(f"{host.url}/api/health")
    assert [r.status_code for r in (missing, expired, other_url, no_signature)] == [401] * 4
    assert method.status_code == 405 and good.status_code == 202 and health.status_code == 200
    async with asyncio.timeout(STEP):
        assert await ws.recv() == FRAME
    await ws.close()


async def test_close_connection_through_the_sdk(host: LocalHost, deps: Deps, key: str) -> None:
    ws = await open_charger(host.url)
    connection_id = await connection_of(deps, "CP-1")
    assert connection_id is not None
    async with WebPubSubServiceClient(host.url, "ocpp", AzureKeyCredential(key)) as service:
        await service.close_connection(connection_id, reason="maintenance")
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(STEP):
            await ws.recv()
    assert await connection_of(deps, "CP-1", connected=False) is None


async def test_a_command_round_trip_over_the_socket(
    host: LocalHost, deps: Deps, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charger_commands, "_handlers", {})  # other capabilities' handlers stay out
    deps.link = WebPubSubLink(host.url, "ocpp", access_key=key)
    ws = await open_charger(host.url)
    await connection_of(deps, "CP-1")
    record = await send_command(deps, "CP-1", CommandAction.remote_start_transaction, {"connectorId": 1, "idTag": "T1"})
    async with asyncio.timeout(STEP):
        call = json.loads(await ws.recv())
        assert call == [2, record.id, "RemoteStartTransaction", {"connectorId": 1, "idTag": "T1"}]
        await ws.send(json.dumps([3, record.id, {"status": "Accepted"}]))
    settled = await wait_for_outcome(deps, "CP-1", record.id, timeout=STEP, poll=0.02)
    assert settled.status == "answered" and settled.reply == {"status": "Accepted"}
    await ws.close()


# ---- a second host process -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def other_host(deps: Deps, tmp_path: Path) -> Iterator[str]:
    """``python -m local_host`` on this test's SQLite file (and the same Web PubSub key), stopped after."""
    port = free_port()
    env = {**os.environ, "APP_ENV": "test", "JWT_SECRET": deps.settings.jwt_secret, "DEMO_DATA": "false",
           "SQLITE_PATH": deps.settings.sqlite_path, "LOCAL_BUS_PATH": str(tmp_path / "other-bus.db"),
           "PAYMENT_SIMULATOR_PATH": deps.settings.payment_simulator_path, "BLOB_ROOT": deps.settings.blob_root,
           "ADMIN_EMAIL": ""}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "local_host", "--port", str(port), "--log-level", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the other local host did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.mark.slow
async def test_a_command_from_this_process_reaches_a_charger_held_by_another(
    deps: Deps, charger_id: str, other_host: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charger_commands, "_handlers", {})
    deps.link = WebPubSubLink(other_host, "ocpp", access_key=key)  # WEBPUBSUB_ENDPOINT pointing at the other host
    ws = await open_charger(other_host, charger_id)
    await connection_of(deps, charger_id)  # written by the other process, read here
    record = await send_command(deps, charger_id, CommandAction.reset, {"type": "Soft"})
    async with asyncio.timeout(STEP):
        assert json.loads(await ws.recv()) == [2, record.id, "Reset", {"type": "Soft"}]
        await ws.send(json.dumps([3, record.id, {"status": "Rejected"}]))
    settled = await wait_for_outcome(deps, charger_id, record.id, timeout=STEP, poll=0.02)
    assert settled.status == "rejected"  # settled by the other process's charger function
    await ws.close()

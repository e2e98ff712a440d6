"""50 drivers press Start on one connector at once, through two host processes sharing one store.

The charger is connected to host A over the real WebSocket relay; host B reaches it the way a second
Functions instance reaches a charger in Azure, through Web PubSub's REST API (here host A's relay,
WEBPUBSUB_ENDPOINT). Exactly one session may come of it, and the charger is asked to start once.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from shared import bootstrap
from shared.ports.clock import SystemClock
from tests.charging_fixture import priced_station
from tests.conftest import Functions, fast_hasher, make_settings
from tests.e2e.test_two_hosts import ROOT, free_port
from tests.providers_fixture import CHARGER_PASSWORD, create_provider, driver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DRIVERS = 50
KEY = "race-webpubsub-key-0123456789abcdef"
STEP = 10.0


def _env(tmp_path: Path, secret: str, endpoint: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "test",
        "JWT_SECRET": secret,
        "SQLITE_PATH": str(tmp_path / "store.db"),
        "LOCAL_BUS_PATH": str(tmp_path / "bus.db"),
        "PAYMENT_SIMULATOR_PATH": str(tmp_path / "payments.db"),
        "BLOB_ROOT": str(tmp_path / "blobs"),
        "DEMO_DATA": "false",
        "ADMIN_EMAIL": "",
        "WEBPUBSUB_ACCESS_KEYS": KEY,
        "WEBPUBSUB_ENDPOINT": endpoint,
    }


async def _healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=1) as http:
        while True:
            assert proc.poll() is None, "the local host exited"
            try:
                if (await http.get(url + "/api/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "local host did not start"
            await asyncio.sleep(0.2)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    secret = "race-secret-" + "x" * 40
    ports = [free_port(), free_port()]
    endpoint = f"http://127.0.0.1:{ports[0]}"  # both hosts send commands through host A's relay
    settings = make_settings(
        tmp_path, JWT_SECRET=secret, WEBPUBSUB_ACCESS_KEYS=KEY, WEBPUBSUB_ENDPOINT=endpoint, ADMIN_EMAIL=""
    )
    deps = bootstrap.build(settings, clock=SystemClock())
    deps.passwords = fast_hasher()
    bootstrap.use(deps)
    functions = Functions()
    team = await create_provider(deps, "race")
    sid, _ = await priced_station(functions, team, "CP-R")
    drivers = [await driver(deps, f"racer{i}@example.com") for i in range(DRIVERS)]
    await bootstrap.close()

    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "local_host", "--port", str(p), "--log-level", "WARNING"],
            cwd=ROOT,
            env=_env(tmp_path, secret, endpoint),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for p in ports
    ]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for url, proc in zip(urls, procs, strict=True):
            await _healthy(url, proc)
        yield {"urls": urls, "station_id": sid, "drivers": drivers, "ws": f"ws://127.0.0.1:{ports[0]}/ocpp/CP-R"}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)


async def _call(ws: ClientConnection, message_id: str, action: str, payload: dict[str, Any]) -> Any:
    await ws.send(json.dumps([2, message_id, action, payload]))
    async with asyncio.timeout(STEP):
        while True:
            frame = json.loads(await ws.recv())
            if frame[0] != 2 and frame[1] == message_id:
                return frame


async def test_fifty_concurrent_starts_over_two_hosts_make_one_session(world: dict[str, Any]) -> None:
    auth = base64.b64encode(f"CP-R:{CHARGER_PASSWORD}".encode()).decode()
    async with connect(
        world["ws"], subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers={"Authorization": f"Basic {auth}"}, open_timeout=STEP,
    ) as ws:  # fmt: skip
        boot = await _call(ws, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
        assert boot[2]["status"] == "Accepted"
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for connector in (1, 2):
            status = {"connectorId": connector, "status": "Available", "errorCode": "NoError", "timestamp": now}
            await _call(ws, f"s{connector}", "StatusNotification", status)

        starts: list[Any] = []

        async def charger() -> None:  # answers every command, as a charger would
            while True:
                frame = json.loads(await ws.recv())
                if frame[0] == 2:
                    starts.append(frame)
                    await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))

        answering = asyncio.create_task(charger())
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                body = {"stationId": world["station_id"], "connectorKey": "CP-R/1"}
                answers = await asyncio.gather(
                    *(
                        http.post(
                            world["urls"][i % 2] + "/api/sessions",
                            json=body,
                            headers={"Authorization": f"Bearer {d.token}"},
                        )
                        for i, d in enumerate(world["drivers"])
                    )
                )
                await asyncio.sleep(1.0)  # let a (wrong) second RemoteStartTransaction arrive if one was sent
        finally:
            answering.cancel()
    codes = [a.status_code for a in answers]
    unusual = [(a.status_code, a.text[:300]) for a in answers if a.status_code != 409]
    assert codes.count(201) == 1, unusual
    assert codes.count(409) == DRIVERS - 1
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"connector_busy"}
    assert [f[2] for f in starts] == ["RemoteStartTransaction"]

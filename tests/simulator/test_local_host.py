"""Smoke test against the real app on a LocalHost: the simulator logs in, boots and reports its connectors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import function_app
from local_host.__main__ import ocpp_mount
from local_host.server import LocalHost
from shared.bootstrap import Deps
from shared.repositories.chargers import get_charger
from shared.repositories.stations import get_station
from simulator import ChargerRefused, SimulatedCharger
from tests.providers_fixture import CHARGER_PASSWORD, charger_body, create_provider, station_body

pytestmark = pytest.mark.e2e

STEP = 5.0


@pytest.fixture
async def station_id(deps: Deps, functions: Any) -> str:
    team = await create_provider(deps, "acme")
    created = await functions("create_station", "POST", token=team.admin.token, route={"providerId": team.id},
                              body=station_body(lifecycle="active"))  # fmt: skip
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
    async with LocalHost(function_app.app, deps.settings, "127.0.0.1", 0, poll=False, timers=False, ocpp=mount) as h:
        yield h


def ocpp_url(host: LocalHost) -> str:
    return f"ws://{host.host}:{host.port}/ocpp"


async def test_the_simulator_boots_and_its_connectors_become_available(
    host: LocalHost, deps: Deps, station_id: str
) -> None:
    before = await get_station(deps.store, station_id)
    assert {c.status.value for c in before.connectors} == {"Unknown"}
    async with SimulatedCharger(ocpp_url(host), "CP-1", CHARGER_PASSWORD, connectors=[22, 150],
                                response_timeout=STEP) as cp:  # fmt: skip
        (boot,) = await cp.wait_for_call("BootNotification")
        assert boot.response is not None and boot.response["status"] == "Accepted"
        assert cp.heartbeat_interval == deps.settings.ocpp_heartbeat_interval_seconds
        await cp.wait_for_call("StatusNotification", lambda e: e.request["connector_id"] == 2)

    station = await get_station(deps.store, station_id)
    assert {c.key: c.status.value for c in station.connectors} == {"CP-1/1": "Available", "CP-1/2": "Available"}
    charger = await get_charger(deps.store, "CP-1")
    assert charger.ocpp.vendor == "Watt's Up" and charger.ocpp.status == "Available"
    async with httpx.AsyncClient(base_url=host.url, timeout=STEP) as client:
        found = await client.get("/api/stations", params={"lat": 52.517, "lon": 13.3889, "radiusKm": 5})
    assert found.status_code == 200, found.text
    (result,) = found.json()["items"]
    assert result["availability"] == {
        "CCS2": {"available": 1, "total": 1, "suspect": 0},
        "TYPE_2": {"available": 1, "total": 1, "suspect": 0},
    }


async def test_a_wrong_password_is_refused_with_a_clear_error(host: LocalHost) -> None:
    with pytest.raises(ChargerRefused) as refused:
        async with SimulatedCharger(ocpp_url(host), "CP-1", "not-the-password", response_timeout=STEP):
            pass
    assert refused.value.status == 401
    assert "CP-1" in str(refused.value) and "wrong password" in str(refused.value)

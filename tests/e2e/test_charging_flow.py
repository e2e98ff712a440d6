"""The whole charging path on a real local host with simulated chargers (the `simulator` package over WebSocket).

Commands reach the charger through the production ChargerLink adapter (Web PubSub's REST call, answered by
the host's relay); frames come back through the relay and the charger function. The simulated car charges
600 times faster than real time so that energy and cost visibly rise within a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

import function_app
from local_host.__main__ import ocpp_mount
from local_host.server import LocalHost
from shared import bootstrap
from shared.domain.users import RfidTagCreate
from shared.services.reservation_timer import run_reservation_timer
from shared.services.rfid_tags import add_tag
from simulator import SimulatedCharger
from tests.charging_fixture import priced_station
from tests.conftest import Functions, fast_hasher, make_settings
from tests.e2e.test_two_hosts import free_port
from tests.fakes import ShiftedClock
from tests.providers_fixture import CHARGER_PASSWORD, Member, ProviderTeam, create_provider, driver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WAIT = 15.0  # seconds any awaited state may take
TARIFF = {
    "name": "E2E",
    "currency": "EUR",
    "elements": [
        {"priceComponents": [{"type": "ENERGY", "price": "0.50", "vat": "19"}]},
        {"priceComponents": [{"type": "PARKING_TIME", "price": "0"}]},
    ],
}


@dataclass
class World:
    deps: bootstrap.Deps
    clock: ShiftedClock
    host: LocalHost
    http: httpx.AsyncClient
    station_id: str
    driver: Member
    other: Member
    team: ProviderTeam

    @property
    def ocpp(self) -> str:
        return f"ws://127.0.0.1:{self.host.port}/ocpp"

    def auth(self, who: Member | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {(who or self.driver).renewed(self.deps).token}"}

    def charger(self, **options: Any) -> SimulatedCharger:
        opts: dict[str, Any] = {"meter_interval": 0.2, "speed": 600.0, "response_timeout": 5.0} | options
        return SimulatedCharger(self.ocpp, "CP-E", CHARGER_PASSWORD, connectors=[22.0, 150.0], **opts)

    async def start(self, connector: int = 1, caps: dict[str, Any] | None = None, who: Member | None = None) -> Any:
        body = {"stationId": self.station_id, "connectorKey": f"CP-E/{connector}", "caps": caps or {}}
        return await self.http.post("/api/sessions", json=body, headers=self.auth(who))

    async def session(self, session_id: str) -> dict[str, Any]:
        answer = await self.http.get(f"/api/sessions/{session_id}", headers=self.auth())
        assert answer.status_code == 200, answer.text
        view: dict[str, Any] = answer.json()
        return view

    async def until(self, session_id: str, check: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while True:
            view = await self.session(session_id)
            if check(view):
                return view
            assert time.monotonic() < deadline, f"gave up waiting for {what}: {view}"
            await asyncio.sleep(0.1)


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not await check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.1)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    port = free_port()
    settings = make_settings(tmp_path, WEBPUBSUB_ENDPOINT=f"http://127.0.0.1:{port}", SESSION_TOTALS_INTERVAL_SECONDS=1)
    clock = ShiftedClock()
    deps = bootstrap.build(settings, clock=clock)
    deps.passwords = fast_hasher()
    bootstrap.use(deps)
    functions = Functions()
    team = await create_provider(deps, "e2e")
    sid, _ = await priced_station(functions, team, "CP-E", TARIFF)
    member = await driver(deps, "e2e-driver@example.com")
    other = await driver(deps, "e2e-other@example.com")
    await add_tag(deps.store, clock, member.user_id, RfidTagCreate(id_tag="CARD-E2E"))
    mount = ocpp_mount(function_app.app, settings)
    assert mount is not None
    try:
        async with (
            LocalHost(function_app.app, settings, "127.0.0.1", port, poll=False, timers=False, ocpp=mount) as host,
            httpx.AsyncClient(base_url=host.url, timeout=WAIT) as http,
        ):
            yield World(deps, clock, host, http, sid, member, other, team)
    finally:
        await bootstrap.close()


async def test_remote_start_live_energy_and_cost_then_stop_from_the_app(world: World) -> None:
    async with world.charger() as cp:
        await cp.wait_for_status(1, "Available")
        started = await world.start()
        assert started.status_code == 201, started.text
        session_id = started.json()["id"]
        first = await world.until(session_id, lambda v: Decimal(v["energyKwh"]) > 0, "energy")
        assert first["status"] == "active" and first["powerKw"] and first["cost"]["currency"] == "EUR"
        later = await world.until(
            session_id, lambda v: Decimal(v["energyKwh"]) > Decimal(first["energyKwh"]) + Decimal("0.1"), "more energy"
        )
        assert Decimal(later["cost"]["amount"]) > Decimal(first["cost"]["amount"])
        stop = await world.http.post(f"/api/sessions/{session_id}/stop", headers=world.auth())
        assert stop.status_code == 202, stop.text
        final = await world.until(session_id, lambda v: v["status"] == "stopped", "the stop")
        assert final["stopReason"] == "Remote"
        energy = Decimal(final["energyKwh"])
        assert energy >= Decimal(later["energyKwh"])
        # the only price is 0.50 EUR/kWh + 19 % VAT, rounded once at the end
        expected = (energy * Decimal("0.50") * Decimal("1.19")).quantize(Decimal("0.01"))
        assert abs(Decimal(final["cost"]["amount"]) - expected) <= Decimal("0.01")
        assert final["anomalies"] == []


async def test_stop_at_the_charger_and_stop_by_a_cap(world: World) -> None:
    async with world.charger() as cp:
        await cp.wait_for_status(1, "Available")
        started = await world.start()
        session_id = started.json()["id"]
        await world.until(session_id, lambda v: Decimal(v["energyKwh"]) > 0, "energy")
        await cp.stop(1, "Local")
        final = await world.until(session_id, lambda v: v["status"] == "stopped", "the local stop")
        assert final["stopReason"] == "Local"
        await cp.unplug(1)
        await cp.wait_for_status(1, "Available")

        capped = await world.start(caps={"maxKwh": "1"})
        assert capped.status_code == 201, capped.text
        capped_id = capped.json()["id"]
        view = await world.until(capped_id, lambda v: v["status"] == "stopped", "the cap")
        assert view["capReached"] == "kwh"
        assert Decimal(view["energyKwh"]) >= 1


async def test_rfid_start_at_the_charger(world: World) -> None:
    async with world.charger() as cp:
        await cp.wait_for_status(1, "Available")
        assert await cp.swipe(1, "CARD-E2E") == "Accepted"

        async def listed() -> bool:
            items = (await world.http.get("/api/sessions", headers=world.auth())).json()["items"]
            return bool(items) and items[0]["status"] == "active" and Decimal(items[0]["energyKwh"]) > 0

        await eventually(listed, "the RFID session")
        [item] = (await world.http.get("/api/sessions", headers=world.auth())).json()["items"]
        assert item["origin"] == "charger"
        await cp.stop(1, "Local")
        await world.until(item["id"], lambda v: v["status"] == "stopped", "the stop")


async def test_a_reservation_is_honoured_and_another_expires(world: World) -> None:
    async with world.charger() as cp:
        await cp.wait_for_status(1, "Available")
        now = world.clock.now()
        body = {"stationId": world.station_id, "connectorKey": "CP-E/1", "startsAt": now.isoformat(),
                "durationMinutes": 30}  # fmt: skip
        booked = await world.http.post("/api/reservations", json=body, headers=world.auth())
        assert booked.status_code == 201, booked.text
        await cp.wait_for_status(1, "Reserved")
        refused = await world.start(who=world.other)
        assert (refused.status_code, refused.json()["code"]) == (409, "connector_reserved")
        started = await world.start()
        assert started.status_code == 201, started.text
        session_id = started.json()["id"]
        await world.until(session_id, lambda v: v["status"] == "active", "the reserved start")
        reservation = await world.http.get(f"/api/reservations/{booked.json()['id']}", headers=world.auth())
        assert reservation.json()["status"] == "used"
        await cp.stop(1, "Local")
        await world.until(session_id, lambda v: v["status"] == "stopped", "the stop")

        later = {**body, "connectorKey": "CP-E/2", "durationMinutes": 15}
        second = await world.http.post("/api/reservations", json=later, headers=world.auth())
        assert second.status_code == 201, second.text
        world.clock.shift(timedelta(minutes=16))  # nobody came
        await run_reservation_timer(world.deps)
        expired = await world.http.get(f"/api/reservations/{second.json()['id']}", headers=world.auth())
        assert expired.json()["status"] == "expired"


async def test_a_charger_that_drops_mid_session_and_comes_back(world: World) -> None:
    async with world.charger(reconnect=False) as cp:
        await cp.wait_for_status(1, "Available")
        started = await world.start()
        session_id = started.json()["id"]
        before = await world.until(session_id, lambda v: Decimal(v["energyKwh"]) > 0, "energy")
        await cp.drop()
        await eventually(lambda: _async(not cp.online), "the drop")
        await asyncio.sleep(1.0)  # the car keeps charging; readings queue up on the charger
        await cp.reconnect()
        after = await world.until(
            session_id, lambda v: Decimal(v["energyKwh"]) > Decimal(before["energyKwh"]) + Decimal("0.5"),
            "the readings queued offline",
        )  # fmt: skip
        assert after["status"] == "active"
        await cp.stop(1, "Local")
        final = await world.until(session_id, lambda v: v["status"] == "stopped", "the stop")
        assert Decimal(final["energyKwh"]) >= Decimal(after["energyKwh"])
        assert datetime.fromisoformat(final["stoppedAt"]) <= datetime.now(UTC) + timedelta(seconds=1)


async def _async(value: bool) -> bool:
    return value

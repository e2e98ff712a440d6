"""Reservations meet sessions: during its window only the holder starts at the connector, and using it marks it."""

from __future__ import annotations

from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.domain.users import RfidTagCreate
from shared.services.app_tags import app_id_tag
from shared.services.ocpp_handlers import ocpp_time
from shared.services.rfid_tags import add_tag
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock
from tests.providers_fixture import driver


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


async def reserve(site: Site, token: str, minutes_ahead: int = 0, duration: int = 30) -> dict[str, Any]:
    from datetime import timedelta

    starts = site.deps.clock.now() + timedelta(minutes=minutes_ahead)
    answer = await site.functions(
        "create_reservation", "POST", token=token,
        body={"stationId": site.station_id, "connectorKey": site.key(), "startsAt": ocpp_time(starts),
              "durationMinutes": duration},
    )  # fmt: skip
    assert answer.status == 201, answer.json
    body: dict[str, Any] = answer.json
    return body


async def test_only_the_holder_can_start_during_the_window(site: Site, deps: Deps) -> None:
    reservation = await reserve(site, site.tok)
    [reserve_now] = site.link.calls("ReserveNow")
    assert reserve_now[3]["idTag"] == app_id_tag(site.driver.user_id)
    await site.answer("ReserveNow", {"status": "Accepted"})
    await site.status("Reserved")

    other = await driver(deps, "other@example.com")
    refused = await site.start_from_app(token=other.token)
    assert (refused.status, refused.json["code"]) == (409, "connector_reserved")

    started = await site.start_from_app()
    assert started.status == 201, started.json
    assert started.json["reservationId"] == reservation["id"]
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    await site.start(app_id_tag(site.driver.user_id), meter_start=0)
    used = await site.functions("read_reservation", token=site.tok, route={"reservationId": reservation["id"]})
    assert used.json["status"] == "used"


async def test_an_rfid_start_by_someone_else_during_the_window_is_invalid(site: Site, deps: Deps) -> None:
    await reserve(site, site.tok)
    other = await driver(deps, "rfid@example.com")
    await add_tag(deps.store, deps.clock, other.user_id, RfidTagCreate(id_tag="OTHER-1"))
    answer = await site.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": "OTHER-1", "meterStart": 0, "timestamp": ocpp_time(deps.clock.now())},
    )
    assert answer["idTagInfo"] == {"status": "Invalid"}


async def test_after_the_window_anyone_may_start(site: Site, deps: Deps, clock: FakeClock) -> None:
    await reserve(site, site.tok, minutes_ahead=0, duration=15)
    clock.advance(minutes=16)
    other = await driver(deps, "later@example.com")
    started = await site.start_from_app(token=other.renewed(deps).token)
    assert started.status == 201, started.json

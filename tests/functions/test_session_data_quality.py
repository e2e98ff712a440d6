"""Misbehaving chargers: duplicated, out-of-order and late frames, meter resets, a StopTransaction that never comes.

Energy is never counted twice and never falls; every anomaly is recorded on the session.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.domain.users import RfidTagCreate
from shared.repositories.sessions import samples_of
from shared.services.rfid_tags import add_tag
from shared.services.session_sweep import sweep_sessions
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    built = await build_site(deps, functions)
    await add_tag(deps.store, deps.clock, built.driver.user_id, RfidTagCreate(id_tag="CARD-1"))
    return built


async def only_session(site: Site) -> dict[str, Any]:
    [item] = (await site.functions("list_my_sessions", token=site.tok)).json["items"]
    answer = await site.session(item["id"])
    view: dict[str, Any] = answer.json
    return view


def codes(view: dict[str, Any]) -> dict[str, int]:
    return {a["code"]: a["count"] for a in view["anomalies"]}


async def test_a_duplicated_meter_value_is_stored_and_counted_once(site: Site, clock: FakeClock) -> None:
    tx = await site.start("CARD-1", 1000)
    clock.advance(minutes=1)
    at = clock.now()
    await site.meter(tx, 3000, at=at)
    await site.meter(tx, 3000, at=at)
    view = await only_session(site)
    assert view["energyKwh"] == "2.000"
    assert len(await samples_of(site.deps.store, view["id"])) == 1
    await site.stop(tx, 3000)
    assert (await only_session(site))["energyKwh"] == "2.000"


async def test_out_of_order_and_late_values_do_not_move_the_totals(site: Site, deps: Deps, clock: FakeClock) -> None:
    tx = await site.start("CARD-1", 1000)
    start = clock.now()
    clock.advance(minutes=10)
    await site.meter(tx, 5000, at=start + timedelta(minutes=10))
    await site.meter(tx, 3000, at=start + timedelta(minutes=5))  # older, arrives later
    view = await only_session(site)
    assert view["energyKwh"] == "4.000"
    assert codes(view)["late_sample"] == 1
    await site.stop(tx, 5000)
    final = await only_session(site)
    assert final["energyKwh"] == "4.000"
    assert len(await samples_of(deps.store, final["id"])) == 2  # both kept for the curve


async def test_a_meter_reset_never_makes_energy_fall_or_count_twice(site: Site, clock: FakeClock) -> None:
    tx = await site.start("CARD-1", 10_000)
    for register in (12_000, 14_000):
        clock.advance(minutes=2)
        await site.meter(tx, register)
    clock.advance(minutes=2)
    await site.meter(tx, 100)  # the register restarted from zero
    view = await only_session(site)
    assert view["energyKwh"] == "4.000"
    assert "meter_reset" in codes(view)
    assert view["needsReview"] is True
    clock.advance(minutes=2)
    await site.meter(tx, 1100)  # 1 kWh more after the reset
    clock.advance(minutes=2)
    await site.stop(tx, 1600)
    final = await only_session(site)
    assert final["energyKwh"] == "5.500"  # 4 before, 1.5 after; the drop itself counts nothing
    assert final["needsReview"] is True


async def test_meter_stop_below_meter_start_keeps_the_samples_word(site: Site, clock: FakeClock) -> None:
    tx = await site.start("CARD-1", 5000)
    clock.advance(minutes=5)
    await site.meter(tx, 6000)
    await site.stop(tx, 10)
    final = await only_session(site)
    assert final["energyKwh"] == "1.000"
    assert "meter_stop_below_start" in codes(final)


async def test_frames_after_the_stop_are_recorded_not_counted(site: Site, clock: FakeClock) -> None:
    tx = await site.start("CARD-1", 0)
    clock.advance(minutes=5)
    await site.stop(tx, 1000)
    await site.meter(tx, 9000)
    again = await site.stop(tx, 9000)  # a retried StopTransaction
    assert again == {}
    final = await only_session(site)
    assert final["energyKwh"] == "1.000"
    assert codes(final)["frame_after_stop"] == 1


async def test_stop_transaction_data_fills_in_the_timeline(site: Site, clock: FakeClock) -> None:
    from shared.services.ocpp_handlers import ocpp_time

    tx = await site.start("CARD-1", 0)
    start = clock.now()
    clock.advance(minutes=20)
    data = [
        {"timestamp": ocpp_time(start + timedelta(minutes=m)),
         "sampledValue": [{"value": str(v), "context": "Sample.Periodic"}]}
        for m, v in ((5, 1000), (10, 2000), (15, 3000))
    ]  # fmt: skip
    await site.result(
        "StopTransaction",
        {"transactionId": tx, "meterStop": 3500, "timestamp": ocpp_time(clock.now()), "transactionData": data},
    )
    final = await only_session(site)
    assert final["energyKwh"] == "3.500"
    assert len(await samples_of(site.deps.store, final["id"])) == 3


async def test_a_session_without_stop_transaction_is_closed_by_the_timer_and_flagged(
    site: Site, deps: Deps, clock: FakeClock
) -> None:
    tx = await site.start("CARD-1", 0)
    clock.advance(minutes=10)
    await site.meter(tx, 2000)
    clock.advance(minutes=1)
    await site.status("Available")
    available_at = clock.now()
    clock.advance(seconds=deps.settings.session_stop_grace_seconds - 1)
    assert (await sweep_sessions(deps)).closed == 0
    clock.advance(seconds=2)
    assert (await sweep_sessions(deps)).closed == 1
    view = await only_session(site)
    assert view["status"] == "stopped"
    assert view["energyKwh"] == "2.000"
    assert view["needsReview"] is True
    assert "stop_missing" in codes(view)
    assert view["stoppedAt"].startswith(available_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert len(await site.events("SessionStopped")) == 1
    assert (await sweep_sessions(deps)).closed == 0
    # the charger comes back and sends its StopTransaction late: acknowledged and recorded
    assert await site.stop(tx, 2100, at=available_at) == {}
    assert "late_stop_transaction" in codes(await only_session(site))


async def test_meter_values_for_an_unknown_transaction_are_acknowledged(site: Site) -> None:
    assert await site.meter(987654, 100) == {}
    assert await site.stop(987654, 100) == {}


async def test_another_chargers_transaction_id_is_not_accepted(site: Site, deps: Deps, functions: Any) -> None:
    tx = await site.start("CARD-1", 0)
    other = await build_site(deps, functions, "rival", charger_id="CP-9")
    await other.meter(tx, 50_000)  # CP-9 claims CP-1's transaction: ignored
    assert (await only_session(site))["energyKwh"] == "0.000"

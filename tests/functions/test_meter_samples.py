"""``GET /api/sessions/{id}/meter-samples`` through the real HTTP function and OCPP router; the history timer.

Known readings (session started at 12:00:00 with meterStart 1000 Wh)::

    12:00:20  1200 Wh  10 kW  SoC 40      energy 0.2 kWh
    12:00:40  1400 Wh  12 kW              0.4
    12:01:10  1600 Wh  11 kW  SoC 42      0.6
    12:04:30  3000 Wh  20 kW  SoC 50      2.0
    12:05:10  3300 Wh  22 kW              2.3
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.ports.store import DocumentNotFound, Filter, Query
from shared.services import meter_history
from shared.services.app_tags import app_id_tag
from shared.services.meter_history import build_histories, history_id
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock
from tests.providers_fixture import driver, platform_admin

READINGS = [  # seconds after the start, register Wh, power W, SoC
    (20, 1200, 10_000, 40.0),
    (40, 1400, 12_000, None),
    (70, 1600, 11_000, 42.0),
    (270, 3000, 20_000, 50.0),
    (310, 3300, 22_000, None),
]
MINUTES = [  # the 1m buckets: start, energyKwh, powerKw (average), maxPowerKw, soc
    ("2026-11-24T12:00:00Z", 0.4, 11.0, 12.0, 40.0),
    ("2026-11-24T12:01:00Z", 0.6, 11.0, 11.0, 42.0),
    ("2026-11-24T12:04:00Z", 2.0, 20.0, 20.0, 50.0),
    ("2026-11-24T12:05:00Z", 2.3, 22.0, 22.0, None),
]
FIVE_MINUTES = [
    ("2026-11-24T12:00:00Z", 2.0, 13.25, 20.0, 50.0),  # (10 + 12 + 11 + 20) / 4
    ("2026-11-24T12:05:00Z", 2.3, 22.0, 22.0, None),
]


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


async def charged_session(site: Site, *, stop: bool) -> str:
    """An app session on connector 1 with READINGS, stopped at 12:06 (clock then at the stop) if ``stop``."""
    started = await site.start_from_app()
    assert started.status == 201, started.json
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    begin = site.deps.clock.now()
    tx = await site.start(app_id_tag(site.driver.user_id), meter_start=1000)
    for seconds, register, power, soc in READINGS:
        await site.meter(tx, register, power_w=power, soc=soc, at=begin + timedelta(seconds=seconds))
    if stop:
        assert isinstance(site.deps.clock, FakeClock)
        site.deps.clock.advance(seconds=360)
        await site.stop(tx, 3300)
    session_id: str = started.json["id"]
    return session_id


async def curve(site: Site, session_id: str, resolution: str | None = None, token: str | None = None) -> Any:
    params = {} if resolution is None else {"resolution": resolution}
    return await site.functions(
        "get_meter_samples", token=token or site.tok, route={"sessionId": session_id}, params=params
    )


def points(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(p["at"], p["energyKwh"], p["powerKw"], p["maxPowerKw"], p["soc"]) for p in body["points"]]


async def delete_raw_samples(deps: Deps, session_id: str) -> int:
    page = await deps.store.query(
        "meter_samples", Query((Filter("sessionId", "eq", session_id),), order_by="at", partition_key=session_id)
    )
    for doc in page.items:
        await deps.store.delete("meter_samples", doc["id"], session_id)
    return len(page.items)


async def test_buckets_hold_the_exact_energy_power_and_soc_of_known_readings(site: Site, clock: FakeClock) -> None:
    session_id = await charged_session(site, stop=False)
    raw = await curve(site, session_id, "raw")
    assert raw.status == 200, raw.json
    assert raw.json["source"] == "raw" and raw.json["resolution"] == "raw" and raw.json["bucketSeconds"] == 0
    assert [p["energyKwh"] for p in raw.json["points"]] == [0.2, 0.4, 0.6, 2.0, 2.3]
    assert [p["powerKw"] for p in raw.json["points"]] == [10.0, 12.0, 11.0, 20.0, 22.0]
    assert raw.json["points"][0]["at"] == "2026-11-24T12:00:20Z"

    minute = await curve(site, session_id, "1m")
    assert (minute.json["resolution"], minute.json["bucketSeconds"], minute.json["truncated"]) == ("1m", 60, False)
    assert points(minute.json) == MINUTES
    assert points((await curve(site, session_id, "5m")).json) == FIVE_MINUTES
    assert points((await curve(site, session_id)).json) == FIVE_MINUTES  # 5m is the default
    assert points((await curve(site, session_id, "1h")).json) == [("2026-11-24T12:00:00Z", 2.3, 15.0, 22.0, 50.0)]


async def test_a_bad_resolution_is_422_with_its_own_code(site: Site) -> None:
    session_id = await charged_session(site, stop=False)
    for bad in ("2m", "RAW", "", "1m;drop"):
        answer = await curve(site, session_id, bad)
        assert answer.status == 422, (bad, answer.json)
        assert answer.json["code"] == "invalid_resolution"
        assert answer.json["allowed"] == ["raw", "1m", "5m", "15m", "1h", "1d"]


async def test_more_points_than_the_limit_is_422_naming_a_resolution_that_fits(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = await charged_session(site, stop=False)
    monkeypatch.setattr(meter_history, "MAX_POINTS", 3)
    answer = await curve(site, session_id, "1m")  # 4 buckets
    assert answer.status == 422, answer.json
    assert (answer.json["code"], answer.json["maxPoints"], answer.json["suggestedResolution"]) == (
        "too_many_points", 3, "5m",
    )  # fmt: skip
    assert (await curve(site, session_id, "raw")).json["code"] == "too_many_points"
    assert len((await curve(site, session_id, "5m")).json["points"]) == 2


async def test_only_the_driver_the_stations_provider_and_admins_see_the_curve(
    site: Site, deps: Deps, functions: Any
) -> None:
    session_id = await charged_session(site, stop=False)
    stranger = await driver(deps, "stranger@example.com")
    rival = await build_site(deps, functions, "rival", charger_id="CP-9")
    for token in (stranger.token, rival.team.admin.token, rival.team.staff.token, rival.driver.renewed(deps).token):
        answer = await curve(site, session_id, "1m", token=token)
        assert answer.status == 404, answer.json
        assert answer.json["code"] == "session_not_found"
    for token in (site.tok, site.team.admin.token, site.team.staff.token, platform_admin(deps).token):
        answer = await curve(site, session_id, "1m", token=token)
        assert answer.status == 200, answer.json
        assert points(answer.json) == MINUTES
    assert (await site.functions("get_meter_samples", route={"sessionId": session_id})).status == 401
    assert (await curve(site, "ses_abc_def", "1m")).status == 404


async def test_the_history_is_served_once_the_raw_samples_are_gone(site: Site, deps: Deps, clock: FakeClock) -> None:
    session_id = await charged_session(site, stop=True)
    clock.advance(minutes=11)
    run = await build_histories(deps)
    assert (run.built, run.scanned) == (1, 1)
    history = await deps.store.read("meter_samples", history_id(session_id), session_id)
    assert "ttl" not in history and "at" not in history  # kept for good; never one of the samples
    assert (history["bucketSeconds"], history["sampleCount"], len(history["buckets"])) == (60, 5, 4)
    before = (await curve(site, session_id, "raw")).json  # the history is not one of the samples
    assert (before["source"], len(before["points"])) == ("raw", 5)
    assert await delete_raw_samples(deps, session_id) == 5

    minute = await curve(site, session_id, "1m")
    assert minute.status == 200, minute.json
    assert minute.json["source"] == "history"
    assert points(minute.json) == MINUTES
    assert points((await curve(site, session_id, "5m")).json) == FIVE_MINUTES
    raw = (await curve(site, session_id, "raw")).json  # no finer than the history's buckets
    assert (raw["source"], raw["resolution"], raw["bucketSeconds"]) == ("history", "1m", 60)
    assert points(raw) == MINUTES
    energies = [p["energyKwh"] for p in raw["points"]]
    assert energies == sorted(energies)


async def test_the_timer_waits_for_the_stop_to_settle_is_idempotent_and_bounded(
    site: Site, deps: Deps, clock: FakeClock
) -> None:
    sessions = []
    for _ in range(3):  # each takes 6 minutes: stopped at 12:06, 12:12:30 and 12:19
        sessions.append(await charged_session(site, stop=True))
        clock.advance(seconds=30)
    live = await charged_session(site, stop=False)  # never gets a history while it runs
    early = await build_histories(deps)  # at 12:19:30 only the first has been stopped 10 minutes
    assert (early.scanned, early.built) == (1, 1)
    clock.advance(minutes=11)

    first = await build_histories(deps, build_limit=1)
    assert (first.scanned, first.existing, first.built) == (2, 1, 1)  # the cursor's own second is read again
    second = await build_histories(deps, build_limit=1)
    assert (second.scanned, second.existing, second.built) == (2, 1, 1)
    third = await build_histories(deps, build_limit=1)
    assert (third.scanned, third.existing, third.built) == (1, 1, 0)

    stored = [await deps.store.read("meter_samples", history_id(s), s) for s in sessions]
    await deps.store.delete("meter_samples", "history-cursor", "history-cursor")  # forget where it was
    again = await build_histories(deps)
    assert (again.built, again.existing, again.scanned) == (0, 3, 3)
    assert [await deps.store.read("meter_samples", history_id(s), s) for s in sessions] == stored  # untouched
    with pytest.raises(DocumentNotFound):
        await deps.store.read("meter_samples", history_id(live), live)
    assert (await build_histories(deps, scan_limit=1)).scanned == 1  # from the cursor's second: one looked at


async def test_a_session_without_samples_gets_no_history(site: Site, deps: Deps, clock: FakeClock) -> None:
    started = await site.start_from_app()
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    tx = await site.start(app_id_tag(site.driver.user_id), meter_start=1000)
    clock.advance(minutes=5)
    await site.stop(tx, 1000)
    clock.advance(minutes=11)
    run = await build_histories(deps)
    assert (run.scanned, run.empty, run.built) == (1, 1, 0)
    body = (await curve(site, started.json["id"], "1m")).json
    assert (body["source"], body["points"]) == ("raw", [])


async def test_raw_samples_expire_after_the_retention_setting(deps: Deps, functions: Any, clock: FakeClock) -> None:
    deps.settings = deps.settings.model_copy(update={"meter_sample_retention_days": 7})
    site = await build_site(deps, functions)
    tx = await site.start("STRANGER-TAG", meter_start=0)
    clock.advance(minutes=1)
    await site.meter(tx, 500)
    page = await deps.store.query("meter_samples", Query((Filter("type", "eq", "sample"),), limit=10))
    assert [doc["ttl"] for doc in page.items] == [7 * 86400]

"""Charging sessions through the real HTTP functions and the real OCPP router, with a recording ChargerLink.

Amounts are checked exactly: the site's tariff is 0.40 EUR/kWh and 6.00 EUR/h parking, both plus 19 % VAT.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.services.app_tags import app_id_tag
from shared.services.session_sweep import sweep_sessions
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock
from tests.providers_fixture import driver, platform_admin


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


async def active_app_session(
    site: Site, caps: dict[str, Any] | None = None, meter_start: int = 1000
) -> tuple[str, int]:
    started = await site.start_from_app(caps=caps)
    assert started.status == 201, started.json
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    transaction_id = await site.start(app_id_tag(site.driver.user_id), meter_start)
    return started.json["id"], transaction_id


async def test_a_remote_start_is_pending_then_active_when_the_charger_starts(site: Site) -> None:
    started = await site.start_from_app()
    assert started.status == 201, started.json
    body = started.json
    assert body["status"] == "pending"
    assert started.headers["location"] == f"/api/sessions/{body['id']}"
    [call] = site.link.calls("RemoteStartTransaction")
    assert call[3] == {"connectorId": 1, "idTag": app_id_tag(site.driver.user_id)}
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})

    transaction_id = await site.start(app_id_tag(site.driver.user_id), meter_start=1000)
    view = (await site.session(body["id"])).json
    assert view["status"] == "active"
    assert view["transactionId"] == transaction_id
    assert view["energyKwh"] == "0.000"
    assert [e.type for e in await site.events("SessionStarted")] == ["SessionStarted"]


async def test_energy_and_cost_rise_with_meter_values_and_the_final_cost_is_exact(site: Site, clock: FakeClock) -> None:
    session_id, tx = await active_app_session(site)
    clock.advance(minutes=30)
    await site.meter(tx, 6000)  # 5 kWh
    view = (await site.session(session_id)).json
    assert view.get("energyKwh") == "5.000", view
    assert view["powerKw"] == 11.0
    assert view["cost"] == {"amount": "2.38", "currency": "EUR"}  # 5 x 0.40 = 2.00 + 19 %
    clock.advance(minutes=30)
    await site.meter(tx, 11000)  # 10 kWh
    view = (await site.session(session_id)).json
    assert view["energyKwh"] == "10.000"
    assert view["cost"] == {"amount": "4.76", "currency": "EUR"}
    assert view["durationSeconds"] == 3600
    [listed] = (await site.functions("list_my_sessions", token=site.tok)).json["items"]
    assert listed["cost"] == {"amount": "4.76", "currency": "EUR"}  # the totals were written with that reading

    stopped = await site.functions("stop_session", "POST", token=site.tok, route={"sessionId": session_id})
    assert stopped.status == 202, stopped.json
    [stop_call] = site.link.calls("RemoteStopTransaction")
    assert stop_call[3] == {"transactionId": tx}
    await site.answer("RemoteStopTransaction", {"status": "Accepted"})
    assert await site.stop(tx, 11500, reason="Remote") == {}
    final = (await site.session(session_id)).json
    assert final["status"] == "stopped"
    assert final["energyKwh"] == "10.500"
    assert final["cost"] == {"amount": "5.00", "currency": "EUR"}  # 10.5 x 0.40 = 4.20 + 0.798 VAT
    assert final["stopReason"] == "Remote"
    [stopped_event] = await site.events("SessionStopped")
    assert stopped_event.body["energyWh"] == 10500
    assert stopped_event.body["costTotal"] == "5.00"
    assert stopped_event.tenant_id == site.team.id


async def test_polling_with_if_none_match_gets_304_until_something_changes(site: Site, clock: FakeClock) -> None:
    session_id, tx = await active_app_session(site)
    first = await site.session(session_id)
    etag = first.headers["etag"]
    same = await site.functions(
        "get_session", token=site.tok, route={"sessionId": session_id}, headers={"If-None-Match": etag}
    )
    assert same.status == 304
    assert same.body == b""
    clock.advance(seconds=10)
    await site.meter(tx, 1500)
    changed = await site.functions(
        "get_session", token=site.tok, route={"sessionId": session_id}, headers={"If-None-Match": etag}
    )
    assert changed.status == 200
    assert changed.json["energyKwh"] == "0.500"
    assert changed.headers["etag"] != etag


async def test_a_second_start_on_a_busy_connector_is_refused(site: Site, deps: Deps) -> None:
    await active_app_session(site)
    other = await driver(deps, "second@example.com")
    refused = await site.start_from_app(token=other.token)
    assert refused.status == 409
    assert refused.json["code"] in ("connector_busy", "connector_unavailable")


async def test_concurrent_starts_on_one_connector_make_exactly_one_session(site: Site, deps: Deps) -> None:
    drivers = [await driver(deps, f"racer{i}@example.com") for i in range(12)]
    answers = await asyncio.gather(*(site.start_from_app(token=d.token) for d in drivers))
    statuses = sorted(a.status for a in answers)
    assert statuses.count(201) == 1, [a.json for a in answers]
    assert all(a.json["code"] == "connector_busy" for a in answers if a.status == 409)
    assert len(site.link.calls("RemoteStartTransaction")) == 1


async def test_a_refused_remote_start_fails_the_session(site: Site) -> None:
    started = await site.start_from_app()
    await site.answer("RemoteStartTransaction", {"status": "Rejected"})
    view = (await site.session(started.json["id"])).json
    assert view["status"] == "failed"
    assert view["failureReason"] == "charger_rejected"
    again = await site.start_from_app()  # the connector is free again
    assert again.status == 201, again.json


async def test_a_start_the_charger_never_makes_times_out(site: Site, deps: Deps, clock: FakeClock) -> None:
    started = await site.start_from_app()
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    clock.advance(seconds=deps.settings.session_start_timeout_seconds - 1)
    assert (await sweep_sessions(deps)).failed == 0
    clock.advance(seconds=2)
    assert (await sweep_sessions(deps)).failed == 1
    view = (await site.session(started.json["id"])).json
    assert (view["status"], view["failureReason"]) == ("failed", "start_timeout")
    [failed] = await site.events("SessionStopped")
    assert failed.body["status"] == "failed"
    assert (await sweep_sessions(deps)).failed == 0  # idempotent


async def test_an_offline_charger_refuses_the_start_and_frees_the_connector(site: Site) -> None:
    from tests.charging_fixture import CONNECTION

    site.link.unreachable.add(CONNECTION)
    refused = await site.start_from_app()
    assert refused.status == 409
    assert refused.json["code"] == "charger_offline"
    site.link.unreachable.clear()
    assert (await site.start_from_app()).status == 201


async def test_a_retried_start_transaction_gets_the_same_transaction_id(site: Site) -> None:
    from shared.domain.users import RfidTagCreate
    from shared.services.rfid_tags import add_tag

    await add_tag(site.deps.store, site.deps.clock, site.driver.user_id, RfidTagCreate(id_tag="CARD-1"))
    first = await site.start("CARD-1")
    again = await site.start("card-1")
    assert first == again
    listed = await site.functions("list_my_sessions", token=site.tok)
    assert [s["transactionId"] for s in listed.json["items"]] == [first]
    assert listed.json["items"][0]["origin"] == "charger"


async def test_an_rfid_session_is_started_and_stopped_at_the_charger(site: Site, clock: FakeClock) -> None:
    from shared.domain.users import RfidTagCreate
    from shared.services.rfid_tags import add_tag

    await add_tag(site.deps.store, clock, site.driver.user_id, RfidTagCreate(id_tag="CARD-2"))
    tx = await site.start("CARD-2", meter_start=500)
    clock.advance(minutes=10)
    await site.meter(tx, 2.5, unit="kWh")  # 2.5 kWh register = 2500 Wh: 2 kWh charged
    assert await site.stop(tx, 2600, reason="Local") == {}
    [item] = (await site.functions("list_my_sessions", token=site.tok)).json["items"]
    assert (item["status"], item["energyKwh"], item["stopReason"]) == ("stopped", "2.100", "Local")


async def test_an_unknown_tag_gets_invalid_and_its_session_is_recorded(site: Site) -> None:
    answer = await site.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": "STRANGER", "meterStart": 0, "timestamp": "2026-11-24T12:00:00Z"},
    )
    assert answer["idTagInfo"] == {"status": "Invalid"}
    assert isinstance(answer["transactionId"], int)


async def test_an_energy_cap_stops_the_session(site: Site, clock: FakeClock) -> None:
    session_id, tx = await active_app_session(site, caps={"maxKwh": "2"})
    clock.advance(minutes=5)
    await site.meter(tx, 2500)
    assert site.link.calls("RemoteStopTransaction") == []
    clock.advance(minutes=5)
    await site.meter(tx, 3000)  # 2 kWh
    [stop_call] = site.link.calls("RemoteStopTransaction")
    assert stop_call[3] == {"transactionId": tx}
    view = (await site.session(session_id)).json
    assert view["capReached"] == "kwh"
    assert [e.body["cap"] for e in await site.events("CapReached")] == ["kwh"]
    await site.meter(tx, 3050)  # the charger has not stopped yet: not asked twice
    assert len(site.link.calls("RemoteStopTransaction")) == 1


async def test_a_cost_cap_and_a_duration_cap(site: Site, deps: Deps, clock: FakeClock) -> None:
    session_id, tx = await active_app_session(site, caps={"maxCost": "1.00"})
    clock.advance(minutes=5)
    await site.meter(tx, 3200)  # 2.2 kWh = 0.88 + VAT = 1.05
    assert (await site.session(session_id)).json["capReached"] == "cost"
    await site.answer("RemoteStopTransaction", {"status": "Accepted"})
    await site.stop(tx, 3200, reason="Remote")

    second, tx2 = await active_app_session(site, caps={"maxMinutes": 15}, meter_start=5000)
    clock.advance(minutes=16)
    assert (await sweep_sessions(deps)).capped == 1
    assert (await site.session(second)).json["capReached"] == "minutes"
    assert site.link.calls("RemoteStopTransaction")[-1][3] == {"transactionId": tx2}


async def test_idle_time_is_tracked_and_priced_as_parking(site: Site, clock: FakeClock) -> None:
    session_id, tx = await active_app_session(site)
    clock.advance(minutes=30)
    await site.meter(tx, 6000)
    await site.status("SuspendedEV")
    clock.advance(minutes=20)
    view = (await site.session(session_id)).json
    assert view["idle"] is True
    assert view["idleSeconds"] == 1200
    # 5 kWh x 0.40 = 2.00, 1/3 h x 6.00 = 2.00; 4.00 + 19 % = 4.76
    assert view["cost"] == {"amount": "4.76", "currency": "EUR"}
    assert [e.type for e in await site.events("IdleStarted")] == ["IdleStarted"]
    await site.stop(tx, 6000, reason="EVDisconnected")
    final = (await site.session(session_id)).json
    assert final["idleSeconds"] == 1200
    assert final["cost"] == {"amount": "4.76", "currency": "EUR"}


async def test_tenancy_of_sessions(site: Site, deps: Deps, functions: Any) -> None:
    session_id, _ = await active_app_session(site)
    stranger = await driver(deps, "stranger@example.com")
    rival = await build_site(deps, functions, "rival", charger_id="CP-9")
    assert (await site.session(session_id, token=stranger.token)).status == 404
    assert (await site.session(session_id, token=rival.team.admin.token)).status == 404
    assert (await site.session(session_id, token=site.team.staff.token)).status == 200
    assert (await site.session(session_id, token=platform_admin(deps).token)).status == 200
    stop = await functions("stop_session", "POST", token=stranger.token, route={"sessionId": session_id})
    assert stop.status == 404
    assert (await functions("list_my_sessions", token=stranger.token)).json["items"] == []
    own = await functions("list_provider_sessions", token=site.team.staff.token, route={"providerId": site.team.id})
    assert [s["id"] for s in own.json["items"]] == [session_id]
    foreign = await functions(
        "list_provider_sessions", token=rival.team.admin.token, route={"providerId": site.team.id}
    )
    assert foreign.status == 404
    theirs = await functions(
        "list_provider_sessions", token=rival.team.admin.token, route={"providerId": rival.team.id}
    )
    assert theirs.json["items"] == []


async def test_a_session_id_that_cannot_exist_is_404(site: Site) -> None:
    for bad in ("nope", "ses_", "ses_x_y_z", "ses_abc_def"):
        answer = await site.session(bad)
        assert answer.status in (404, 422), (bad, answer.json)


async def test_a_faulted_or_missing_connector_cannot_be_started(site: Site) -> None:
    await site.status("Faulted", error="GroundFailure")
    refused = await site.start_from_app()
    assert refused.status == 409
    assert (refused.json["code"], refused.json["connectorStatus"]) == ("connector_unavailable", "Faulted")
    missing = await site.functions(
        "start_session", "POST", token=site.tok, body={"stationId": site.station_id, "connectorKey": "CP-1/9"}
    )
    assert (missing.status, missing.json["code"]) == (404, "connector_not_found")
    bad = await site.functions(
        "start_session", "POST", token=site.tok, body={"stationId": site.station_id, "connectorKey": "CP-1"}
    )
    assert (bad.status, bad.json["code"]) == (422, "validation_failed")
    assert site.link.calls("RemoteStartTransaction") == []
    assert [e.type for e in await site.events("StationFaulted")] == ["StationFaulted"]


async def test_a_cap_reached_while_the_charger_is_unreachable_is_asked_again(
    site: Site, deps: Deps, clock: FakeClock
) -> None:
    from tests.charging_fixture import CONNECTION

    session_id, tx = await active_app_session(site, caps={"maxKwh": "1"})
    site.link.unreachable.add(CONNECTION)  # the socket is half-open: frames arrive, commands do not go out
    clock.advance(minutes=5)
    await site.meter(tx, 2500)
    assert (await site.session(session_id)).json["capReached"] == "kwh"
    assert site.link.calls("RemoteStopTransaction") == []
    await sweep_sessions(deps)
    assert site.link.calls("RemoteStopTransaction") == []
    site.link.unreachable.clear()
    await sweep_sessions(deps)
    [stop] = site.link.calls("RemoteStopTransaction")
    assert stop[3] == {"transactionId": tx}
    await sweep_sessions(deps)  # asked once: the answer is awaited, not asked again
    assert len(site.link.calls("RemoteStopTransaction")) == 1


async def test_a_claim_whose_session_is_not_written_yet_is_held_until_its_grace_ends(
    site: Site, deps: Deps, clock: FakeClock
) -> None:
    from shared.domain.sessions import session_id_for
    from shared.repositories.sessions import put_claim

    # another worker took the claim and has not written its session document yet
    ghost = session_id_for(site.station_id, "0123456789abcdef")
    assert await put_claim(deps.store, site.station_id, site.key(), ghost, clock.now(), None)
    refused = await site.start_from_app()
    assert (refused.status, refused.json["code"]) == (409, "connector_busy")
    clock.advance(seconds=61)  # that worker died between the two writes: the claim is stale
    assert (await site.start_from_app()).status == 201

"""'Report a problem': the provider is told, the connector is suspect on the station (detail and search read
it there) until the provider resolves it or a later session at that connector delivers energy."""

from __future__ import annotations

from typing import Any

import azure.functions as func
from azure.functions.servicebus import ServiceBusMessage

from shared.bootstrap import Deps
from shared.domain.messages import Message
from shared.repositories.reviews import find_problem
from shared.repositories.stations import read_station
from shared.services.app_tags import app_id_tag
from shared.services.problems import on_session_event
from shared.services.reviews_outbox import flush_outbox
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock
from tests.functions.test_reviews import notifications, site
from tests.providers_fixture import driver

__all__ = ["site"]  # the fixture, imported for these tests


async def report(site: Site, body: dict[str, Any], token: str | None = None) -> Any:
    return await site.functions(
        "report_problem", "POST", token=token or site.tok, route={"stationId": site.station_id}, body=body
    )


async def suspects(site: Site) -> dict[str, bool]:
    station = await read_station(site.deps.store, site.team.id, site.station_id)
    return {c.key: c.suspect for c in station.connectors}


async def resolve(site: Site, problem_id: str, token: str | None = None, note: str = "Cable replaced") -> Any:
    return await site.functions(
        "resolve_problem", "POST", token=token or site.team.staff.token, route={"problemId": problem_id},
        body={"note": note},
    )  # fmt: skip


async def test_a_connector_problem_tells_the_provider_and_marks_the_connector_until_resolved(
    site: Site, deps: Deps, functions: Any
):
    await notifications(deps)
    made = await report(site, {"connectorKey": site.key(2), "kind": "damaged_cable", "text": "Plug is cracked"})
    assert made.status == 201, made.json
    problem = made.json
    assert made.headers["location"] == f"/api/problems/{problem['id']}"
    assert problem["status"] == "open" and problem["kind"] == "damaged_cable"
    assert await suspects(site) == {site.key(1): False, site.key(2): True}
    detail = await site.functions("read_station", route={"stationId": site.station_id})
    assert [c["suspect"] for c in detail.json["connectors"]] == [False, True]
    lon, lat = detail.json["location"]["coordinates"]
    found = await site.functions("search_stations", params={"lat": str(lat), "lon": str(lon), "radiusKm": "1"})
    [result] = [r for r in found.json["items"] if r["id"] == site.station_id]
    assert result["availability"]["CCS2"]["suspect"] == 1  # the map shows the mark too

    [told] = await notifications(deps, "ProblemReported")
    assert told.tenant_id == site.team.id
    assert told.body == {
        "kind": "ProblemReported",
        "providerId": site.team.id,
        "stationId": site.station_id,
        "stationName": "Depot Mitte",
        "problemId": problem["id"],
        "connectorKey": site.key(2),
        "problemKind": "damaged_cable",
        "text": "Plug is cracked",
    }

    listed = await site.functions(
        "list_provider_problems", token=site.team.admin.token, route={"providerId": site.team.id}
    )
    assert [p["id"] for p in listed.json["items"]] == [problem["id"]]
    rival = await build_site(deps, functions, key="rival", charger_id="CP-R")
    assert (await resolve(site, problem["id"], token=rival.team.admin.token)).status == 404
    foreign_list = await site.functions(
        "list_provider_problems", token=rival.team.admin.token, route={"providerId": site.team.id}
    )
    assert foreign_list.status == 404
    assert (await resolve(site, problem["id"], token=site.tok)).status == 403  # a driver

    done = await resolve(site, problem["id"])
    assert done.status == 200, done.json
    assert done.json["status"] == "resolved" and done.json["resolution"] == "provider"
    assert done.json["resolvedBy"] == site.team.staff.user_id and done.json["resolutionNote"] == "Cable replaced"
    assert await suspects(site) == {site.key(1): False, site.key(2): False}
    assert (await resolve(site, problem["id"])).status == 200  # resolving again is harmless
    back = await notifications(deps, "ProblemResolved")
    assert [(m.body["userId"], m.body["note"]) for m in back] == [(site.driver.user_id, "Cable replaced")]
    open_now = await site.functions(
        "list_provider_problems", token=site.team.admin.token, route={"providerId": site.team.id},
        params={"status": "open"},
    )  # fmt: skip
    assert open_now.json["items"] == []


async def test_the_mark_stays_while_another_problem_there_is_open(site: Site, deps: Deps):
    other = await driver(deps, "other@example.com", card=None)
    first = (await report(site, {"connectorKey": site.key(1), "kind": "broken"})).json["id"]
    await report(site, {"connectorKey": site.key(1), "kind": "blocked", "text": "ICE car"}, token=other.token)
    assert (await resolve(site, first)).status == 200
    assert (await suspects(site))[site.key(1)] is True
    station_wide = await report(site, {"kind": "other", "text": "Lights out at night"})
    assert station_wide.status == 201 and station_wide.json["connectorKey"] is None


async def test_reports_are_checked(site: Site):
    assert (await report(site, {"connectorKey": "CP-1/9", "kind": "broken"})).json["code"] == "connector_not_found"
    assert (await report(site, {"kind": "other"})).status == 422  # say what
    assert (await report(site, {"kind": "on_fire"})).status == 422
    assert (await report(site, {"kind": "broken", "text": "a\x00b"})).status == 422
    anonymous = await site.functions(
        "report_problem", "POST", route={"stationId": site.station_id}, body={"kind": "broken"}
    )
    assert anonymous.status == 401
    assert await suspects(site) == {site.key(1): False, site.key(2): False}


async def test_a_later_session_that_delivers_energy_lifts_the_mark(site: Site, deps: Deps, clock: FakeClock):
    made = await report(site, {"connectorKey": site.key(1), "kind": "broken"})
    problem_id = made.json["id"]
    clock.advance(minutes=5)
    await site.events()  # drop what the set-up published
    started = await site.start_from_app()
    assert started.status == 201, started.json
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    tx = await site.start(app_id_tag(site.driver.user_id), 1000)
    clock.advance(minutes=1)
    during = await report(site, {"connectorKey": site.key(1), "kind": "damaged_cable", "text": "Sparks"})
    clock.advance(minutes=20)
    await site.stop(tx, 4000)
    [stopped] = await site.events("SessionStopped")

    handler = consumer()
    delivery = ServiceBusMessage(
        body=stopped.to_json().encode(), message_id=stopped.id, application_properties={}, user_properties={}
    )
    await handler(delivery)
    await handler(delivery)  # redelivered: processed once
    first = await site.functions(
        "list_provider_problems", token=site.team.admin.renewed(deps).token, route={"providerId": site.team.id}
    )
    by_id = {p["id"]: p for p in first.json["items"]}
    assert by_id[problem_id]["status"] == "resolved"
    assert by_id[problem_id]["resolution"] == "session_succeeded"
    assert by_id[problem_id]["resolvedBy"] == started.json["id"]
    # reported while that session was running: not cleared by it, so the connector stays suspect
    assert by_id[during.json["id"]]["status"] == "open"
    assert (await suspects(site))[site.key(1)] is True
    assert (await resolve(site, during.json["id"], token=site.team.staff.renewed(deps).token)).status == 200
    assert (await suspects(site))[site.key(1)] is False


async def test_a_session_without_energy_or_on_another_connector_lifts_nothing(site: Site, deps: Deps, clock: FakeClock):
    await report(site, {"connectorKey": site.key(1), "kind": "broken"})
    clock.advance(minutes=5)
    body = {"sessionId": "ses_x_y", "stationId": site.station_id, "connectorKey": site.key(1), "status": "stopped"}
    empty = Message(
        id="SessionStopped:empty", type="SessionStopped", occurred_at=clock.now(), body={**body, "energyWh": 0}
    )
    assert await on_session_event(deps, empty) == "ignored"
    failed = Message(
        id="SessionStopped:failed", type="SessionStopped", occurred_at=clock.now(), body={**body, "status": "failed"}
    )
    assert await on_session_event(deps, failed) == "ignored"

    await site.events()
    started = await site.start_from_app(connector_id=2)
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    tx = await site.start(app_id_tag(site.driver.user_id), 1000, connector_id=2)
    clock.advance(minutes=10)
    await site.stop(tx, 3000)
    [stopped] = await site.events("SessionStopped")
    assert stopped.body["sessionId"] == started.json["id"]
    assert await on_session_event(deps, stopped) == "closed 0"
    assert await on_session_event(deps, stopped) == "duplicate"
    assert await suspects(site) == {site.key(1): True, site.key(2): False}


def consumer() -> Any:
    import function_app
    from local_host.discovery import functions_of

    [fn] = [f for f in functions_of(function_app.app) if f.get_function_name() == "reviews_session_events"]
    trigger = fn.get_trigger()
    assert (trigger.topic_name, trigger.subscription_name) == ("%SessionEventsTopic%", "reviews")
    user_function = fn.get_user_function()

    async def call(msg: func.ServiceBusMessage) -> None:
        await user_function(msg)

    return call


async def test_a_notification_the_bus_refused_is_sent_by_the_outbox_timer(site: Site, deps: Deps, monkeypatch: Any):
    await notifications(deps)
    publish = deps.bus.publish

    async def down(destination: str, message: Message) -> None:
        raise ConnectionError("bus unreachable")

    monkeypatch.setattr(deps.bus, "publish", down)
    made = await report(site, {"connectorKey": site.key(1), "kind": "blocked", "text": "Parked car"})
    assert made.status == 201, made.json  # the report is kept; only its notification waits
    stored = await find_problem(deps.store, made.json["id"])
    assert stored is not None and stored.has_pending_messages and len(stored.pending_messages) == 1

    monkeypatch.setattr(deps.bus, "publish", publish)
    assert await flush_outbox(deps) == 1
    assert await flush_outbox(deps) == 0  # sent and cleared
    [told] = await notifications(deps, "ProblemReported")
    assert told.body["problemId"] == made.json["id"]
    stored = await find_problem(deps.store, made.json["id"])
    assert stored is not None and stored.pending_messages == [] and not stored.has_pending_messages

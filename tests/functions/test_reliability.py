"""Station reliability: the timer scores stations, search and detail show it, ranking demotes failing ones."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from azure.functions.timer import TimerRequest

import function_app
from local_host.discovery import functions_of
from shared.domain.chargers import Charger, ChargerConnector, ChargerOcppState
from shared.domain.sessions import ChargingSession, session_id_for
from shared.repositories.station_search import Area
from shared.services import reliability as reliability_service
from shared.services.app_tags import app_id_tag
from shared.services.charger_state import update_ocpp_state
from shared.services.search import SearchStations, search_stations
from tests.charging_fixture import build_site
from tests.functions.test_search_api import AVAILABLE, CENTRE, east_of, found, near, search, seed, station_doc

pytestmark = pytest.mark.usefixtures("deps")


async def add_charger(deps, station_id: str, n: int = 0, heard: datetime | None = None) -> str:
    """The charger ``station_doc`` names ``<station>-C<n>``, heard from at ``heard`` (default: now)."""
    now = deps.clock.now()
    charger = Charger(
        id=f"{station_id}-C{n}",
        provider_id="prv_a",
        station_id=station_id,
        vendor="ABB",
        model="Terra",
        password_hash="x",
        password_updated_at=now,
        connectors=[ChargerConnector(connector_id=1, standard="CCS2", power_type="DC", max_power_kw=150)],
        ocpp=ChargerOcppState(last_seen_at=heard or now),
        created_at=now - timedelta(days=30),
        updated_at=now,
    )
    await deps.store.create("chargers", charger.model_dump(mode="json"))
    return charger.id


async def heard_now(deps, charger_id: str) -> None:
    now = deps.clock.now()
    await update_ocpp_state(deps, charger_id, lambda s: s.model_copy(update={"last_seen_at": now}))


async def add_sessions(deps, station_id: str, *, delivered: int = 0, failed: int = 0, ago: timedelta | None = None):
    at = deps.clock.now() - (ago or timedelta(days=1))
    for n in range(delivered + failed):
        works = n < delivered
        session = ChargingSession(
            id=session_id_for(station_id, uuid.uuid4().hex[:12]),
            station_id=station_id,
            provider_id="prv_a",
            station_name="S",
            time_zone="Europe/Berlin",
            charger_id=f"{station_id}-C0",
            connector_id=1,
            connector_key=f"{station_id}-C0/1",
            max_power_kw=150,
            id_tag="TAG",
            origin="app",
            status="stopped" if works else "failed",
            failure_reason=None if works else "charger_no_answer",
            requested_at=at,
            started_at=at if works else None,
            stopped_at=at + timedelta(minutes=40),
            energy_wh=12_000 if works else 0,
            updated_at=at,
        )
        await deps.store.create("sessions", session.model_dump(mode="json"))


async def run_timer() -> None:
    (timer,) = [f for f in functions_of(function_app.app) if f.get_function_name() == "station_reliability"]
    assert timer.get_trigger().schedule == "0 */5 * * * *"
    await timer.get_user_function()(TimerRequest(past_due=False))


async def stored(deps, station_id: str, provider: str = "prv_a") -> dict[str, Any]:
    return await deps.store.read("stations", station_id, provider)


def at_m(metres: float) -> dict[str, float]:
    lon, lat = east_of(metres)
    return {"lon": lon, "lat": lat}


class TestRanking:
    async def test_a_station_that_says_available_but_fails_ranks_below_an_equally_near_one_that_works(
        self, functions, deps
    ):
        await seed(
            deps,
            station_doc("stn_a_fails"),
            station_doc("stn_b_works"),
            station_doc("stn_c_works_300m", **at_m(300)),
            station_doc("stn_d_works_1km", **at_m(1_000)),
        )
        for sid in ("stn_a_fails", "stn_b_works", "stn_c_works_300m", "stn_d_works_1km"):
            await add_charger(deps, sid)
            await add_sessions(deps, sid, delivered=0 if sid == "stn_a_fails" else 6, failed=6 if "fails" in sid else 0)
        before = await found(functions, **near())
        assert before == ["stn_a_fails", "stn_b_works", "stn_c_works_300m", "stn_d_works_1km"]

        await run_timer()

        items = (await search(functions, **near())).json["items"]
        # the failing one is demoted by (90 - 41) / 90 x 1 km = 544 m: behind the working one at 300 m, not at 1 km
        assert [i["id"] for i in items] == ["stn_b_works", "stn_c_works_300m", "stn_a_fails", "stn_d_works_1km"]
        by_id = {i["id"]: i for i in items}
        assert by_id["stn_a_fails"]["distanceM"] == by_id["stn_b_works"]["distanceM"] == 0
        says_available = {"CCS2": {"available": 1, "total": 1, "suspect": 0}}
        assert by_id["stn_a_fails"]["availability"] == says_available
        assert by_id["stn_a_fails"]["reliability"] == {
            "score": 41,  # (0 + 4.5) / (6 + 5)
            "sessionsAttempted": 6,
            "sessionsDelivered": 0,
            "uptime": None,  # one sample so far
            "online": True,
            "lastHeartbeatAt": "2026-11-24T12:00:00Z",
            "sessionSuccess": 0.0,
            "secondsSinceHeartbeat": 0,
        }
        assert by_id["stn_b_works"]["reliability"]["score"] == 95  # (6 + 4.5) / (6 + 5)

    async def test_min_reliability_leaves_out_low_and_unscored_stations(self, functions, deps, clock):
        await seed(deps, station_doc("stn_fails"), station_doc("stn_works"))
        for sid, ok in (("stn_fails", False), ("stn_works", True)):
            await add_charger(deps, sid)
            await add_sessions(deps, sid, delivered=4 if ok else 0, failed=0 if ok else 4)
        await run_timer()
        await seed(deps, station_doc("stn_unscored"))

        async def ids(minimum: int | None) -> list[str]:
            cmd = SearchStations(Area.around(*CENTRE, 5_000), min_reliability=minimum)
            results, _ = await search_stations(cmd, store=deps.store, now=clock.now())
            return [r.id for r in results]

        assert await ids(None) == ["stn_unscored", "stn_works", "stn_fails"]  # 50 (demoted), 94, unscored
        assert await ids(50) == ["stn_works", "stn_fails"]
        assert await ids(51) == ["stn_works"]
        assert await ids(95) == []
        assert (await stored(deps, "stn_fails"))["reliability"]["score"] == 50  # (0 + 4.5) / (4 + 5)
        over_http = await search(functions, **near(), minReliability=51)  # the query parameter of the API
        assert [i["id"] for i in over_http.json["items"]] == ["stn_works"]
        assert (await search(functions, **near(), minReliability=101)).status == 422


class TestTimer:
    async def test_nothing_changed_means_no_write(self, deps, clock):
        await seed(deps, station_doc("stn_1"))
        charger_id = await add_charger(deps, "stn_1")
        await add_sessions(deps, "stn_1", delivered=2)
        first = await reliability_service.score_stations(deps)
        assert (first.visited, first.stations_written, first.ledgers_written) == (1, 1, 1)
        etag = (await stored(deps, "stn_1"))["_etag"]
        ledger_etag = (await deps.store.read("stations", "reliability:stn_1", "prv_a"))["_etag"]

        clock.advance(minutes=5)
        await heard_now(deps, charger_id)  # a heartbeat, but within the stored time's resolution
        again = await reliability_service.score_stations(deps)
        assert (again.visited, again.stations_written, again.ledgers_written) == (1, 0, 0)
        assert (await stored(deps, "stn_1"))["_etag"] == etag
        assert (await deps.store.read("stations", "reliability:stn_1", "prv_a"))["_etag"] == ledger_etag

        clock.advance(minutes=30)  # past an hour of samples: uptime becomes known, and the heartbeat time moves
        await heard_now(deps, charger_id)
        clock.advance(minutes=30)
        await heard_now(deps, charger_id)
        moved = await reliability_service.score_stations(deps)
        assert (moved.stations_written, moved.ledgers_written) == (1, 0)
        assert (await stored(deps, "stn_1"))["reliability"] == {
            "score": 93,  # (2 + 4.5) / (2 + 5) x 1.0 x 1.0
            "sessionsAttempted": 2,
            "sessionsDelivered": 2,
            "uptime": 1.0,
            "online": True,
            "lastHeartbeatAt": "2026-11-24T13:05:00Z",
        }

    async def test_uptime_and_heartbeat_fall_while_a_charger_is_silent(self, deps, clock):
        plugs = (("CCS2", 150.0, AVAILABLE), ("CCS2", 150.0, AVAILABLE))
        await seed(deps, station_doc("stn_1", plugs=plugs))
        live, quiet = await add_charger(deps, "stn_1", 0), await add_charger(deps, "stn_1", 1)
        await reliability_service.score_stations(deps)
        for step in range(1, 9):  # every 30 minutes for 4 hours; "quiet" is last heard from at 13:00
            clock.advance(minutes=30)
            await heard_now(deps, live)
            if step <= 2:
                await heard_now(deps, quiet)
            await reliability_service.score_stations(deps)
        shown = (await stored(deps, "stn_1"))["reliability"]
        # 4 h sampled: all up until the sample at 13:30 saw "quiet" silent (> 10 min), half up since:
        # (1.5 h + 2.5 h / 2) / 4 h = 0.6875
        assert shown["uptime"] == 0.69
        assert shown["online"] is True and shown["lastHeartbeatAt"] == "2026-11-24T16:00:00Z"
        # no sessions: 0.9 x 0.6875 x mean(1, 1 - (3 h - 10 min) / 24 h) = 0.582
        assert shown["score"] == 58

    async def test_batches_are_bounded_and_every_station_gets_its_turn(self, deps):
        await seed(
            deps,
            *(station_doc(f"stn_{n}") for n in range(5)),
            station_doc("stn_draft", lifecycle="draft"),
            station_doc("stn_retired", lifecycle="retired"),
        )

        async def scored() -> set[str]:
            ids = [f"stn_{n}" for n in range(5)] + ["stn_draft", "stn_retired"]
            return {i for i in ids if (await stored(deps, i)).get("reliability") is not None}

        runs = [await reliability_service.score_stations(deps, batch=2) for _ in range(3)]
        assert [(r.visited, r.wrapped) for r in runs] == [(2, False), (2, False), (1, True)]
        assert await scored() == {f"stn_{n}" for n in range(5)}  # drafts and retired stations are not scored
        again = await reliability_service.score_stations(deps, batch=2)
        assert again.visited == 2 and not again.wrapped  # round again from the start


class TestWithRealSessions:
    async def test_a_refused_start_and_a_delivered_session(self, deps, functions, clock):
        site = await build_site(deps, functions)
        await site.result("Heartbeat", {})
        refused = await site.start_from_app()
        assert refused.status == 201, refused.json
        await site.answer("RemoteStartTransaction", {"status": "Rejected"})
        started = await site.start_from_app()
        assert started.status == 201, started.json
        await site.answer("RemoteStartTransaction", {"status": "Accepted"})
        tx = await site.start(app_id_tag(site.driver.user_id), 1000)
        clock.advance(minutes=30)
        await site.stop(tx, 6000)
        await site.result("Heartbeat", {})
        clock.advance(minutes=1)
        await run_timer()

        detail = await functions("read_station", route={"stationId": site.station_id})
        assert detail.status == 200, detail.json
        shown = detail.json["reliability"]
        assert (shown["sessionsAttempted"], shown["sessionsDelivered"], shown["sessionSuccess"]) == (2, 1, 0.5)
        assert shown["score"] == 79  # (1 + 4.5) / (2 + 5), uptime not known yet, heard from a minute ago
        assert shown["secondsSinceHeartbeat"] == 60 and shown["online"] is True

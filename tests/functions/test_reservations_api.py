"""Connector reservations through the HTTP functions: the booking rules, tenancy, cancel, the charger, the timer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from azure.functions.timer import TimerRequest

from shared.domain.messages import Message
from shared.domain.reservations import ChargerCommand, Reservation
from shared.domain.stations import ConnectorStatus
from shared.ocpp.frames import CallResult
from shared.repositories.chargers import get_charger
from shared.repositories.reservations import find_reservation, read_ledger, update_reservation
from shared.services import reservations
from shared.services.app_tags import app_id_tag
from shared.services.charger_commands import expire_commands, record_reply
from shared.services.charger_state import record_connector_status, update_ocpp_state
from shared.services.reservation_timer import run_reservation_timer
from tests.providers_fixture import (
    Member,
    ProviderTeam,
    charger_body,
    driver,
    platform_admin,
    set_provider_status,
    station_body,
)

pytestmark = pytest.mark.usefixtures("deps")

KEY = "CP-1/1"
PROBE = "reservations-test-probe"


@dataclass
class Site:
    station_id: str
    team: ProviderTeam


async def new_site(functions, team: ProviderTeam, charger: str = "CP-1", **station) -> Site:
    body = station_body(**({"lifecycle": "active"} | station))
    made = await functions("create_station", "POST", token=team.admin.token, route={"providerId": team.id}, body=body)
    assert made.status == 201, made.json
    station_id = made.json["id"]
    added = await functions(
        "create_charger", "POST", token=team.admin.token, route={"stationId": station_id}, body=charger_body(charger)
    )
    assert added.status == 201, added.json
    return Site(station_id, team)


@pytest.fixture
async def site(functions, acme) -> Site:
    return await new_site(functions, acme)


@pytest.fixture
async def alice(deps) -> Member:
    return await driver(deps, "alice@example.com")


@pytest.fixture
async def bob(deps) -> Member:
    return await driver(deps, "bob@example.com")


async def online(deps, charger_id: str = "CP-1") -> None:
    await update_ocpp_state(deps, charger_id, lambda s: s.model_copy(update={"connection_id": f"conn-{charger_id}"}))


async def book(functions, who: Member, station_id: str, starts_at: datetime, minutes: int = 30, key: str = KEY):
    body = {"stationId": station_id, "connectorKey": key, "startsAt": starts_at.isoformat(), "durationMinutes": minutes}
    return await functions("create_reservation", "POST", token=who.token, body=body)


async def booked(functions, who: Member, station_id: str, starts_at: datetime, **kwargs):
    answer = await book(functions, who, station_id, starts_at, **kwargs)
    assert answer.status == 201, answer.json
    return answer.json


async def read(functions, who: Member, reservation_id: str):
    return await functions("read_reservation", token=who.token, route={"reservationId": reservation_id})


async def cancel(functions, who: Member, reservation_id: str, body=None):
    return await functions(
        "cancel_reservation", "POST", token=who.token, route={"reservationId": reservation_id}, body=body
    )


async def subscribe(deps) -> None:
    await deps.bus.ensure_subscription(deps.settings.session_events_topic, PROBE)


async def published(deps) -> list[Message]:
    """Everything published to session-events since ``subscribe`` and not yet read here."""
    deliveries = await deps.bus.receive(deps.settings.session_events_topic, PROBE, max_messages=100)
    for d in deliveries:
        await deps.bus.complete(d)
    return [Message.from_json(d.body) for d in deliveries]


async def document(deps, reservation_id: str) -> Reservation:
    found = await find_reservation(deps.store, reservation_id)
    assert found is not None
    return found


async def ledger_ids(deps, key: str = KEY) -> list[str]:
    ledger = await read_ledger(deps.store, key)
    return [w.reservation_id for w in ledger.windows] if ledger else []


def sent(command: ChargerCommand | None) -> ChargerCommand:
    assert command is not None
    return command


def problem(answer, status: int, code: str) -> None:
    assert answer.status == status, answer.json
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json["code"] == code, answer.json


class TestBook:
    async def test_booking_returns_201_location_and_the_confirmed_reservation(
        self, functions, deps, clock, site, alice
    ):
        start = clock.now() + timedelta(hours=2)
        answer = await book(functions, alice, site.station_id, start, minutes=45)
        assert answer.status == 201, answer.json
        body = answer.json
        assert answer.headers["location"] == f"/api/reservations/{body['id']}"
        assert body["id"].startswith("res_") and body["status"] == "confirmed"
        assert body["connectorKey"] == KEY and body["chargerId"] == "CP-1" and body["connectorId"] == 1
        assert body["stationId"] == site.station_id and body["providerId"] == site.team.id
        assert body["userId"] == alice.user_id and body["idTag"] == app_id_tag(alice.user_id)
        assert datetime.fromisoformat(body["startsAt"]) == start
        assert datetime.fromisoformat(body["endsAt"]) == start + timedelta(minutes=45)
        assert body["ocppReservationId"] == 1 and body["reserveNow"] is None
        assert "pendingEvents" not in body and "ttl" not in body
        assert await ledger_ids(deps) == [body["id"]]

    @pytest.mark.parametrize(
        ("offset", "minutes", "status", "code"),
        [
            (timedelta(minutes=-2), 30, 422, "reservation_window_invalid"),
            (timedelta(days=7, minutes=1), 30, 422, "reservation_window_invalid"),
            (timedelta(hours=1), 14, 422, "validation_failed"),
            (timedelta(hours=1), 61, 422, "validation_failed"),
        ],
    )
    async def test_the_window_must_be_within_the_rules(
        self, functions, clock, site, alice, offset, minutes, status, code
    ):
        problem(await book(functions, alice, site.station_id, clock.now() + offset, minutes=minutes), status, code)

    @pytest.mark.parametrize(
        ("offset", "minutes"), [(timedelta(seconds=-59), 15), (timedelta(days=7), 60), (timedelta(hours=1), 60)]
    )
    async def test_the_edges_of_the_rules_are_allowed(self, functions, clock, site, alice, offset, minutes):
        assert (await book(functions, alice, site.station_id, clock.now() + offset, minutes=minutes)).status == 201

    async def test_only_drivers_book(self, functions, clock, site):
        start = clock.now() + timedelta(hours=1)
        problem(await book(functions, site.team.staff, site.station_id, start), 403, "forbidden_role")

    async def test_unknown_station_or_connector_is_404(self, functions, clock, site, alice):
        start = clock.now() + timedelta(hours=1)
        problem(await book(functions, alice, "stn_nope", start), 404, "connector_not_found")
        problem(await book(functions, alice, site.station_id, start, key="CP-1/3"), 404, "connector_not_found")
        problem(await book(functions, alice, site.station_id, start, key="CP-9/1"), 404, "connector_not_found")

    async def test_a_draft_station_or_a_suspended_provider_is_404(self, functions, deps, clock, acme, rival, alice):
        draft = await new_site(functions, acme, "CP-D", lifecycle="draft")
        start = clock.now() + timedelta(hours=1)
        problem(await book(functions, alice, draft.station_id, start, key="CP-D/1"), 404, "connector_not_found")
        theirs = await new_site(functions, rival, "CP-R")
        await set_provider_status(deps, rival.id, "suspended")
        problem(await book(functions, alice, theirs.station_id, start, key="CP-R/1"), 404, "connector_not_found")

    async def test_not_during_maintenance_of_the_connector_or_station(self, functions, clock, site, alice):
        start = clock.now() + timedelta(hours=2)
        window = {
            "chargerId": "CP-1",
            "connectorId": 1,
            "startsAt": (start + timedelta(minutes=20)).isoformat(),
            "endsAt": (start + timedelta(hours=1)).isoformat(),
        }
        made = await functions(
            "create_maintenance_window",
            "POST",
            token=site.team.admin.token,
            route={"stationId": site.station_id},
            body=window,
        )
        assert made.status == 201, made.json
        problem(await book(functions, alice, site.station_id, start), 409, "connector_under_maintenance")
        # half-open: ending when the maintenance starts is fine, and the other connector is not covered
        assert (await book(functions, alice, site.station_id, start, minutes=20)).status == 201
        assert (await book(functions, alice, site.station_id, start + timedelta(hours=1), key="CP-1/2")).status == 201

    async def test_a_faulted_connector_cannot_be_reserved_from_now(self, functions, deps, clock, site, alice):
        charger = await get_charger(deps.store, "CP-1")
        assert await record_connector_status(deps, charger, 1, ConnectorStatus.FAULTED, clock.now())
        refused = await book(functions, alice, site.station_id, clock.now())
        problem(refused, 409, "connector_unavailable")
        assert refused.json["connectorStatus"] == "Faulted"
        # a later window may be booked: it may be repaired by then
        assert (await book(functions, alice, site.station_id, clock.now() + timedelta(hours=3))).status == 201

    async def test_overlapping_windows_are_refused_and_adjacent_ones_allowed(self, functions, clock, site, alice, bob):
        start = clock.now() + timedelta(hours=1)
        await booked(functions, alice, site.station_id, start, minutes=30)
        for offset, minutes in ((0, 30), (-15, 30), (29, 15), (10, 15), (-30, 60)):
            at = start + timedelta(minutes=offset)
            problem(await book(functions, bob, site.station_id, at, minutes=minutes), 409, "reservation_overlap")
        assert (await book(functions, bob, site.station_id, start + timedelta(minutes=30))).status == 201
        assert (await book(functions, bob, site.station_id, start, key="CP-1/2")).status == 201

    async def test_a_driver_holds_at_most_two_upcoming_reservations(self, functions, clock, site, alice):
        start = clock.now() + timedelta(hours=1)
        first = await booked(functions, alice, site.station_id, start)
        await booked(functions, alice, site.station_id, start, key="CP-1/2")
        later = start + timedelta(hours=2)
        problem(await book(functions, alice, site.station_id, later), 409, "too_many_reservations")
        assert (await cancel(functions, alice, first["id"])).status == 200
        assert (await book(functions, alice, site.station_id, later)).status == 201

    async def test_twenty_concurrent_overlapping_bookings_give_exactly_one_reservation(
        self, functions, deps, clock, site
    ):
        drivers = [await driver(deps, f"racer{i}@example.com") for i in range(20)]
        start = clock.now() + timedelta(hours=1)
        # the ledger exists already, so the racers replace one version of it (not only race to create it)
        early = await booked(
            functions, await driver(deps, "early@example.com"), site.station_id, start + timedelta(hours=3)
        )
        answers = await asyncio.gather(
            *(book(functions, d, site.station_id, start + timedelta(minutes=i % 5)) for i, d in enumerate(drivers))
        )
        assert sorted(a.status for a in answers) == [201] + [409] * 19
        assert {a.json["code"] for a in answers if a.status == 409} == {"reservation_overlap"}
        [winner] = [a.json for a in answers if a.status == 201]
        assert await ledger_ids(deps) == [winner["id"], early["id"]]
        stored = await deps.store.query("reservations", _all_reservations())
        assert sorted(d["id"] for d in stored.items) == sorted([winner["id"], early["id"]])

    async def test_booking_publishes_reservation_made_once_with_a_derived_id(self, functions, deps, clock, site, alice):
        await subscribe(deps)
        made = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=1))
        [message] = await published(deps)
        assert message.id == f"ReservationMade:{made['id']}" and message.type == "ReservationMade"
        assert message.tenant_id == site.team.id and message.body["reservationId"] == made["id"]
        stored = await document(deps, made["id"])
        assert stored.pending_events == []

    async def test_an_event_that_fails_to_publish_stays_in_the_outbox_for_the_timer(
        self, functions, deps, clock, site, alice, monkeypatch
    ):
        await subscribe(deps)

        async def down(*args, **kwargs):
            raise ConnectionError("bus down")

        with monkeypatch.context() as patched:
            patched.setattr(deps.bus, "publish", down)
            made = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=1))
        stored = await document(deps, made["id"])
        assert [m.id for m in stored.pending_events] == [f"ReservationMade:{made['id']}"]
        assert await published(deps) == []
        await run_reservation_timer(deps)
        assert [m.id for m in await published(deps)] == [f"ReservationMade:{made['id']}"]
        assert (await document(deps, made["id"])).pending_events == []
        await run_reservation_timer(deps)
        assert await published(deps) == []

    async def test_a_failed_write_frees_the_window_but_a_write_that_happened_keeps_it(
        self, functions, deps, clock, site, alice, monkeypatch
    ):
        from shared.repositories import reservations as repo

        written = repo.add_reservation

        async def broken(store, reservation):
            raise ConnectionError("store down")

        async def lost_reply(store, reservation):
            await written(store, reservation)
            raise ConnectionError("the reply was lost")

        start = clock.now() + timedelta(hours=1)
        monkeypatch.setattr(repo, "add_reservation", broken)
        problem(await book(functions, alice, site.station_id, start), 500, "internal_error")
        assert await ledger_ids(deps) == []
        monkeypatch.setattr(repo, "add_reservation", lost_reply)
        problem(await book(functions, alice, site.station_id, start), 500, "internal_error")
        [kept] = await ledger_ids(deps)
        assert (await document(deps, kept)).status == "confirmed"


def _all_reservations():
    from shared.ports.store import Filter, Query

    return Query((Filter("type", "eq", "reservation"),))


class TestReadAndList:
    async def test_holder_provider_and_admin_see_it_others_get_404(
        self, functions, deps, clock, site, rival, alice, bob
    ):
        made = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=1))
        for who in (alice, site.team.staff, site.team.admin, platform_admin(deps)):
            answer = await read(functions, who, made["id"])
            assert answer.status == 200 and answer.json == made
        for who in (bob, rival.admin, rival.staff):
            problem(await read(functions, who, made["id"]), 404, "reservation_not_found")
        problem(await read(functions, alice, "res_" + "0" * 32), 404, "reservation_not_found")
        problem(await read(functions, alice, "not-an-id"), 404, "reservation_not_found")

    async def test_a_driver_lists_their_own_newest_first_in_pages(self, functions, clock, site, alice, bob):
        first = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=3))
        clock.advance(seconds=5)
        second = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=1))
        await booked(functions, bob, site.station_id, clock.now() + timedelta(hours=5))
        page = await functions("list_my_reservations", token=alice.token, params={"limit": "1"})
        assert page.status == 200 and [r["id"] for r in page.json["items"]] == [second["id"]]
        token = page.json["continuationToken"]
        rest = await functions(
            "list_my_reservations", token=alice.token, params={"limit": "1", "continuationToken": token}
        )
        assert [r["id"] for r in rest.json["items"]] == [first["id"]]
        if rest.json["continuationToken"]:
            last = await functions(
                "list_my_reservations",
                token=alice.token,
                params={"limit": "1", "continuationToken": rest.json["continuationToken"]},
            )
            assert last.json["items"] == [] and last.json["continuationToken"] is None

    async def test_a_provider_sees_the_reservations_at_its_stations_only(
        self, functions, clock, site, rival, alice, bob
    ):
        other_station = await new_site(functions, site.team, "CP-2")
        theirs = await new_site(functions, rival, "CP-R")
        start = clock.now() + timedelta(hours=1)
        here = await booked(functions, alice, site.station_id, start)
        there = await booked(functions, alice, other_station.station_id, start, key="CP-2/1")
        elsewhere = await booked(functions, bob, theirs.station_id, start, key="CP-R/1")

        async def listing(who, provider_id, **params):
            return await functions(
                "list_provider_reservations", token=who.token, route={"providerId": provider_id}, params=params
            )

        mine = await listing(site.team.staff, site.team.id)
        assert mine.status == 200 and {r["id"] for r in mine.json["items"]} == {here["id"], there["id"]}
        one = await listing(site.team.admin, site.team.id, stationId=site.station_id)
        assert [r["id"] for r in one.json["items"]] == [here["id"]]
        problem(await listing(rival.admin, site.team.id), 404, "not_found")
        problem(await listing(alice, site.team.id), 403, "forbidden_role")
        assert [r["id"] for r in (await listing(rival.staff, rival.id)).json["items"]] == [elsewhere["id"]]


class TestCancel:
    async def test_the_holder_cancels_and_the_window_is_free_again(self, functions, deps, clock, site, alice, bob):
        start = clock.now() + timedelta(hours=1)
        made = await booked(functions, alice, site.station_id, start)
        answer = await cancel(functions, alice, made["id"], {"reason": "plans changed"})
        assert answer.status == 200, answer.json
        assert answer.json["status"] == "cancelled" and answer.json["cancelledBy"] == alice.user_id
        assert answer.json["cancelReason"] == "plans changed"
        assert await ledger_ids(deps) == []
        assert (await book(functions, bob, site.station_id, start)).status == 201
        again = await cancel(functions, alice, made["id"])
        assert again.status == 200 and again.json == answer.json

    async def test_the_provider_or_an_admin_may_cancel_others_get_404(
        self, functions, deps, clock, site, rival, alice, bob
    ):
        start = clock.now() + timedelta(hours=1)
        made = await booked(functions, alice, site.station_id, start)
        problem(await cancel(functions, bob, made["id"]), 404, "reservation_not_found")
        problem(await cancel(functions, rival.admin, made["id"]), 404, "reservation_not_found")
        by_staff = await cancel(functions, site.team.staff, made["id"])
        assert by_staff.status == 200 and by_staff.json["cancelledBy"] == site.team.staff.user_id
        second = await booked(functions, alice, site.station_id, start)
        by_admin = await cancel(functions, platform_admin(deps), second["id"])
        assert by_admin.status == 200 and by_admin.json["status"] == "cancelled"

    async def test_a_bad_cancel_body_is_refused(self, functions, clock, site, alice):
        made = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=1))
        problem(await cancel(functions, alice, made["id"], {"reason": "x" * 501}), 422, "validation_failed")
        problem(await cancel(functions, alice, made["id"], {"other": 1}), 422, "validation_failed")
        raw = await functions(
            "cancel_reservation", "POST", token=alice.token, route={"reservationId": made["id"]}, raw=b"{nope"
        )
        problem(raw, 400, "malformed_json")
        assert (await read(functions, alice, made["id"])).json["status"] == "confirmed"

    async def test_used_or_expired_reservations_are_not_cancellable(self, functions, deps, clock, site, alice):
        start = clock.now()
        made = await booked(functions, alice, site.station_id, start)
        stored = await document(deps, made["id"])
        await reservations.mark_used(deps, stored, "ses_1")
        problem(await cancel(functions, alice, made["id"]), 409, "reservation_not_cancellable")
        later = await booked(functions, alice, site.station_id, start + timedelta(hours=1))
        clock.advance(hours=2)
        await run_reservation_timer(deps)
        problem(await cancel(functions, alice.renewed(deps), later["id"]), 409, "reservation_not_cancellable")


class TestLedgerRepair:
    async def test_a_window_left_by_a_cancelled_reservation_gives_way(self, functions, deps, clock, site, alice, bob):
        start = clock.now() + timedelta(hours=1)
        made = await booked(functions, alice, site.station_id, start)
        stored = await document(deps, made["id"])
        # cancelled, but the worker died before it released the window
        await update_reservation(deps.store, stored, lambda r: r.model_copy(update={"status": "cancelled"}))
        assert await ledger_ids(deps) == [made["id"]]
        taken = await booked(functions, bob, site.station_id, start)
        assert await ledger_ids(deps) == [taken["id"]]


class TestCharger:
    async def test_a_window_starting_now_sends_reserve_now_at_booking(self, functions, deps, clock, site, alice):
        await online(deps)
        made = await booked(functions, alice, site.station_id, clock.now())
        [frame] = deps.link.calls("ReserveNow")
        assert frame[3] == {
            "connectorId": 1,
            "expiryDate": "2026-11-24T12:30:00.000Z",
            "idTag": app_id_tag(alice.user_id),
            "reservationId": made["ocppReservationId"],
        }
        assert made["reserveNow"]["commandId"] == frame[1] and made["reserveNow"]["status"] == "sent"

    @pytest.mark.parametrize(
        ("answer", "status"), [("Accepted", "answered"), ("Occupied", "rejected"), ("Faulted", "rejected")]
    )
    async def test_the_chargers_answer_is_recorded_and_the_reservation_stays(
        self, functions, deps, clock, site, alice, answer, status
    ):
        await online(deps)
        made = await booked(functions, alice, site.station_id, clock.now())
        [frame] = deps.link.calls("ReserveNow")
        await record_reply(deps, "CP-1", CallResult(frame[1], {"status": answer}))
        seen = (await read(functions, alice, made["id"])).json
        assert seen["status"] == "confirmed"
        assert seen["reserveNow"]["commandId"] == frame[1]
        assert (seen["reserveNow"]["status"], seen["reserveNow"]["outcome"]) == (status, answer)

    async def test_no_answer_is_recorded_as_timed_out(self, functions, deps, clock, site, alice):
        await online(deps)
        made = await booked(functions, alice, site.station_id, clock.now())
        clock.advance(seconds=deps.settings.ocpp_command_timeout_seconds + 1)
        assert await expire_commands(deps) == 1
        stored = await document(deps, made["id"])
        assert sent(stored.reserve_now).status == "timed_out" and stored.status == "confirmed"

    async def test_the_timer_sends_reserve_now_as_a_later_window_starts_and_only_once(
        self, functions, deps, clock, site, alice
    ):
        await online(deps)
        made = await booked(functions, alice, site.station_id, clock.now() + timedelta(minutes=30))
        assert made["reserveNow"] is None and deps.link.calls("ReserveNow") == []
        clock.advance(minutes=28)
        await run_reservation_timer(deps)
        assert deps.link.calls("ReserveNow") == []
        clock.advance(seconds=90)  # 30 s before the start: within the minute's lead
        await _timer_function()(TimerRequest(past_due=False))
        await run_reservation_timer(deps)
        [frame] = deps.link.calls("ReserveNow")
        assert frame[3]["reservationId"] == made["ocppReservationId"] and frame[3]["expiryDate"].endswith(
            "13:00:00.000Z"
        )
        stored = await document(deps, made["id"])
        assert sent(stored.reserve_now).command_id == frame[1]

    async def test_an_offline_charger_gets_reserve_now_when_it_is_back(self, functions, deps, clock, site, alice):
        made = await booked(functions, alice, site.station_id, clock.now())
        assert made["reserveNow"]["status"] == "offline" and made["reserveNow"]["commandId"] is None
        await run_reservation_timer(deps)
        assert deps.link.calls("ReserveNow") == []
        await online(deps)
        clock.advance(minutes=1)
        await run_reservation_timer(deps)
        [frame] = deps.link.calls("ReserveNow")
        assert sent((await document(deps, made["id"])).reserve_now).command_id == frame[1]

    async def test_the_next_window_waits_for_the_earlier_one_to_end(self, functions, deps, clock, site, alice, bob):
        await online(deps)
        first = await booked(functions, alice, site.station_id, clock.now())
        second = await booked(functions, bob, site.station_id, clock.now() + timedelta(minutes=30))
        clock.advance(seconds=29 * 60 + 30)
        await run_reservation_timer(deps)
        assert [f[3]["reservationId"] for f in deps.link.calls("ReserveNow")] == [first["ocppReservationId"]]
        clock.advance(seconds=30)
        await run_reservation_timer(deps)
        sent = [f[3]["reservationId"] for f in deps.link.calls("ReserveNow")]
        assert sent == [first["ocppReservationId"], second["ocppReservationId"]]
        assert (await document(deps, first["id"])).status == "expired"

    async def test_cancel_sends_cancel_reservation_and_records_the_answer(self, functions, deps, clock, site, alice):
        await online(deps)
        made = await booked(functions, alice, site.station_id, clock.now())
        [reserve] = deps.link.calls("ReserveNow")
        await record_reply(deps, "CP-1", CallResult(reserve[1], {"status": "Accepted"}))
        answer = await cancel(functions, alice, made["id"])
        [frame] = deps.link.calls("CancelReservation")
        assert frame[3] == {"reservationId": made["ocppReservationId"]}
        assert answer.json["cancelReservation"]["commandId"] == frame[1]
        await record_reply(deps, "CP-1", CallResult(frame[1], {"status": "Accepted"}))
        seen = (await read(functions, alice, made["id"])).json["cancelReservation"]
        assert (seen["status"], seen["outcome"]) == ("answered", "Accepted")
        assert (await cancel(functions, alice, made["id"])).status == 200
        assert len(deps.link.calls("CancelReservation")) == 1

    async def test_cancel_with_the_charger_offline_is_recorded_not_refused(self, functions, deps, clock, site, alice):
        await online(deps)
        made = await booked(functions, alice, site.station_id, clock.now())
        await update_ocpp_state(deps, "CP-1", lambda s: s.model_copy(update={"connection_id": None}))
        answer = await cancel(functions, alice, made["id"])
        assert answer.status == 200 and answer.json["status"] == "cancelled"
        assert answer.json["cancelReservation"]["status"] == "offline"
        assert deps.link.calls("CancelReservation") == []

    async def test_nothing_to_cancel_at_the_charger_when_nothing_was_reserved_there(
        self, functions, deps, clock, site, alice
    ):
        await online(deps)
        later = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=1))
        refused = await booked(functions, alice, site.station_id, clock.now(), key="CP-1/2")
        [reserve] = deps.link.calls("ReserveNow")
        await record_reply(deps, "CP-1", CallResult(reserve[1], {"status": "Occupied"}))
        for made in (later, refused):
            answer = await cancel(functions, alice, made["id"])
            assert answer.status == 200 and answer.json["cancelReservation"] is None
        assert deps.link.calls("CancelReservation") == []


class TestTimer:
    async def test_no_shows_expire_once_even_when_the_timer_runs_twice(self, functions, deps, clock, site, alice):
        await subscribe(deps)
        made = await booked(functions, alice, site.station_id, clock.now() + timedelta(minutes=10))
        assert [m.type for m in await published(deps)] == ["ReservationMade"]
        clock.advance(minutes=39)
        await run_reservation_timer(deps)
        assert (await document(deps, made["id"])).status == "confirmed"  # ends at +40 min
        clock.advance(minutes=1)
        await _timer_function()(TimerRequest(past_due=False))  # the function the host fires each minute
        await run_reservation_timer(deps)  # and a second run, as by another worker
        stored = await document(deps, made["id"])
        assert stored.status == "expired" and stored.pending_events == [] and stored.ttl > 0
        [expired] = await published(deps)
        assert expired.id == f"ReservationExpired:{made['id']}" and expired.type == "ReservationExpired"
        assert expired.body["status"] == "expired" and expired.tenant_id == site.team.id
        assert await ledger_ids(deps) == []

    async def test_an_expired_window_no_longer_holds_the_connector(self, functions, deps, clock, site, alice):
        made = await booked(functions, alice, site.station_id, clock.now())
        stored = await document(deps, made["id"])
        assert await reservations.reservation_holding(deps, KEY, clock.now() + timedelta(minutes=29)) == stored
        assert await reservations.reservation_holding(deps, KEY, clock.now() + timedelta(minutes=30)) is None
        assert await reservations.reservation_holding(deps, "CP-1/2", clock.now()) is None


def _timer_function():
    import function_app
    from local_host.discovery import functions_of

    [fn] = [f for f in functions_of(function_app.app) if f.get_function_name() == "reservations_timer"]
    assert fn.get_trigger().schedule == "0 * * * * *"
    return fn.get_user_function()


class TestSessionsInterface:
    async def test_mark_used_is_idempotent_and_frees_the_window(self, functions, deps, clock, site, alice):
        made = await booked(functions, alice, site.station_id, clock.now())
        stored = await document(deps, made["id"])
        used = await reservations.mark_used(deps, stored, "ses_abc")
        assert used.status == "used" and used.session_id == "ses_abc"
        again = await reservations.mark_used(deps, stored, "ses_abc")
        assert again.status == "used" and again.session_id == "ses_abc"
        assert await ledger_ids(deps) == []
        assert await reservations.reservation_holding(deps, KEY, clock.now()) is None

    async def test_find_by_ocpp_id(self, functions, deps, clock, site, alice, bob):
        first = await booked(functions, alice, site.station_id, clock.now() + timedelta(hours=1))
        second = await booked(functions, bob, site.station_id, clock.now() + timedelta(hours=1), key="CP-1/2")
        assert second["ocppReservationId"] == first["ocppReservationId"] + 1
        found = await reservations.find_by_ocpp_id(deps, "CP-1/2", second["ocppReservationId"])
        assert found is not None and found.id == second["id"]
        assert await reservations.find_by_ocpp_id(deps, KEY, second["ocppReservationId"]) is None

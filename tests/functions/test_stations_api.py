"""Stations and their maintenance windows through the HTTP functions, called without a host."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.domain.stations import ConnectorStatus
from shared.repositories.chargers import get_charger
from shared.repositories.stations import get_station, save_station
from tests.providers_fixture import (
    charger_body,
    driver,
    platform_admin,
    set_provider_status,
    station_body,
)

pytestmark = pytest.mark.usefixtures("deps")


async def new_station(functions, team, token=None, **overrides):
    answer = await functions(
        "create_station",
        "POST",
        token=token or team.admin.token,
        route={"providerId": team.id},
        body=station_body(**overrides),
    )
    assert answer.status == 201, answer.json
    return answer.json


async def read(functions, station_id, token=None):
    return await functions("read_station", token=token, route={"stationId": station_id})


async def patch(functions, station_id, body, token, etag=None):
    headers = {"if-match": etag} if etag else {}
    return await functions(
        "update_station", "PATCH", body=body, token=token, headers=headers, route={"stationId": station_id}
    )


async def list_own(functions, team, token=None, **params):
    return await functions(
        "list_provider_stations", token=token or team.admin.token, route={"providerId": team.id}, params=params
    )


class TestCreate:
    async def test_create_returns_201_location_etag_and_the_document(self, functions, acme):
        answer = await functions(
            "create_station", "POST", token=acme.staff.token, route={"providerId": acme.id}, body=station_body()
        )
        assert answer.status == 201, answer.json
        station = answer.json
        assert station["id"].startswith("stn_")
        assert answer.headers["location"] == f"/api/stations/{station['id']}"
        assert answer.headers["etag"]
        assert station["providerId"] == acme.id and station["providerName"] == "Acme Charging"
        assert station["lifecycle"] == "draft" and station["access"] == "public" and station["providerActive"]
        assert station["location"] == {"type": "Point", "coordinates": [13.3889, 52.517]}
        assert station["connectors"] == [] and station["standards"] == [] and station["maxPowerKw"] == 0
        assert station["effectiveStatus"] == {} and "_etag" not in station

    async def test_suspended_provider_cannot_create(self, functions, deps, acme):
        await set_provider_status(deps, acme.id, "suspended")
        answer = await functions(
            "create_station", "POST", token=acme.admin.token, route={"providerId": acme.id}, body=station_body()
        )
        assert answer.status == 409 and answer.json["code"] == "provider_suspended"
        assert (await list_own(functions, acme)).json["items"] == []

    async def test_platform_admin_on_unknown_provider_gets_404(self, functions, deps):
        answer = await functions(
            "create_station",
            "POST",
            token=platform_admin(deps).token,
            route={"providerId": "prv_nope"},
            body=station_body(),
        )
        assert answer.status == 404 and answer.json["code"] == "provider_not_found"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"location": {"type": "Point", "coordinates": [13.4, 91]}}, "location.coordinates"),
            ({"location": {"type": "Point", "coordinates": [-180.5, 52]}}, "location.coordinates"),
            ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
            ({"timeZone": "localtime"}, "timeZone"),
            ({"openingHours": {"twentyfourseven": False}}, "openingHours"),
            (
                {
                    "openingHours": {
                        "twentyfourseven": False,
                        "regularHours": [{"weekday": 1, "periodBegin": "18:00", "periodEnd": "08:00"}],
                    }
                },
                "openingHours",
            ),
            ({"photos": ["ftp://example.com/x.jpg"]}, "photos.0"),
            ({"lifecycle": "retired"}, "lifecycle"),
            ({"access": "members"}, "access"),
            ({"name": ""}, "name"),
            (
                {"address": {"street": "x", "city": "Berlin", "postalCode": "1", "country": "Germany"}},
                "address.country",
            ),
            ({"owner": "me"}, "owner"),
        ],
    )
    async def test_bad_input_is_422_and_creates_nothing(self, functions, acme, overrides, field):
        answer = await functions(
            "create_station",
            "POST",
            token=acme.admin.token,
            route={"providerId": acme.id},
            body=station_body(**overrides),
        )
        assert answer.status == 422, answer.json
        assert answer.json["code"] == "validation_failed"
        assert field in {e["field"] for e in answer.json["errors"]}
        assert (await list_own(functions, acme)).json["items"] == []

    async def test_opening_hours_when_not_open_around_the_clock(self, functions, acme):
        hours = {
            "twentyfourseven": False,
            "regularHours": [{"weekday": 1, "periodBegin": "07:00", "periodEnd": "22:00"}],
        }
        station = await new_station(functions, acme, openingHours=hours)
        assert station["openingHours"] == hours


class TestRead:
    async def test_draft_is_visible_to_its_provider_only(self, functions, deps, acme, rival):
        sid = (await new_station(functions, acme))["id"]
        drv = await driver(deps)
        assert (await read(functions, sid)).status == 404
        assert (await read(functions, sid, drv.token)).json["code"] == "station_not_found"
        assert (await read(functions, sid, rival.admin.token)).status == 404
        assert (await read(functions, sid, acme.staff.token)).status == 200
        assert (await read(functions, sid, platform_admin(deps).token)).status == 200

    async def test_active_public_station_is_public(self, functions, deps, acme):
        sid = (await new_station(functions, acme, lifecycle="active"))["id"]
        anonymous = await read(functions, sid)
        assert anonymous.status == 200 and anonymous.json["name"] == "Depot Mitte" and anonymous.headers["etag"]
        assert (await read(functions, sid, (await driver(deps)).token)).status == 200

    async def test_private_station_is_for_members(self, functions, acme, rival):
        sid = (await new_station(functions, acme, lifecycle="active", access="private"))["id"]
        assert (await read(functions, sid)).status == 404
        assert (await read(functions, sid, rival.staff.token)).status == 404
        assert (await read(functions, sid, acme.staff.token)).status == 200

    async def test_station_of_a_suspended_provider_is_hidden_from_the_public(self, functions, deps, acme):
        sid = (await new_station(functions, acme, lifecycle="active"))["id"]
        station = await get_station(deps.store, sid)
        await save_station(deps.store, station.model_copy(update={"provider_active": False}), station.etag)
        assert (await read(functions, sid)).status == 404
        assert (await read(functions, sid, acme.admin.token)).status == 200

    async def test_unknown_station(self, functions, acme):
        answer = await read(functions, "stn_nope", acme.admin.token)
        assert answer.status == 404 and answer.json["code"] == "station_not_found"


class TestList:
    async def test_pages_through_own_stations_by_name(self, functions, acme, rival):
        for name in ["E", "B", "D", "A", "C"]:
            await new_station(functions, acme, name=name)
        await new_station(functions, rival, name="AA")
        names, token = [], None
        for _ in range(10):
            params = {"limit": "2", **({"continuationToken": token} if token else {})}
            page = await list_own(functions, acme, **params)
            assert page.status == 200 and len(page.json["items"]) <= 2
            names += [s["name"] for s in page.json["items"]]
            token = page.json["continuationToken"]
            if token is None:
                break
        assert names == ["A", "B", "C", "D", "E"]

    async def test_filter_by_lifecycle(self, functions, acme):
        await new_station(functions, acme, name="Live", lifecycle="active")
        await new_station(functions, acme, name="Planned")
        page = await list_own(functions, acme, lifecycle="active")
        assert [s["name"] for s in page.json["items"]] == ["Live"]


class TestUpdate:
    async def test_patch_with_if_match_then_stale_etag_is_412_and_changes_nothing(self, functions, acme):
        created = await functions(
            "create_station", "POST", token=acme.admin.token, route={"providerId": acme.id}, body=station_body()
        )
        sid, etag = created.json["id"], created.headers["etag"]
        ok = await patch(functions, sid, {"name": "Depot Nord", "amenities": ["WIFI"]}, acme.staff.token, etag)
        assert ok.status == 200 and ok.json["name"] == "Depot Nord" and ok.json["amenities"] == ["WIFI"]
        assert ok.headers["etag"] != etag
        stale = await patch(functions, sid, {"name": "Lost update"}, acme.staff.token, etag)
        assert stale.status == 412 and stale.json["code"] == "stale_version"
        assert (await read(functions, sid, acme.admin.token)).json["name"] == "Depot Nord"

    async def test_null_and_absent_fields_stay(self, functions, acme):
        sid = (await new_station(functions, acme))["id"]
        answer = await patch(functions, sid, {"name": None, "access": "private"}, acme.admin.token)
        assert answer.json["name"] == "Depot Mitte" and answer.json["access"] == "private"

    async def test_lifecycle_transitions(self, functions, acme):
        sid = (await new_station(functions, acme))["id"]
        t = acme.admin.token
        assert (await patch(functions, sid, {"lifecycle": "maintenance"}, t)).status == 422
        assert (await patch(functions, sid, {"lifecycle": "active"}, t)).json["lifecycle"] == "active"
        back = await patch(functions, sid, {"lifecycle": "draft"}, t)
        assert back.status == 422 and back.json["code"] == "invalid_lifecycle_transition"
        assert (await patch(functions, sid, {"lifecycle": "maintenance"}, t)).json["lifecycle"] == "maintenance"
        assert (await patch(functions, sid, {"lifecycle": "active"}, t)).json["lifecycle"] == "active"
        retire_by_patch = await patch(functions, sid, {"lifecycle": "retired"}, t)
        assert retire_by_patch.status == 422  # only through the retire route
        assert (await read(functions, sid, t)).json["lifecycle"] == "active"

    @pytest.mark.parametrize(
        "body",
        [
            {"location": {"type": "Point", "coordinates": [200, 52]}},
            {"timeZone": "Europe/Atlantis"},
            {"name": "x" * 121},
            {"providerId": "prv_other"},
        ],
    )
    async def test_bad_patch_is_422_and_changes_nothing(self, functions, acme, body):
        created = await new_station(functions, acme)
        before = await read(functions, created["id"], acme.admin.token)
        answer = await patch(functions, created["id"], body, acme.admin.token)
        assert answer.status == 422 and answer.json["code"] == "validation_failed"
        after = await read(functions, created["id"], acme.admin.token)
        assert after.json == before.json and after.headers["etag"] == before.headers["etag"]


class TestRetire:
    async def test_retire_retires_chargers_and_is_final(self, functions, deps, acme):
        sid = (await new_station(functions, acme, lifecycle="active"))["id"]
        added = await functions(
            "create_charger", "POST", token=acme.admin.token, route={"stationId": sid}, body=charger_body()
        )
        assert added.status == 201
        retired = await functions("retire_station", "POST", token=acme.staff.token, route={"stationId": sid})
        assert retired.status == 200 and retired.json["lifecycle"] == "retired"
        assert retired.json["connectors"] == [] and retired.json["maxPowerKw"] == 0
        assert (await get_charger(deps.store, "CP-1")).lifecycle == "retired"
        again = await functions("retire_station", "POST", token=acme.staff.token, route={"stationId": sid})
        assert again.status == 200
        edit = await patch(functions, sid, {"name": "Revived"}, acme.admin.token)
        assert edit.status == 409 and edit.json["code"] == "station_retired"
        charger = await functions(
            "create_charger", "POST", token=acme.admin.token, route={"stationId": sid}, body=charger_body("CP-2")
        )
        assert charger.status == 409
        assert (await read(functions, sid)).status == 404  # no longer public


# --- maintenance windows ---------------------------------------------------------------


def at(clock, **delta):
    return (clock.now() + timedelta(**delta)).isoformat()


@pytest.fixture
async def live(functions, deps, acme):
    """An active station with charger CP-1 (connectors 1 and 2), both reported Available."""
    sid = (await new_station(functions, acme, lifecycle="active"))["id"]
    added = await functions(
        "create_charger", "POST", token=acme.admin.token, route={"stationId": sid}, body=charger_body()
    )
    assert added.status == 201
    station = await get_station(deps.store, sid)
    reported = [c.model_copy(update={"status": ConnectorStatus.AVAILABLE}) for c in station.connectors]
    await save_station(deps.store, station.model_copy(update={"connectors": reported}), station.etag)
    return sid


async def add_window(functions, team, sid, token=None, **body):
    return await functions(
        "create_maintenance_window", "POST", token=token or team.staff.token, route={"stationId": sid}, body=body
    )


async def windows(functions, team, sid):
    answer = await functions("list_maintenance_windows", token=team.staff.token, route={"stationId": sid})
    assert answer.status == 200
    return answer.json


class TestMaintenance:
    async def test_create_list_delete(self, functions, clock, acme, live):
        made = await add_window(
            functions, acme, live, startsAt=at(clock, hours=1), endsAt=at(clock, hours=3), reason="Transformer swap"
        )
        assert made.status == 201, made.json
        wid = made.json["id"]
        assert made.headers["location"] == f"/api/stations/{live}/maintenance-windows/{wid}"
        assert made.json["chargerId"] is None and made.json["reason"] == "Transformer swap"
        assert [w["id"] for w in await windows(functions, acme, live)] == [wid]
        gone = await functions(
            "delete_maintenance_window", "DELETE", token=acme.staff.token, route={"stationId": live, "windowId": wid}
        )
        assert gone.status == 204
        assert await windows(functions, acme, live) == []
        again = await functions(
            "delete_maintenance_window", "DELETE", token=acme.staff.token, route={"stationId": live, "windowId": wid}
        )
        assert again.status == 404 and again.json["code"] == "maintenance_window_not_found"

    async def test_overlaps(self, functions, clock, acme, live):
        one = {"chargerId": "CP-1", "connectorId": 1}
        assert (
            await add_window(functions, acme, live, startsAt=at(clock, hours=1), endsAt=at(clock, hours=3), **one)
        ).status == 201
        # another connector at the same time, and the same connector right after, are fine
        assert (
            await add_window(
                functions,
                acme,
                live,
                startsAt=at(clock, hours=1),
                endsAt=at(clock, hours=3),
                chargerId="CP-1",
                connectorId=2,
            )
        ).status == 201
        assert (
            await add_window(functions, acme, live, startsAt=at(clock, hours=3), endsAt=at(clock, hours=4), **one)
        ).status == 201
        before = await windows(functions, acme, live)
        same = await add_window(functions, acme, live, startsAt=at(clock, hours=2), endsAt=at(clock, hours=5), **one)
        assert same.status == 422 and same.json["code"] == "maintenance_overlap"
        wide = await add_window(
            functions, acme, live, startsAt=at(clock, hours=2), endsAt=at(clock, hours=2, minutes=5)
        )
        assert wide.status == 422 and wide.json["code"] == "maintenance_overlap"
        assert await windows(functions, acme, live) == before

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"startsAt": (-3, 0), "endsAt": (-1, 0)}, "maintenance_in_past"),
            ({"startsAt": (2, 0), "endsAt": (1, 0)}, "validation_failed"),
            ({"startsAt": (1, 0), "endsAt": (1, 0)}, "validation_failed"),
            ({"startsAt": (1, 0), "endsAt": (2, 0), "chargerId": "CP-1"}, "validation_failed"),
            ({"startsAt": (1, 0), "endsAt": (2, 0), "chargerId": "CP-1", "connectorId": 3}, "unknown_connector"),
            ({"startsAt": (1, 0), "endsAt": (2, 0), "chargerId": "CP-9", "connectorId": 1}, "unknown_connector"),
            ({"startsAt": "2026-12-01T10:00:00", "endsAt": "2026-12-01T12:00:00"}, "validation_failed"),  # no zone
        ],
    )
    async def test_bad_window_is_422_and_changes_nothing(self, functions, deps, clock, acme, live, body, code):
        def when(value):
            return value if isinstance(value, str) else at(clock, hours=value[0], minutes=value[1])

        before = await get_station(deps.store, live)
        answer = await add_window(
            functions, acme, live, **{k: when(v) if k.endswith("At") else v for k, v in body.items()}
        )
        assert answer.status == 422 and answer.json["code"] == code, answer.json
        assert (await get_station(deps.store, live)).etag == before.etag

    async def test_windows_ended_over_30_days_ago_are_pruned_on_write(self, functions, deps, clock, acme, live):
        old = await add_window(functions, acme, live, startsAt=at(clock, hours=1), endsAt=at(clock, hours=2))
        recent = await add_window(functions, acme, live, startsAt=at(clock, days=20), endsAt=at(clock, days=21))
        clock.advance(days=30, hours=1)  # the old one ended 29 days 23 hours ago: kept
        token = acme.staff.renewed(deps).token
        kept = await add_window(functions, acme, live, token, startsAt=at(clock, hours=1), endsAt=at(clock, hours=2))
        assert kept.status == 201
        assert old.json["id"] in {w.id for w in (await get_station(deps.store, live)).maintenance}
        clock.advance(hours=2)
        token = acme.staff.renewed(deps).token
        new = await add_window(functions, acme, live, token, startsAt=at(clock, hours=1), endsAt=at(clock, hours=2))
        assert new.status == 201
        stored = [w.id for w in (await get_station(deps.store, live)).maintenance]
        assert stored == [recent.json["id"], kept.json["id"], new.json["id"]]

    async def test_station_detail_shows_effective_status(self, functions, deps, clock, acme, live):
        await add_window(
            functions,
            acme,
            live,
            startsAt=at(clock, minutes=30),
            endsAt=at(clock, hours=1),
            chargerId="CP-1",
            connectorId=2,
        )
        assert (await read(functions, live)).json["effectiveStatus"] == {"CP-1/1": "Available", "CP-1/2": "Available"}
        clock.advance(minutes=45)
        detail = await read(functions, live)
        assert detail.json["effectiveStatus"] == {"CP-1/1": "Available", "CP-1/2": "Unavailable"}
        assert [c["status"] for c in detail.json["connectors"]] == ["Available", "Available"]  # as reported
        clock.advance(minutes=15)
        assert (await read(functions, live)).json["effectiveStatus"]["CP-1/2"] == "Available"
        token = acme.admin.renewed(deps).token  # the clock moved past the first token's expiry
        assert (await patch(functions, live, {"lifecycle": "maintenance"}, token)).status == 200
        members_view = await read(functions, live, token)
        assert set(members_view.json["effectiveStatus"].values()) == {"Unavailable"}


# --- tenancy: every station and maintenance endpoint, walked by each kind of caller --------------------------------

WALK = ("create", "list", "read", "update", "add_window", "list_windows", "delete_window", "retire")
# Wrong role: 403 before anything is looked up; another tenant's resource: 404, as if it did not exist.
EXPECTED = {
    "anonymous": (401, 401, 404, 401, 401, 401, 401, 401),
    "driver": (403, 403, 404, 403, 403, 403, 403, 403),
    "foreign_admin": (404, 404, 404, 404, 404, 404, 404, 404),
    "own_staff": (201, 200, 200, 200, 201, 200, 204, 200),
    "own_admin": (201, 200, 200, 200, 201, 200, 204, 200),
    "platform_admin": (201, 200, 200, 200, 201, 200, 204, 200),
}


@pytest.mark.parametrize("caller", list(EXPECTED))
async def test_tenancy_walk(functions, deps, clock, acme, rival, caller):
    token = {
        "anonymous": None,
        "driver": (await driver(deps)).token,
        "foreign_admin": rival.admin.token,
        "own_staff": acme.staff.token,
        "own_admin": acme.admin.token,
        "platform_admin": platform_admin(deps).token,
    }[caller]
    sid = (await new_station(functions, acme))["id"]  # a draft: not public
    window = await add_window(functions, acme, sid, startsAt=at(clock, hours=1), endsAt=at(clock, hours=2))
    route = {"stationId": sid}
    seen = {
        "create": (
            await functions("create_station", "POST", token=token, route={"providerId": acme.id}, body=station_body())
        ).status,
        "list": (await functions("list_provider_stations", token=token, route={"providerId": acme.id})).status,
        "read": (await read(functions, sid, token)).status,
        "update": (await patch(functions, sid, {"name": "Renamed"}, token)).status,
        "add_window": (
            await functions(
                "create_maintenance_window",
                "POST",
                token=token,
                route=route,
                body={"startsAt": at(clock, hours=3), "endsAt": at(clock, hours=4)},
            )
        ).status,
        "list_windows": (await functions("list_maintenance_windows", token=token, route=route)).status,
        "delete_window": (
            await functions(
                "delete_maintenance_window", "DELETE", token=token, route={**route, "windowId": window.json["id"]}
            )
        ).status,
        "retire": (await functions("retire_station", "POST", token=token, route=route)).status,
    }
    assert seen == dict(zip(WALK, EXPECTED[caller], strict=True))
    unchanged = EXPECTED[caller][0] != 201
    station = await get_station(deps.store, sid)
    assert (station.name == "Depot Mitte") is unchanged and (station.lifecycle == "draft") is unchanged
    assert (window.json["id"] in {w.id for w in station.maintenance}) is unchanged

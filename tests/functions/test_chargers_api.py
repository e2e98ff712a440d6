"""Chargers through the HTTP functions: registration, the station's connector projection, passwords, tenancy."""

from __future__ import annotations

import pytest

from shared.domain.stations import ConnectorStatus
from shared.repositories.chargers import find_charger, get_charger, save_charger, station_chargers
from shared.repositories.stations import get_station, save_station
from shared.services.chargers import verify_charger_password
from tests.providers_fixture import (
    CHARGER_PASSWORD,
    charger_body,
    driver,
    platform_admin,
    set_provider_status,
    station_body,
)

pytestmark = pytest.mark.usefixtures("deps")

AC = {"connectorId": 1, "standard": "TYPE_2", "powerType": "AC", "maxPowerKw": 22}
DC = {"connectorId": 2, "standard": "CCS2", "powerType": "DC", "maxPowerKw": 150}


async def new_station(functions, team, **overrides):
    answer = await functions(
        "create_station", "POST", token=team.admin.token, route={"providerId": team.id}, body=station_body(**overrides)
    )
    assert answer.status == 201, answer.json
    return answer.json["id"]


@pytest.fixture
async def sid(functions, acme):
    return await new_station(functions, acme, lifecycle="active")


async def add(functions, station_id, token, **body):
    return await functions("create_charger", "POST", token=token, route={"stationId": station_id}, body=body)


async def patch(functions, charger_id, body, token, etag=None):
    headers = {"if-match": etag} if etag else {}
    return await functions(
        "update_charger", "PATCH", body=body, token=token, headers=headers, route={"chargerId": charger_id}
    )


class TestCreate:
    async def test_create_hashes_the_password_and_rebuilds_the_station(self, functions, deps, acme, sid):
        answer = await add(functions, sid, acme.staff.token, **charger_body("CP-1"))
        assert answer.status == 201, answer.json
        assert answer.headers["location"] == "/api/chargers/CP-1" and answer.headers["etag"]
        body = answer.json
        assert body["id"] == "CP-1" and body["providerId"] == acme.id and body["stationId"] == sid
        assert body["lifecycle"] == "active" and body["serialNumber"] == "SN-0001"
        assert "password" not in body and "passwordHash" not in body and CHARGER_PASSWORD not in answer.body.decode()
        stored = await get_charger(deps.store, "CP-1")
        assert stored.password_hash.startswith("$argon2id$") and CHARGER_PASSWORD not in stored.password_hash
        assert await verify_charger_password(deps, "CP-1", CHARGER_PASSWORD) == stored
        assert await verify_charger_password(deps, "CP-1", "not-the-password") is None
        assert await verify_charger_password(deps, "CP-404", CHARGER_PASSWORD) is None

        station = (await functions("read_station", route={"stationId": sid})).json
        assert [c["chargerId"] + "/" + str(c["connectorId"]) for c in station["connectors"]] == ["CP-1/1", "CP-1/2"]
        assert station["standards"] == ["CCS2", "TYPE_2"] and station["maxPowerKw"] == 150
        assert {c["status"] for c in station["connectors"]} == {"Unknown"}

    async def test_the_password_is_never_returned_anywhere(self, functions, acme, sid):
        await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        listed = await functions("list_station_chargers", token=acme.admin.token, route={"stationId": sid})
        read = await functions("read_charger", token=acme.admin.token, route={"chargerId": "CP-1"})
        for answer in (listed, read):
            assert answer.status == 200 and 'assword"' not in answer.body.decode().replace("passwordUpdatedAt", "")

    async def test_identity_is_unique_across_providers(self, functions, deps, acme, rival, sid):
        assert (await add(functions, sid, acme.admin.token, **charger_body("CP-1"))).status == 201
        theirs = await new_station(functions, rival)
        taken = await add(functions, theirs, rival.admin.token, **charger_body("CP-1", vendor="Other"))
        assert taken.status == 422 and taken.json["code"] == "charger_identity_taken"
        assert (await get_charger(deps.store, "CP-1")).provider_id == acme.id
        assert (await get_station(deps.store, theirs)).connectors == []
        again = await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        assert again.status == 422 and again.json["code"] == "charger_identity_taken"

    async def test_suspended_provider_cannot_add_chargers(self, functions, deps, acme, sid):
        await set_provider_status(deps, acme.id, "suspended")
        answer = await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        assert answer.status == 409 and answer.json["code"] == "provider_suspended"
        assert await find_charger(deps.store, "CP-1") is None

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"connectors": [{**AC, "standard": "SCHUKO"}]}, "connectors.0.standard"),
            ({"connectors": [{**AC, "maxPowerKw": -7}]}, "connectors.0.maxPowerKw"),
            ({"connectors": [{**AC, "maxPowerKw": 0}]}, "connectors.0.maxPowerKw"),
            ({"connectors": [{**DC, "connectorId": 1, "powerType": "AC"}]}, "connectors.0"),  # CCS2 is DC
            ({"connectors": [{**AC, "standard": "CHADEMO"}]}, "connectors.0"),  # CHAdeMO is DC
            ({"connectors": [{**AC, "powerType": "DC", "maxPowerKw": 50}]}, "connectors.0"),  # Type 2 is AC
            ({"connectors": [{**AC, "maxPowerKw": 100}]}, "connectors.0"),  # no AC connector gives 100 kW
            ({"connectors": [AC, {**DC, "connectorId": 1}]}, "connectors"),  # duplicate id
            ({"connectors": [{**DC, "connectorId": 2}]}, "connectors"),  # must start at 1
            ({"connectors": [{**AC, "connectorId": 0}]}, "connectors.0.connectorId"),
            ({"connectors": []}, "connectors"),
            ({"password": "short-pw"}, "password"),
            ({"identity": "CP 1/../x"}, "identity"),
            ({"identity": "X" * 49}, "identity"),
            ({"vendor": ""}, "vendor"),
            ({"passwordHash": "$argon2id$..."}, "passwordHash"),
        ],
    )
    async def test_bad_input_is_422_and_changes_nothing(self, functions, deps, acme, sid, overrides, field):
        before = await get_station(deps.store, sid)
        answer = await add(functions, sid, acme.admin.token, **{**charger_body("CP-1"), **overrides})
        assert answer.status == 422 and answer.json["code"] == "validation_failed", answer.json
        assert field in {e["field"] for e in answer.json["errors"]}, answer.json["errors"]
        assert await station_chargers(deps.store, sid, lifecycle=None) == []
        assert (await get_station(deps.store, sid)).etag == before.etag

    async def test_nacs_may_be_ac_or_dc(self, functions, acme, sid):
        nacs = [{**AC, "standard": "NACS", "maxPowerKw": 11}, {**DC, "standard": "NACS", "maxPowerKw": 250}]
        assert (await add(functions, sid, acme.admin.token, **charger_body("CP-N", connectors=nacs))).status == 201

    async def test_unknown_station_is_404(self, functions, acme):
        answer = await add(functions, "stn_nope", acme.admin.token, **charger_body())
        assert answer.status == 404 and answer.json["code"] == "station_not_found"


class TestUpdate:
    async def test_patch_connectors_rebuilds_and_keeps_live_state_by_key(self, functions, deps, acme, sid):
        created = await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        await add(functions, sid, acme.admin.token, **charger_body("CP-2", connectors=[AC]))
        # the charging flow reported statuses, and a tariff was attached to CP-1/1
        charger = await get_charger(deps.store, "CP-1")
        tariffed = [
            c.model_copy(update={"tariff_id": "trf_1"}) if c.connector_id == 1 else c for c in charger.connectors
        ]
        await save_charger(deps.store, charger.model_copy(update={"connectors": tariffed}), etag=charger.etag)
        station = await get_station(deps.store, sid)
        reported = [
            c.model_copy(update={"status": ConnectorStatus.CHARGING, "suspect": True}) for c in station.connectors
        ]
        await save_station(deps.store, station.model_copy(update={"connectors": reported}), station.etag)

        etag = (await functions("read_charger", token=acme.admin.token, route={"chargerId": "CP-1"})).headers["etag"]
        assert etag != created.headers["etag"]  # the tariff write above
        new = [
            {**AC, "maxPowerKw": 11},
            {**DC, "connectorId": 2, "standard": "CHADEMO", "maxPowerKw": 50},
            {**DC, "connectorId": 3},
        ]
        ok = await patch(functions, "CP-1", {"vendor": "Kempower", "connectors": new}, acme.staff.token, etag)
        assert ok.status == 200, ok.json
        assert ok.json["vendor"] == "Kempower" and ok.json["connectors"][0]["tariffId"] == "trf_1"
        assert ok.json["connectors"][1]["tariffId"] is None

        after = await get_station(deps.store, sid)
        by_key = {c.key: c for c in after.connectors}
        assert list(by_key) == ["CP-1/1", "CP-1/2", "CP-1/3", "CP-2/1"]
        assert by_key["CP-1/1"].max_power_kw == 11 and by_key["CP-1/1"].status is ConnectorStatus.CHARGING
        assert by_key["CP-1/1"].suspect and by_key["CP-1/1"].tariff_id == "trf_1"
        assert by_key["CP-1/2"].standard == "CHADEMO" and by_key["CP-1/2"].status is ConnectorStatus.CHARGING
        assert by_key["CP-1/3"].status is ConnectorStatus.UNKNOWN and not by_key["CP-1/3"].suspect
        assert after.standards == ["CCS2", "CHADEMO", "TYPE_2"] and after.max_power_kw == 150

        stale = await patch(functions, "CP-1", {"model": "Lost update"}, acme.staff.token, etag)
        assert stale.status == 412 and stale.json["code"] == "stale_version"
        assert (await get_charger(deps.store, "CP-1")).model == "Terra 184"

    async def test_removing_a_connector_drops_it_from_the_station(self, functions, deps, acme, sid):
        await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        assert (await patch(functions, "CP-1", {"connectors": [AC]}, acme.admin.token)).status == 200
        station = await get_station(deps.store, sid)
        assert [c.key for c in station.connectors] == ["CP-1/1"] and station.standards == ["TYPE_2"]
        assert station.max_power_kw == 22

    @pytest.mark.parametrize(
        "body",
        [
            {"connectors": [{**AC, "maxPowerKw": -1}]},
            {"connectors": [{**AC, "standard": "GB_T"}]},
            {"connectors": [AC, {**AC, "connectorId": 3}]},
            {"password": "a-new-long-password"},  # rotation has its own route
            {"stationId": "stn_other"},
        ],
    )
    async def test_bad_patch_is_422_and_changes_nothing(self, functions, deps, acme, sid, body):
        await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        before_charger, before_station = await get_charger(deps.store, "CP-1"), await get_station(deps.store, sid)
        answer = await patch(functions, "CP-1", body, acme.admin.token)
        assert answer.status == 422
        assert (await get_charger(deps.store, "CP-1")).etag == before_charger.etag
        assert (await get_station(deps.store, sid)).etag == before_station.etag


class TestPasswordAndRetire:
    async def test_rotation_by_the_provider_admin(self, functions, deps, clock, acme, sid):
        await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        clock.advance(minutes=5)
        new = "rotated-secret-0002"
        by_staff = await functions(
            "rotate_charger_password",
            "POST",
            token=acme.staff.renewed(deps).token,
            route={"chargerId": "CP-1"},
            body={"password": new},
        )
        assert by_staff.status == 403 and by_staff.json["code"] == "forbidden_role"
        short = await functions(
            "rotate_charger_password",
            "POST",
            token=acme.admin.renewed(deps).token,
            route={"chargerId": "CP-1"},
            body={"password": "too-short"},
        )
        assert short.status == 422
        assert await verify_charger_password(deps, "CP-1", CHARGER_PASSWORD) is not None
        ok = await functions(
            "rotate_charger_password",
            "POST",
            token=acme.admin.renewed(deps).token,
            route={"chargerId": "CP-1"},
            body={"password": new},
        )
        assert ok.status == 200 and ok.json["passwordUpdatedAt"] == clock.now().isoformat().replace("+00:00", "Z")
        assert await verify_charger_password(deps, "CP-1", CHARGER_PASSWORD) is None
        assert await verify_charger_password(deps, "CP-1", new) is not None

    async def test_retire_leaves_the_station_and_refuses_connections(self, functions, deps, acme, sid):
        await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        await add(functions, sid, acme.admin.token, **charger_body("CP-2", connectors=[AC]))
        retired = await functions("retire_charger", "POST", token=acme.staff.token, route={"chargerId": "CP-1"})
        assert retired.status == 200 and retired.json["lifecycle"] == "retired"
        assert [c.key for c in (await get_station(deps.store, sid)).connectors] == ["CP-2/1"]
        assert await verify_charger_password(deps, "CP-1", CHARGER_PASSWORD) is None
        edit = await patch(functions, "CP-1", {"vendor": "X"}, acme.admin.token)
        assert edit.status == 409 and edit.json["code"] == "charger_retired"
        again = await functions("retire_charger", "POST", token=acme.staff.token, route={"chargerId": "CP-1"})
        assert again.status == 200
        taken = await add(functions, sid, acme.admin.token, **charger_body("CP-1"))
        assert taken.status == 422  # an identity is never reused

        def listing(**params):
            return functions("list_station_chargers", token=acme.staff.token, route={"stationId": sid}, params=params)

        assert [c["id"] for c in (await listing()).json["items"]] == ["CP-1", "CP-2"]
        assert [c["id"] for c in (await listing(lifecycle="active")).json["items"]] == ["CP-2"]
        assert [c["id"] for c in (await listing(lifecycle="retired")).json["items"]] == ["CP-1"]

    async def test_list_pages(self, functions, acme, sid):
        for n in range(5):
            await add(functions, sid, acme.admin.token, **charger_body(f"CP-{n}", connectors=[AC]))
        seen, token = [], None
        for _ in range(10):
            params = {"limit": "2", **({"continuationToken": token} if token else {})}
            page = await functions(
                "list_station_chargers", token=acme.staff.token, route={"stationId": sid}, params=params
            )
            assert page.status == 200 and len(page.json["items"]) <= 2
            seen += [c["id"] for c in page.json["items"]]
            if (token := page.json["continuationToken"]) is None:
                break
        assert sorted(seen) == [f"CP-{n}" for n in range(5)]

    async def test_garbage_continuation_token_is_422(self, functions, acme, sid):
        answer = await functions(
            "list_station_chargers",
            token=acme.staff.token,
            route={"stationId": sid},
            params={"continuationToken": "%%%not-a-token"},
        )
        assert answer.status == 422 and answer.json["code"] == "invalid_continuation_token"


# --- tenancy: every charger endpoint, walked by each kind of caller ---------------------------------------------

WALK = ("create", "list", "read", "update", "rotate", "retire")
EXPECTED = {
    "anonymous": (401, 401, 401, 401, 401, 401),
    "driver": (403, 403, 403, 403, 403, 403),
    "foreign_admin": (404, 404, 404, 404, 404, 404),
    "own_staff": (201, 200, 200, 200, 403, 200),  # only the provider admin rotates passwords
    "own_admin": (201, 200, 200, 200, 200, 200),
    "platform_admin": (201, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("caller", list(EXPECTED))
async def test_tenancy_walk(functions, deps, acme, rival, sid, caller):
    token = {
        "anonymous": None,
        "driver": (await driver(deps)).token,
        "foreign_admin": rival.admin.token,
        "own_staff": acme.staff.token,
        "own_admin": acme.admin.token,
        "platform_admin": platform_admin(deps).token,
    }[caller]
    assert (await add(functions, sid, acme.admin.token, **charger_body("CP-1"))).status == 201
    original_hash = (await get_charger(deps.store, "CP-1")).password_hash
    one = {"chargerId": "CP-1"}
    seen = {
        "create": (await add(functions, sid, token, **charger_body("CP-NEW"))).status,
        "list": (await functions("list_station_chargers", token=token, route={"stationId": sid})).status,
        "read": (await functions("read_charger", token=token, route=one)).status,
        "update": (await patch(functions, "CP-1", {"vendor": "Changed"}, token)).status,
        "rotate": (
            await functions("rotate_charger_password", "POST", token=token, route=one, body={"password": "x" * 16})
        ).status,
        "retire": (await functions("retire_charger", "POST", token=token, route=one)).status,
    }
    assert seen == dict(zip(WALK, EXPECTED[caller], strict=True))
    charger = await get_charger(deps.store, "CP-1")
    allowed = EXPECTED[caller][0] == 201
    assert (charger.vendor == "Changed") is allowed and (charger.lifecycle == "retired") is allowed
    assert (await find_charger(deps.store, "CP-NEW") is not None) is allowed
    rotated = charger.password_hash != original_hash
    assert rotated is (caller in {"own_admin", "platform_admin"})

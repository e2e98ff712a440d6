"""Tariffs and their versions through the HTTP functions, called without a host."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest

from shared.domain.chargers import Charger, ChargerConnector
from shared.domain.errors import Forbidden
from shared.domain.geo import GeoPoint
from shared.domain.stations import Address, ConnectorStandard, PowerType, Station
from shared.domain.tariffs import TariffCreate, TariffVersionCreate
from shared.repositories.chargers import add_charger, get_charger
from shared.repositories.stations import add_station, get_station, rebuild_connectors
from shared.repositories.tariffs import get_tariff_version
from shared.services import station_prices, tariffs
from tests.providers_fixture import driver, platform_admin, set_provider_status


def energy_tariff(price="0.39", name="Standard", currency="EUR"):
    return {
        "name": name,
        "currency": currency,
        "elements": [
            {"priceComponents": [{"type": "ENERGY", "price": price}]},
            {
                "priceComponents": [{"type": "TIME", "price": "6.00", "stepSize": 60}],
                "restrictions": {"minDuration": 3600},
            },
            {"priceComponents": [{"type": "TIME", "price": "0"}]},
        ],
    }


def version_body(price):
    body = energy_tariff(price)
    del body["name"]
    return body


async def make_station(deps, team, name="Alexanderplatz", with_charger=False):
    now: datetime = deps.clock.now()
    station = await add_station(
        deps.store,
        Station(
            id=f"stn_{uuid.uuid4().hex}",
            provider_id=team.id,
            provider_name=team.provider.display_name,
            name=name,
            address=Address(street="Hauptstraße 1", city="Berlin", postal_code="10117", country="DE"),
            location=GeoPoint.at(13.41, 52.52),
            time_zone="Europe/Berlin",
            lifecycle="active",
            created_at=now,
            updated_at=now,
        ),
    )
    if not with_charger:
        return station
    connectors = [
        ChargerConnector(connector_id=1, standard=ConnectorStandard.CCS2, power_type=PowerType.DC, max_power_kw=150),
        ChargerConnector(connector_id=2, standard=ConnectorStandard.TYPE_2, power_type=PowerType.AC, max_power_kw=22),
    ]
    await add_charger(
        deps.store,
        Charger(
            id=f"CP-{uuid.uuid4().hex[:8]}",
            provider_id=team.id,
            station_id=station.id,
            vendor="ABB",
            model="Terra",
            password_hash="not-a-real-hash",
            password_updated_at=now,
            connectors=connectors,
            created_at=now,
            updated_at=now,
        ),
    )
    return await rebuild_connectors(deps.store, station.id, provider_id=team.id)


async def create(functions, team, body=None, token=None):
    return await functions(
        "create_tariff",
        "POST",
        token=token or team.admin.token,
        route={"providerId": team.id},
        body=body or energy_tariff(),
    )


async def new_tariff(functions, team, **kwargs):
    answer = await create(functions, team, energy_tariff(**kwargs))
    assert answer.status == 201, answer.json
    return answer.json


async def add_version(functions, tariff_id, token, price="0.45", headers=None):
    return await functions(
        "add_tariff_version",
        "POST",
        token=token,
        route={"tariffId": tariff_id},
        body=version_body(price),
        headers=headers,
    )


async def attach(functions, station_id, token, **body):
    return await functions("attach_tariff", "PUT", token=token, route={"stationId": station_id}, body=body)


class TestCreate:
    async def test_create_gives_version_1_with_its_summary(self, functions, acme):
        answer = await create(functions, acme)
        assert answer.status == 201, answer.json
        tariff = answer.json
        assert tariff["id"].startswith("trf_") and answer.headers["location"] == f"/api/tariffs/{tariff['id']}"
        assert tariff["currentVersion"] == 1 and tariff["providerId"] == acme.id
        assert tariff["summary"] == "0.39 EUR/kWh, 0.10 EUR/min after 60 min"
        [v1] = tariff["versions"]
        assert v1["id"] == f"{tariff['id']}:v1" and v1["version"] == 1
        assert v1["elements"][0]["priceComponents"][0]["price"] == "0.39"  # a decimal string, never a float

    @pytest.mark.parametrize(
        ("mutate", "code"),
        [
            (lambda b: b["elements"].pop(), "tariff_missing_fallback"),
            (lambda b: b.update(currency="USD"), "currency_mismatch"),
            (lambda b: b.update(currency="XYZ"), "unknown_currency"),
            (lambda b: b["elements"][1]["restrictions"].update(maxDuration=1800), "tariff_range"),
            (lambda b: b.update(minPrice={"exclVat": "5"}, maxPrice={"exclVat": "1"}), "tariff_price_limits"),
            (lambda b: b["elements"][0]["priceComponents"][0].update(price="-1"), "validation_failed"),
            (lambda b: b["elements"][0].update(restriction={}), "validation_failed"),
        ],
    )
    async def test_bad_tariffs_get_422_with_a_code_and_nothing_is_stored(self, functions, acme, mutate, code):
        body = energy_tariff()
        mutate(body)
        answer = await create(functions, acme, body)
        assert answer.status == 422, answer.json
        assert answer.json["code"] == code and answer.json["detail"]
        listed = await functions("list_tariffs", token=acme.admin.token, route={"providerId": acme.id})
        assert listed.json["items"] == []

    async def test_suspended_provider_cannot_create(self, functions, deps, acme):
        await set_provider_status(deps, acme.id, "suspended")
        answer = await create(functions, acme)
        assert answer.status == 409 and answer.json["code"] == "provider_suspended"

    async def test_list_by_name_for_members(self, functions, acme, rival):
        await new_tariff(functions, acme, name="Night")
        await new_tariff(functions, acme, name="Day")
        await new_tariff(functions, rival, name="Rival")
        listed = await functions("list_tariffs", token=acme.staff.token, route={"providerId": acme.id})
        assert listed.status == 200
        assert [t["name"] for t in listed.json["items"]] == ["Day", "Night"]

    async def test_bad_continuation_token_is_422(self, functions, acme):
        answer = await functions(
            "list_tariffs", token=acme.admin.token, route={"providerId": acme.id}, params={"continuationToken": "x"}
        )
        assert answer.status == 422


class TestVersions:
    async def test_a_change_is_a_new_version_and_earlier_ones_stay_readable(self, functions, deps, acme):
        tariff = await new_tariff(functions, acme)
        answer = await add_version(functions, tariff["id"], acme.admin.token, "0.45")
        assert answer.status == 201, answer.json
        assert answer.json["version"] == 2
        assert answer.headers["location"] == f"/api/tariffs/{tariff['id']}/versions/2"
        detail = await functions("read_tariff", token=acme.staff.token, route={"tariffId": tariff["id"]})
        assert detail.json["currentVersion"] == 2 and detail.json["summary"].startswith("0.45 EUR/kWh")
        assert [v["version"] for v in detail.json["versions"]] == [1, 2]
        v1 = await functions(
            "read_tariff_version", token=acme.staff.token, route={"tariffId": tariff["id"], "version": "1"}
        )
        assert v1.status == 200 and v1.json["summary"].startswith("0.39 EUR/kWh")
        # what billing reads: the current version by default, any earlier one by number
        assert (await get_tariff_version(deps.store, acme.id, tariff["id"])).version == 2
        old = await get_tariff_version(deps.store, acme.id, tariff["id"], 1)
        assert str(old.elements[0].price_components[0].price) == "0.39"

    async def test_concurrent_changes_become_versions_2_and_3_never_two_2s(self, functions, deps, acme):
        tariff = await new_tariff(functions, acme)
        station = await make_station(deps, acme)
        assert (await attach(functions, station.id, acme.admin.token, tariffId=tariff["id"])).status == 200
        first, second = await asyncio.gather(
            add_version(functions, tariff["id"], acme.admin.token, "0.45"),
            add_version(functions, tariff["id"], acme.admin.token, "0.55"),
        )
        assert (first.status, second.status) == (201, 201), (first.json, second.json)
        assert sorted([first.json["version"], second.json["version"]]) == [2, 3]
        detail = await functions("read_tariff", token=acme.admin.token, route={"tariffId": tariff["id"]})
        assert detail.json["currentVersion"] == 3
        assert [v["version"] for v in detail.json["versions"]] == [1, 2, 3]
        third = first.json if first.json["version"] == 3 else second.json
        priced = await get_station(deps.store, station.id)
        assert priced.price_summary is not None and priced.price_summary.version == 3
        assert priced.price_summary.text == third["summary"]

    async def test_stale_if_match_is_412_and_adds_nothing(self, functions, acme):
        tariff = await new_tariff(functions, acme)
        answer = await add_version(functions, tariff["id"], acme.admin.token, headers={"if-match": "stale"})
        assert answer.status == 412
        detail = await functions("read_tariff", token=acme.admin.token, route={"tariffId": tariff["id"]})
        assert detail.json["currentVersion"] == 1 and len(detail.json["versions"]) == 1
        fresh = await add_version(
            functions, tariff["id"], acme.admin.token, headers={"if-match": detail.headers["etag"]}
        )
        assert fresh.status == 201

    async def test_a_bad_version_changes_nothing(self, functions, acme):
        tariff = await new_tariff(functions, acme)
        body = version_body("0.45")
        body["elements"].pop(0)
        body["elements"].append({"priceComponents": [{"type": "TIME", "price": "1"}], "restrictions": {"minKwh": 5}})
        answer = await functions(
            "add_tariff_version", "POST", token=acme.admin.token, route={"tariffId": tariff["id"]}, body=body
        )
        assert answer.status == 422 and answer.json["code"] == "tariff_unreachable_element"
        detail = await functions("read_tariff", token=acme.admin.token, route={"tariffId": tariff["id"]})
        assert detail.json["currentVersion"] == 1

    @pytest.mark.parametrize(
        ("version", "status", "code"),
        [("x", 422, "invalid_version"), ("0", 422, "invalid_version"), ("9", 404, "tariff_version_not_found")],
    )
    async def test_reading_a_missing_version(self, functions, acme, version, status, code):
        tariff = await new_tariff(functions, acme)
        answer = await functions(
            "read_tariff_version", token=acme.admin.token, route={"tariffId": tariff["id"], "version": version}
        )
        assert (answer.status, answer.json["code"]) == (status, code)


class TestAttach:
    async def test_attaching_and_each_new_version_reprice_the_station(self, functions, deps, acme):
        tariff = await new_tariff(functions, acme)
        station = await make_station(deps, acme)
        answer = await attach(functions, station.id, acme.admin.token, tariffId=tariff["id"])
        assert answer.status == 200, answer.json
        assert answer.json["tariffId"] == tariff["id"] and answer.json["energyPricePerKwh"] == 0.39
        assert answer.json["priceSummary"] == {
            "tariffId": tariff["id"],
            "version": 1,
            "currency": "EUR",
            "text": "0.39 EUR/kWh, 0.10 EUR/min after 60 min",
            "energyPerKwh": "0.39",
        }
        await add_version(functions, tariff["id"], acme.admin.token, "0.45")
        repriced = await get_station(deps.store, station.id)
        assert repriced.energy_price_per_kwh == 0.45 and repriced.price_summary is not None
        assert (repriced.price_summary.version, repriced.price_summary.energy_per_kwh) == (2, "0.45")

    async def test_other_stations_are_left_alone(self, functions, deps, acme):
        tariff, other = await new_tariff(functions, acme), await new_tariff(functions, acme, price="0.60")
        station, elsewhere = await make_station(deps, acme), await make_station(deps, acme, "Zoo")
        await attach(functions, station.id, acme.admin.token, tariffId=tariff["id"])
        await attach(functions, elsewhere.id, acme.admin.token, tariffId=other["id"])
        await add_version(functions, tariff["id"], acme.admin.token, "0.45")
        untouched = await get_station(deps.store, elsewhere.id)
        assert untouched.energy_price_per_kwh == 0.60 and untouched.price_summary.version == 1

    async def test_attach_to_one_connector_writes_the_charger_and_the_projection(self, functions, deps, acme):
        tariff = await new_tariff(functions, acme)
        station = await make_station(deps, acme, with_charger=True)
        charger_id = station.connectors[0].charger_id
        answer = await attach(
            functions, station.id, acme.admin.token, tariffId=tariff["id"], chargerId=charger_id, connectorId=2
        )
        assert answer.status == 200, answer.json
        by_key = {c["connectorId"]: c["tariffId"] for c in answer.json["connectors"]}
        assert by_key == {1: None, 2: tariff["id"]}
        assert answer.json["tariffId"] is None  # the station's own tariff is unchanged
        charger = await get_charger(deps.store, charger_id)
        assert [c.tariff_id for c in charger.connectors] == [None, tariff["id"]]
        rebuilt = await rebuild_connectors(deps.store, station.id, provider_id=acme.id)
        assert rebuilt.connectors[1].tariff_id == tariff["id"]

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"tariffId": "trf_nope"}, "unknown_tariff"),
            ({"chargerId": "CP-X"}, "connector_incomplete"),
            ({"chargerId": "CP-X", "connectorId": 1}, "unknown_connector"),
            ({"connectorId": 0}, "validation_failed"),
        ],
    )
    async def test_bad_attachments_are_422_and_change_nothing(self, functions, deps, acme, body, code):
        tariff = await new_tariff(functions, acme)
        station = await make_station(deps, acme, with_charger=True)
        answer = await attach(functions, station.id, acme.admin.token, **{"tariffId": tariff["id"], **body})
        assert answer.status == 422 and answer.json["code"] == code, answer.json
        assert (await get_station(deps.store, station.id)).etag == station.etag

    async def test_suspended_provider_cannot_attach(self, functions, deps, acme):
        tariff = await new_tariff(functions, acme)
        station = await make_station(deps, acme)
        await set_provider_status(deps, acme.id, "suspended")
        answer = await attach(functions, station.id, acme.admin.token, tariffId=tariff["id"])
        assert answer.status == 409 and answer.json["code"] == "provider_suspended"

    async def test_another_providers_tariff_cannot_be_attached(self, functions, deps, acme, rival):
        theirs = await new_tariff(functions, rival)
        station = await make_station(deps, acme)
        answer = await attach(functions, station.id, acme.admin.token, tariffId=theirs["id"])
        assert answer.status == 422 and answer.json["code"] == "unknown_tariff"


class TestTenancy:
    """Every endpoint, walked with each kind of caller."""

    async def test_the_services_refuse_staff_writes_themselves(self, functions, deps, acme):
        # The routes refuse staff by role already; the services must not rely on that.
        tariff = await new_tariff(functions, acme)
        station = await make_station(deps, acme)
        staff, store, clock = deps.tokens.verify(acme.staff.token), deps.store, deps.clock
        with pytest.raises(Forbidden):
            cmd = TariffCreate.model_validate(energy_tariff())
            await tariffs.create_tariff(cmd, provider_id=acme.id, who=staff, store=store, clock=clock)
        with pytest.raises(Forbidden):
            cmd = TariffVersionCreate.model_validate(version_body("0.5"))
            await tariffs.add_version(tariff["id"], cmd, if_match=None, who=staff, store=store, clock=clock)
        with pytest.raises(Forbidden):
            cmd = station_prices.TariffAttach(tariff_id=tariff["id"])
            await station_prices.attach_tariff(station.id, cmd, who=staff, store=store, clock=clock)

    async def test_each_endpoint_with_each_caller(self, functions, deps, acme, rival):
        tariff = await new_tariff(functions, acme)
        station = await make_station(deps, acme)
        tid = tariff["id"]
        endpoints = [  # (function, method, route, body, write?, status when allowed)
            ("create_tariff", "POST", {"providerId": acme.id}, energy_tariff(), True, 201),
            ("list_tariffs", "GET", {"providerId": acme.id}, None, False, 200),
            ("read_tariff", "GET", {"tariffId": tid}, None, False, 200),
            ("add_tariff_version", "POST", {"tariffId": tid}, version_body("0.5"), True, 201),
            ("read_tariff_version", "GET", {"tariffId": tid, "version": "1"}, None, False, 200),
            ("attach_tariff", "PUT", {"stationId": station.id}, {"tariffId": tid}, True, 200),
        ]
        callers = {
            "driver": ((await driver(deps)).token, 403, 403),
            "foreign admin": (rival.admin.token, 404, 404),
            "own staff": (acme.staff.token, 403, None),
            "own admin": (acme.admin.token, None, None),
            "platform admin": (platform_admin(deps).token, None, None),
        }
        for who, (token, on_write, on_read) in callers.items():
            for name, method, route, body, write, allowed in endpoints:
                expected = (on_write if write else on_read) or allowed
                answer = await functions(name, method, token=token, route=route, body=body)
                assert answer.status == expected, (who, name, answer.json)
        anonymous = await functions("list_tariffs", route={"providerId": acme.id})
        assert anonymous.status == 401
        # refused writes changed nothing: two creates and two versions came from the two admins only
        listed = await functions("list_tariffs", token=acme.admin.token, route={"providerId": acme.id})
        assert len(listed.json["items"]) == 3
        assert (await functions("read_tariff", token=acme.admin.token, route={"tariffId": tid})).json[
            "currentVersion"
        ] == 3

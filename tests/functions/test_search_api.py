"""Map search (``GET /api/stations``) through the HTTP function, on the SQLite store."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.domain.principal import Principal, Role
from shared.domain.stations import (
    Address,
    MaintenanceWindow,
    PriceSummary,
    Station,
    StationConnector,
)
from shared.repositories import station_search
from shared.services import search as search_service

pytestmark = pytest.mark.usefixtures("deps")

CENTRE = (13.4050, 52.5200)  # lon, lat
AVAILABLE, CHARGING, UNKNOWN = "Available", "Charging", "Unknown"
Plug = tuple[str, float, str]  # standard, max kW, reported status


def east_of(metres: float, lon: float = CENTRE[0], lat: float = CENTRE[1]) -> tuple[float, float]:
    """The point ``metres`` due east on the same latitude circle is not on a great circle: compute it exactly."""
    d = metres / 6371008.8
    p = math.radians(lat)
    dlon = math.atan2(math.sin(d) * math.cos(p), math.cos(d) - math.sin(p) * math.sin(p))
    lat2 = math.asin(math.sin(p) * math.cos(d))
    return lon + math.degrees(dlon), math.degrees(lat2)


def station_doc(
    station_id: str,
    *,
    lon: float = CENTRE[0],
    lat: float = CENTRE[1],
    provider: str = "prv_a",
    plugs: tuple[Plug, ...] = (("CCS2", 150.0, AVAILABLE),),
    access: str = "public",
    lifecycle: str = "active",
    provider_active: bool = True,
    price: float | None = None,
    rating: float | None = None,
    featured: tuple[datetime, datetime] | None = None,
    maintenance: tuple[MaintenanceWindow, ...] = (),
    name: str | None = None,
    street: str = "Hauptstraße 1",
    city: str = "Berlin",
) -> dict[str, Any]:
    """A valid station document, as the stations service writes it (derived fields included)."""
    created = datetime.fromisoformat("2026-11-01T10:00:00+00:00")
    station = Station(
        id=station_id,
        provider_id=provider,
        provider_name=f"Provider {provider}",
        provider_active=provider_active,
        name=name or f"Station {station_id}",
        address=Address(street=street, city=city, postal_code="10117", country="DE"),
        location={"coordinates": (lon, lat)},
        time_zone="Europe/Berlin",
        access=access,
        lifecycle=lifecycle,
        connectors=[
            StationConnector(
                charger_id=f"{station_id}-C{n}",
                connector_id=1,
                standard=standard,
                power_type="DC" if kw > 43 else "AC",
                max_power_kw=kw,
                status=status,
            )
            for n, (standard, kw, status) in enumerate(plugs)
        ],
        price_summary=None
        if price is None
        else PriceSummary(
            tariff_id="trf_1", version=1, currency="EUR", text=f"{price} EUR/kWh", energy_per_kwh=str(price)
        ),
        energy_price_per_kwh=price,
        rating_average=rating,
        rating_count=0 if rating is None else 12,
        featured_from=featured[0] if featured else None,
        featured_until=featured[1] if featured else None,
        maintenance=list(maintenance),
        created_at=created,
        updated_at=created,
    ).with_derived()
    return station.model_dump(mode="json", by_alias=True)


async def seed(deps, *docs: dict[str, Any]) -> None:
    for doc in docs:
        await deps.store.create("stations", doc)


async def search(functions, token: str | None = None, **params: Any):
    return await functions("search_stations", params={k: str(v) for k, v in params.items()}, token=token)


async def found(functions, token: str | None = None, **params: Any) -> list[str]:
    answer = await search(functions, token, **params)
    assert answer.status == 200, answer.json
    return [item["id"] for item in answer.json["items"]]


def near(**params: Any) -> dict[str, Any]:
    return {"lat": CENTRE[1], "lon": CENTRE[0], "radiusKm": 5, **params}


def member_of(deps, provider: str, role: Role = Role.PROVIDER_STAFF) -> str:
    return deps.tokens.issue(Principal(f"usr_{provider}", f"staff@{provider}.example.com", frozenset({role}), provider))


class TestArea:
    async def test_radius_finds_the_nearest_first_with_distances(self, functions, deps):
        await seed(
            deps, *(station_doc(f"stn_{m}", lon=east_of(m)[0], lat=east_of(m)[1]) for m in (4_000, 1_000, 6_000))
        )
        answer = await search(functions, **near())
        assert [i["id"] for i in answer.json["items"]] == ["stn_1000", "stn_4000"]
        assert [i["distanceM"] for i in answer.json["items"]] == [1000, 4000]
        assert answer.json["continuationToken"] is None

    async def test_bbox_measures_from_the_box_centre(self, functions, deps):
        await seed(
            deps,
            station_doc("stn_centre", lon=13.40, lat=52.50),
            station_doc("stn_corner", lon=13.30, lat=52.45),
            station_doc("stn_outside", lon=13.51, lat=52.50),
            station_doc("stn_mid", lon=13.45, lat=52.52),
        )
        answer = await search(functions, bbox="13.30,52.45,13.50,52.55")
        assert [i["id"] for i in answer.json["items"]] == ["stn_centre", "stn_mid", "stn_corner"]
        assert answer.json["items"][0]["distanceM"] == 0

    async def test_the_radius_is_exact_to_the_metre(self, functions, deps):
        lon, lat = east_of(1_999)
        await seed(deps, station_doc("stn_edge", lon=lon, lat=lat))
        assert await found(functions, **near(radiusKm=2)) == ["stn_edge"]
        assert await found(functions, **near(radiusKm=1.998)) == []


class TestFilters:
    async def test_one_standard_or_several(self, functions, deps):
        await seed(
            deps,
            station_doc("stn_ccs", plugs=(("CCS2", 150.0, AVAILABLE),)),
            station_doc("stn_type2", plugs=(("TYPE_2", 22.0, AVAILABLE),)),
            station_doc("stn_chademo", plugs=(("CHADEMO", 50.0, AVAILABLE),)),
        )
        assert await found(functions, **near(standard="CCS2")) == ["stn_ccs"]
        assert await found(functions, **near(standard="ccs2,CHADEMO")) == ["stn_ccs", "stn_chademo"]
        assert await found(functions, **near(standard="NACS")) == []

    async def test_min_power_needs_a_connector_of_the_standard_with_that_power(self, functions, deps):
        plugs = (("CCS2", 150.0, AVAILABLE), ("TYPE_2", 22.0, AVAILABLE))
        await seed(
            deps, station_doc("stn_mixed", plugs=plugs), station_doc("stn_slow", plugs=(("TYPE_2", 11.0, AVAILABLE),))
        )
        assert await found(functions, **near(minPowerKw=50)) == ["stn_mixed"]
        assert await found(functions, **near(minPowerKw=22, standard="TYPE_2")) == ["stn_mixed"]
        assert await found(functions, **near(minPowerKw=50, standard="TYPE_2")) == []

    async def test_available_now_counts_only_available_connectors_of_the_standard(self, functions, deps, clock):
        now = clock.now()
        window = MaintenanceWindow(id="mw_1", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
        await seed(
            deps,
            station_doc("stn_free", plugs=(("CCS2", 150.0, AVAILABLE),)),
            station_doc("stn_unknown", plugs=(("CCS2", 150.0, UNKNOWN),)),
            station_doc("stn_busy", plugs=(("CCS2", 150.0, CHARGING), ("TYPE_2", 22.0, AVAILABLE))),
            station_doc("stn_maintained", plugs=(("CCS2", 150.0, AVAILABLE),), maintenance=(window,)),
        )
        assert await found(functions, **near(availableNow="true")) == ["stn_busy", "stn_free"]
        assert await found(functions, **near(availableNow="true", standard="CCS2")) == ["stn_free"]
        clock.advance(hours=2)  # the maintenance window is over
        assert await found(functions, **near(availableNow="true", standard="CCS2")) == ["stn_free", "stn_maintained"]

    async def test_price_rating_provider_and_text(self, functions, deps):
        await seed(
            deps,
            station_doc("stn_cheap", price=0.39, rating=3.5, provider="prv_a", name="Parkhaus Mitte"),
            station_doc("stn_dear", price=0.69, rating=4.8, provider="prv_b", street="Uferweg 3"),
            station_doc("stn_unpriced", provider="prv_b", city="Potsdam"),
        )
        assert await found(functions, **near(maxPricePerKwh=0.5)) == ["stn_cheap"]
        assert await found(functions, **near(maxPricePerKwh=0.69)) == ["stn_cheap", "stn_dear"]
        assert await found(functions, **near(minRating=4)) == ["stn_dear"]
        assert await found(functions, **near(providerId="prv_b")) == ["stn_dear", "stn_unpriced"]
        assert await found(functions, **near(q="parkHAUS")) == ["stn_cheap"]
        assert await found(functions, **near(q="uferweg")) == ["stn_dear"]
        assert await found(functions, **near(q="potsdam")) == ["stn_unpriced"]


class TestRanking:
    async def test_ties_go_by_id(self, functions, deps):
        await seed(deps, *(station_doc(f"stn_{c}") for c in "cab"))
        assert await found(functions, **near()) == ["stn_a", "stn_b", "stn_c"]

    async def test_the_promotion_boost_is_bounded(self, functions, deps, clock):
        now = clock.now()
        live = (now - timedelta(days=1), now + timedelta(days=1))
        docs = [
            station_doc("stn_plain_2500", lon=east_of(2_500)[0], lat=east_of(2_500)[1]),
            station_doc("stn_featured_3000", lon=east_of(3_000)[0], lat=east_of(3_000)[1], featured=live),  # 2,400
            station_doc("stn_plain_9500", lon=east_of(9_500)[0], lat=east_of(9_500)[1]),
            station_doc("stn_featured_11000", lon=east_of(11_000)[0], lat=east_of(11_000)[1], featured=live),  # 10,000
            station_doc("stn_plain_10100", lon=east_of(10_100)[0], lat=east_of(10_100)[1]),
            station_doc(
                "stn_expired_2600",
                lon=east_of(2_600)[0],
                lat=east_of(2_600)[1],
                featured=(now - timedelta(days=2), now),
            ),
        ]
        await seed(deps, *docs)
        answer = await search(functions, **near(radiusKm=20))
        items = answer.json["items"]
        assert [i["id"] for i in items] == [
            "stn_featured_3000",
            "stn_plain_2500",
            "stn_expired_2600",
            "stn_plain_9500",
            "stn_featured_11000",
            "stn_plain_10100",
        ]
        assert {i["id"]: i["promoted"] for i in items} == {
            "stn_featured_3000": True,
            "stn_plain_2500": False,
            "stn_expired_2600": False,  # featuredUntil is exclusive
            "stn_plain_9500": False,
            "stn_featured_11000": True,
            "stn_plain_10100": False,
        }
        assert items[0]["distanceM"] == 3000  # the true distance, not the rank


class TestPages:
    async def test_pages_cover_every_result_once(self, functions, deps, clock):
        now = clock.now()
        docs = [
            station_doc(
                f"stn_{n:02d}",
                lon=east_of(200 * (n % 9))[0],  # shared distances: ties resolved by id across pages
                lat=east_of(200 * (n % 9))[1],
                featured=(now - timedelta(days=1), now + timedelta(days=1)) if n % 4 == 0 else None,
            )
            for n in range(25)
        ]
        await seed(deps, *docs)
        everything = await found(functions, **near(limit=100))
        assert len(everything) == 25
        pages, token = [], None
        for limit in (7, 7, 3, 100):  # the page size may change between pages
            params = near(limit=limit) | ({"continuationToken": token} if token else {})
            answer = await search(functions, **params)
            assert answer.status == 200, answer.json
            pages.append([i["id"] for i in answer.json["items"]])
            token = answer.json["continuationToken"]
        assert [len(p) for p in pages] == [7, 7, 3, 8]
        assert token is None
        assert sum(pages, []) == everything

    async def test_a_token_from_another_search_is_refused(self, functions, deps):
        await seed(deps, *(station_doc(f"stn_{n}") for n in range(3)))
        first = await search(functions, **near(limit=1))
        token = first.json["continuationToken"]
        assert token
        other = await search(functions, **near(limit=1, standard="CCS2", continuationToken=token))
        assert other.status == 400 and other.json["code"] == "invalid_continuation_token"
        garbage = await search(functions, **near(continuationToken="not-a-token"))
        assert garbage.status == 400 and garbage.json["code"] == "invalid_continuation_token"

    async def test_too_many_candidates_is_refused_not_truncated(self, functions, deps, monkeypatch):
        monkeypatch.setattr(station_search, "CANDIDATE_CAP", 3)
        await seed(deps, *(station_doc(f"stn_{n}") for n in range(4)))
        answer = await search(functions, **near())
        assert answer.status == 422 and answer.json["code"] == "search_too_broad"
        assert len(await found(functions, **near(standard="CCS2", providerId="prv_b"))) == 0


class TestProjection:
    """Candidates are ranked on a projection; only the stations a page walks past are read in full."""

    async def test_only_the_page_and_one_more_are_read_in_full(self, functions, deps, monkeypatch):
        read: list[int] = []
        real = search_service.read_stations

        async def counting(store, keys):
            read.append(len(keys))
            return await real(store, keys)

        monkeypatch.setattr(search_service, "read_stations", counting)
        await seed(
            deps, *(station_doc(f"stn_{n:02d}", lon=east_of(100 * n)[0], lat=east_of(100 * n)[1]) for n in range(30))
        )
        assert await found(functions, **near(limit=5)) == [f"stn_{n:02d}" for n in range(5)]
        assert read == [6]

    async def test_sparse_in_memory_matches_fill_the_page_over_several_reads(self, functions, deps):
        docs = [
            station_doc(
                f"stn_{n:02d}",
                lon=east_of(100 * n)[0],
                lat=east_of(100 * n)[1],
                plugs=(("CCS2", 150.0, AVAILABLE if n % 7 == 3 else CHARGING),),
                name="Hof" if n % 5 == 0 else None,
            )
            for n in range(40)
        ]
        await seed(deps, *docs)
        free = [f"stn_{n:02d}" for n in range(40) if n % 7 == 3]
        pages, token = [], None
        while True:
            params = near(limit=2, availableNow="true") | ({"continuationToken": token} if token else {})
            answer = await search(functions, **params)
            assert answer.status == 200, answer.json
            pages += [i["id"] for i in answer.json["items"]]
            token = answer.json["continuationToken"]
            if token is None:
                break
        assert pages == free
        assert await found(functions, **near(q="hof", limit=3)) == ["stn_00", "stn_05", "stn_10"]

    async def test_a_malformed_station_is_left_out_and_the_page_still_fills(self, functions, deps):
        docs = [station_doc(f"stn_{n}", lon=east_of(100 * n)[0], lat=east_of(100 * n)[1]) for n in range(5)]
        docs[1]["timeZone"] = None  # no longer a Station: left out, the next one takes its place
        await seed(deps, *docs)
        answer = await search(functions, **near(limit=3))
        assert [i["id"] for i in answer.json["items"]] == ["stn_0", "stn_2", "stn_3"]
        assert answer.json["continuationToken"]


class TestVisibility:
    async def test_only_active_public_stations_of_active_providers(self, functions, deps):
        await seed(
            deps,
            station_doc("stn_ok"),
            station_doc("stn_private", access="private"),
            station_doc("stn_suspended", provider="prv_s", provider_active=False),
            station_doc("stn_draft", lifecycle="draft"),
            station_doc("stn_retired", lifecycle="retired"),
            station_doc("stn_maintenance", lifecycle="maintenance"),
        )
        await deps.store.create("stations", {"id": "trf_1", "providerId": "prv_a", "type": "tariff", "location": {}})
        assert await found(functions, **near()) == ["stn_ok"]
        driver = deps.tokens.issue(Principal("usr_d", "d@example.com", frozenset({Role.DRIVER})))
        assert await found(functions, driver, **near()) == ["stn_ok"]

    async def test_a_providers_members_also_see_its_private_stations(self, functions, deps):
        await seed(
            deps,
            station_doc("stn_public_a"),
            station_doc("stn_private_a", access="private"),
            station_doc("stn_private_b", access="private", provider="prv_b"),
        )
        assert await found(functions, member_of(deps, "prv_a"), **near()) == ["stn_private_a", "stn_public_a"]
        admin_a = member_of(deps, "prv_a", Role.PROVIDER_ADMIN)
        assert await found(functions, admin_a, **near(providerId="prv_a", limit=1)) == ["stn_private_a"]
        assert await found(functions, member_of(deps, "prv_b"), **near()) == ["stn_private_b", "stn_public_a"]

    async def test_a_bad_token_is_refused_even_though_optional(self, functions):
        answer = await search(functions, "not-a-jwt", **near())
        assert answer.status == 401


class TestResult:
    async def test_each_result_in_camel_case(self, functions, deps, clock):
        now = clock.now()
        plugs = (("CCS2", 150.0, AVAILABLE), ("CCS2", 150.0, UNKNOWN), ("TYPE_2", 22.0, CHARGING))
        await seed(deps, station_doc("stn_1", plugs=plugs, price=0.49, rating=4.25))
        window = MaintenanceWindow(id="mw_1", starts_at=now, ends_at=now + timedelta(hours=1))
        await seed(
            deps, station_doc("stn_2", plugs=(("CCS2", 50.0, AVAILABLE),), maintenance=(window,), provider="prv_b")
        )
        [first, second] = (await search(functions, **near())).json["items"]
        assert first == {
            "id": "stn_1",
            "name": "Station stn_1",
            "address": {"street": "Hauptstraße 1", "city": "Berlin", "postalCode": "10117", "country": "DE"},
            "location": {"type": "Point", "coordinates": [CENTRE[0], CENTRE[1]]},
            "distanceM": 0,
            "providerId": "prv_a",
            "providerName": "Provider prv_a",
            "promoted": False,
            "availability": {
                "CCS2": {"available": 1, "total": 2, "suspect": 0},
                "TYPE_2": {"available": 0, "total": 1, "suspect": 0},
            },
            "maxPowerKw": 150.0,
            "priceSummary": {
                "tariffId": "trf_1",
                "version": 1,
                "currency": "EUR",
                "text": "0.49 EUR/kWh",
                "energyPerKwh": "0.49",
            },
            "rating": {"average": 4.25, "count": 12},
            "reliability": None,
        }
        assert second["availability"] == {"CCS2": {"available": 0, "total": 1, "suspect": 0}}  # maintenance now
        assert second["priceSummary"] is None and second["rating"] == {"average": None, "count": 0}

    async def test_the_endpoint_is_in_the_openapi_document(self, functions):
        doc = (await functions("openapi")).json
        op = doc["paths"]["/api/stations"]["get"]
        names = {p["name"] for p in op["parameters"]}
        assert {"lat", "lon", "radiusKm", "bbox", "standard", "minPowerKw", "availableNow"} <= names
        assert {"maxPricePerKwh", "minRating", "providerId", "q", "limit", "continuationToken"} <= names
        assert {"200", "400", "401", "422"} <= op["responses"].keys()
        schema = doc["components"]["schemas"]["StationSearchResult"]
        assert {"distanceM", "promoted", "availability", "priceSummary", "rating"} <= schema["properties"].keys()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lat": 52.5, "lon": 13.4},
        {"lat": 52.5, "radiusKm": 5},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "bbox": "13,52,14,53"},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 101},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 0},
        {"lat": 91, "lon": 13.4, "radiusKm": 5},
        {"lat": 52.5, "lon": -180.5, "radiusKm": 5},
        {"lat": "nan", "lon": 13.4, "radiusKm": 5},
        {"bbox": "13,52,14"},
        {"bbox": "13,52,14,x"},
        {"bbox": "14,52,13,53"},
        {"bbox": "13,53,14,52"},
        {"bbox": "13,52,181,53"},
        {"bbox": "13,-91,14,53"},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "standard": "CCS3"},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "standard": "CCS2,"},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "limit": 0},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "limit": 101},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "minRating": 6},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "maxPricePerKwh": "inf"},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "availableNow": "maybe"},
        {"lat": 52.5, "lon": 13.4, "radiusKm": 5, "radius": 5},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "nothing",
)
async def test_invalid_searches_give_422(functions, params):
    answer = await search(functions, **params)
    assert answer.status == 422, answer.json
    assert answer.json["code"] == "validation_failed"

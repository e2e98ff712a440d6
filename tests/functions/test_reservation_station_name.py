"""A reservation carries its station's name, as sessions do: the driver's and the provider's lists need no
lookup per station. The name is the one at booking time; reservations stored before it was kept load with
``stationName: null``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.repositories.reservations import find_reservation
from tests.functions.test_reservations_api import Site, book, new_site, read
from tests.providers_fixture import Member, ProviderTeam, driver

pytestmark = pytest.mark.usefixtures("deps")


@pytest.fixture
async def site(functions, acme: ProviderTeam) -> Site:
    return await new_site(functions, acme, name="Depot Nord")


@pytest.fixture
async def alice(deps) -> Member:
    return await driver(deps, "alice@example.com")


async def booked_id(functions, clock, who: Member, site: Site) -> str:
    answer = await book(functions, who, site.station_id, clock.now() + timedelta(hours=1))
    assert answer.status == 201, answer.json
    assert answer.json["stationName"] == "Depot Nord"
    reservation_id: str = answer.json["id"]
    return reservation_id


async def test_the_driver_sees_the_station_name_in_the_list_and_the_reservation(functions, clock, site, alice):
    reservation_id = await booked_id(functions, clock, alice, site)

    one = await read(functions, alice, reservation_id)
    assert one.status == 200, one.json
    assert (one.json["stationId"], one.json["stationName"]) == (site.station_id, "Depot Nord")

    mine = await functions("list_my_reservations", token=alice.token)
    assert mine.status == 200, mine.json
    assert [(r["id"], r["stationName"]) for r in mine.json["items"]] == [(reservation_id, "Depot Nord")]


async def test_the_provider_sees_it_too_and_the_name_is_the_one_at_booking(functions, clock, site, alice):
    reservation_id = await booked_id(functions, clock, alice, site)
    team = site.team
    renamed = await functions(
        "update_station", "PATCH", token=team.admin.token, route={"stationId": site.station_id},
        body={"name": "Depot Nord (new)"},
    )  # fmt: skip
    assert renamed.status == 200, renamed.json

    listed = await functions("list_provider_reservations", token=team.staff.token, route={"providerId": team.id})
    assert listed.status == 200, listed.json
    assert [(r["id"], r["stationName"]) for r in listed.json["items"]] == [(reservation_id, "Depot Nord")]


async def test_a_reservation_stored_without_the_name_loads_with_null(functions, deps, clock, site, alice):
    reservation_id = await booked_id(functions, clock, alice, site)
    stored = await find_reservation(deps.store, reservation_id)
    assert stored is not None
    old = {k: v for k, v in stored.model_dump(mode="json", by_alias=True).items() if k != "stationName"}
    await deps.store.replace("reservations", old, etag=stored.etag)

    one = await read(functions, alice, reservation_id)
    assert one.status == 200, one.json
    assert one.json["stationName"] is None and one.json["stationId"] == site.station_id
    mine = await functions("list_my_reservations", token=alice.token)
    assert [r["stationName"] for r in mine.json["items"]] == [None]

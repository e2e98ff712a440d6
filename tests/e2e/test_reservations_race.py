"""Drivers race for one connector over real HTTP against the local host: one reservation, the rest 409."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.providers_fixture import charger_body, create_provider, driver, station_body

pytestmark = pytest.mark.e2e
RACERS = 12


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_concurrent_bookings_over_http_make_exactly_one_reservation(client, deps, clock):
    team = await create_provider(deps, "acme")
    made = await client.post(
        f"/api/providers/{team.id}/stations", headers=bearer(team.admin.token), json=station_body(lifecycle="active")
    )
    assert made.status_code == 201, made.text
    station_id = made.json()["id"]
    added = await client.post(
        f"/api/stations/{station_id}/chargers", headers=bearer(team.admin.token), json=charger_body("CP-1")
    )
    assert added.status_code == 201, added.text
    drivers = [await driver(deps, f"racer{i}@example.com") for i in range(RACERS)]
    start = clock.now() + timedelta(hours=1)

    async def attempt(i: int):
        body = {
            "stationId": station_id,
            "connectorKey": "CP-1/1",
            "startsAt": (start + timedelta(minutes=i)).isoformat(),
            "durationMinutes": 30,
        }
        return await client.post("/api/reservations", headers=bearer(drivers[i].token), json=body)

    answers = await asyncio.gather(*(attempt(i) for i in range(RACERS)))
    assert sorted(a.status_code for a in answers) == [201] + [409] * (RACERS - 1)
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"reservation_overlap"}
    [won] = [a for a in answers if a.status_code == 201]
    holder = drivers[answers.index(won)]
    seen = await client.get(won.headers["location"], headers=bearer(holder.token))
    assert seen.status_code == 200 and seen.json()["id"] == won.json()["id"]
    listed = await client.get(f"/api/providers/{team.id}/reservations", headers=bearer(team.staff.token))
    assert [r["id"] for r in listed.json()["items"]] == [won.json()["id"]]

"""A provider joins and builds a station; drivers find it on the map; suspension hides it. Over real HTTP."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse-battery"
BERLIN = (13.4050, 52.5200)


async def account(client, email):
    assert (
        await client.post("/api/users", json={"email": email, "password": PASSWORD, "name": email})
    ).status_code == 201
    return await sign_in(client, email, PASSWORD)


async def sign_in(client, email, password=PASSWORD):
    answer = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"authorization": f"Bearer {answer.json()['accessToken']}"}


async def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def test_apply_approve_invite_build_find_feature_suspend(client):
    admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    owner = await account(client, "owner@spree.example.com")
    application = await ok(
        await client.post(
            "/api/provider-applications",
            headers=owner,
            json={
                "legalName": "Spree Charge GmbH",
                "displayName": "Spree Charge",
                "vatId": "DE811111111",
                "country": "DE",
                "currency": "EUR",
                "supportEmail": "help@spree.example.com",
            },
        ),
        201,
    )
    approved = await ok(
        await client.post(f"/api/platform/provider-applications/{application['id']}/approve", headers=admin)
    )
    provider_id = approved["providerId"]
    owner = await sign_in(client, "owner@spree.example.com")  # the new role comes with a new token

    invite = await ok(
        await client.post(
            f"/api/providers/{provider_id}/invites", headers=owner, json={"email": "staff@spree.example.com"}
        ),
        201,
    )
    staff = await account(client, "staff@spree.example.com")
    await ok(await client.post("/api/invites/accept", headers=staff, json={"token": invite["token"]}))
    staff = await sign_in(client, "staff@spree.example.com")
    members = await ok(await client.get(f"/api/providers/{provider_id}/staff", headers=owner))
    assert {m["email"] for m in members["items"]} >= {"staff@spree.example.com"}

    station = await ok(
        await client.post(
            f"/api/providers/{provider_id}/stations",
            headers=staff,
            json={
                "name": "Spree Charge Mitte Parkhaus",
                "timeZone": "Europe/Berlin",
                "lifecycle": "active",
                "address": {"street": "Friedrichstraße 100", "city": "Berlin", "postalCode": "10117", "country": "DE"},
                "location": {"type": "Point", "coordinates": [13.3889, 52.5170]},
            },
        ),
        201,
    )
    await ok(
        await client.post(
            f"/api/stations/{station['id']}/chargers",
            headers=staff,
            json={
                "identity": "SPREE-E2E-1",
                "vendor": "Alpitronic",
                "model": "HYC150",
                "password": "a-long-charger-password",
                "connectors": [
                    {"connectorId": 1, "standard": "CCS2", "powerType": "DC", "maxPowerKw": 150},
                    {"connectorId": 2, "standard": "TYPE_2", "powerType": "AC", "maxPowerKw": 22},
                ],
            },
        ),
        201,
    )
    tariff = await ok(
        await client.post(
            f"/api/providers/{provider_id}/tariffs",
            headers=owner,
            json={
                "name": "DC",
                "currency": "EUR",
                "elements": [{"priceComponents": [{"type": "ENERGY", "price": "0.49"}]}],
            },
        ),
        201,
    )
    await ok(await client.put(f"/api/stations/{station['id']}/tariff", headers=owner, json={"tariffId": tariff["id"]}))

    near = {"lat": "52.52", "lon": "13.405", "radiusKm": "5", "standard": "CCS2", "minPowerKw": "100"}
    found = await ok(await client.get("/api/stations", params=near))
    hit = next(s for s in found["items"] if s["id"] == station["id"])
    assert 1000 < hit["distanceM"] < 2000
    assert hit["priceSummary"]["text"].startswith("0.49 EUR/kWh")
    assert hit["availability"]["CCS2"] == {
        "available": 0,
        "total": 1,
        "suspect": 0,
    }  # Unknown until the charger reports
    assert not hit["promoted"]
    too_cheap = await ok(await client.get("/api/stations", params={**near, "maxPricePerKwh": "0.30"}))
    assert station["id"] not in {s["id"] for s in too_cheap["items"]}
    boxed = await ok(
        await client.get("/api/stations", params={"bbox": "13.38,52.51,13.40,52.53", "standard": "TYPE_2"})
    )
    assert station["id"] in {s["id"] for s in boxed["items"]}

    await ok(
        await client.put(
            f"/api/stations/{station['id']}/featured",
            headers=owner,
            json={"from": "2026-11-24T11:00:00Z", "until": "2026-12-24T11:00:00Z"},
        )
    )
    featured = await ok(await client.get("/api/stations", params=near))
    assert next(s for s in featured["items"] if s["id"] == station["id"])["promoted"] is True

    await ok(
        await client.post(
            f"/api/platform/providers/{provider_id}/suspend", headers=admin, json={"reason": "unpaid fees"}
        )
    )
    gone = await ok(await client.get("/api/stations", params=near))
    assert station["id"] not in {s["id"] for s in gone["items"]}
    assert (await client.get(f"/api/stations/{station['id']}")).status_code == 404
    assert (await client.get(f"/api/stations/{station['id']}", headers=owner)).status_code == 200  # nothing deleted

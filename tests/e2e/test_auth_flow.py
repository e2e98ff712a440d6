"""Users and auth end to end, over real HTTP against the local host."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery"


async def sign_up_and_in(client, email="ada@example.com"):
    created = await client.post("/api/users", json={"email": email, "password": PASSWORD, "name": "Ada"})
    assert created.status_code == 201, created.text
    tokens = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_register_login_me_refresh_logout(client):
    tokens = await sign_up_and_in(client)
    me = await client.get("/api/me", headers=bearer(tokens["accessToken"]))
    assert me.status_code == 200 and me.json()["email"] == "ada@example.com"
    assert me.headers["x-correlation-id"]

    refreshed = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert (await client.get("/api/me", headers=bearer(new["accessToken"]))).status_code == 200

    out = await client.post(
        "/api/auth/logout", json={"refreshToken": new["refreshToken"]}, headers=bearer(new["accessToken"])
    )
    assert out.status_code == 204
    assert (await client.post("/api/auth/refresh", json={"refreshToken": new["refreshToken"]})).status_code == 401


async def test_reusing_a_refresh_token_revokes_the_family(client):
    tokens = await sign_up_and_in(client)
    second = (await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})).json()
    reuse = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert reuse.status_code == 401
    assert reuse.headers["content-type"].startswith("application/problem+json")
    assert reuse.json()["code"] == "refresh_token_reused"
    assert (await client.post("/api/auth/refresh", json={"refreshToken": second["refreshToken"]})).status_code == 401


async def test_repeated_wrong_passwords_are_throttled(client):
    await sign_up_and_in(client)
    statuses = [
        (await client.post("/api/auth/login", json={"email": "ada@example.com", "password": "wrong-one!"})).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    right = await client.post("/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0


async def test_driver_gets_403_on_admin_route_and_admin_gets_200(client):
    tokens = await sign_up_and_in(client)
    denied = await client.get("/api/platform/users", headers=bearer(tokens["accessToken"]))
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden_role"
    admin = (await client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).json()
    allowed = await client.get("/api/platform/users", headers=bearer(admin["accessToken"]))
    assert allowed.status_code == 200
    assert {u["email"] for u in allowed.json()["items"]} == {"ada@example.com", ADMIN_EMAIL}


async def test_tampered_and_expired_tokens_get_401(client, clock):
    tokens = await sign_up_and_in(client)
    head, payload, sig = tokens["accessToken"].split(".")
    forged = await client.get("/api/me", headers=bearer(f"{head}.{payload}x.{sig}"))
    assert forged.status_code == 401 and forged.json()["code"] == "invalid_token"
    clock.advance(seconds=901)
    expired = await client.get("/api/me", headers=bearer(tokens["accessToken"]))
    assert expired.status_code == 401 and expired.json()["code"] == "token_expired"


async def test_bad_input_over_http(client):
    malformed = await client.post("/api/users", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
    too_big = await client.post("/api/users", content=b"x" * (1024 * 1024 + 10))
    assert too_big.status_code == 413
    unknown = await client.get("/api/no-such-thing")
    assert unknown.status_code == 404


async def test_health_and_openapi_over_http(client):
    health = await client.get("/api/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    doc = (await client.get("/api/openapi.json")).json()
    assert "/api/auth/login" in doc["paths"]

"""``GET /api/me/provider-application``: the caller's own latest application, found through the
``applicant:<userId>`` claim, whatever its status; nobody else's; 404 ``application_not_found`` when none."""

from __future__ import annotations

import pytest

from tests.functions.test_providers_api import account, admin, apply, decide
from tests.providers_fixture import create_provider

pytestmark = pytest.mark.usefixtures("deps")


async def mine(functions, token: str):
    return await functions("read_my_provider_application", token=token)


def not_found(answer) -> None:
    assert answer.status == 404, answer.json
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json["code"] == "application_not_found"


async def test_none_yet_is_404(functions):
    token = (await account(functions, "ada@example.com"))["accessToken"]
    not_found(await mine(functions, token))


async def test_signed_out_is_401(functions):
    answer = await functions("read_my_provider_application")
    assert answer.status == 401


async def test_the_pending_application_then_the_decision(functions):
    token = (await account(functions, "ada@example.com"))["accessToken"]
    sent = await apply(functions, token)
    assert sent.status == 201, sent.json

    pending = await mine(functions, token)
    assert pending.status == 200, pending.json
    assert pending.json == sent.json

    rejected = await decide(functions, await admin(functions), sent.json["id"], "reject", reason="VAT ID unknown")
    assert rejected.status == 200, rejected.json
    after = await mine(functions, token)
    assert (after.json["id"], after.json["status"], after.json["reason"]) == (
        sent.json["id"],
        "rejected",
        "VAT ID unknown",
    )


async def test_after_applying_again_the_latest_one(functions):
    token = (await account(functions, "ada@example.com"))["accessToken"]
    first = (await apply(functions, token)).json
    assert (await decide(functions, await admin(functions), first["id"], "reject", reason="incomplete")).status == 200
    second = await apply(functions, token, displayName="Acme Two")
    assert second.status == 201, second.json

    latest = await mine(functions, token)
    assert latest.status == 200
    assert (latest.json["id"], latest.json["status"], latest.json["displayName"]) == (
        second.json["id"],
        "pending",
        "Acme Two",
    )


async def test_only_ones_own(functions, deps):
    ada = (await account(functions, "ada@example.com"))["accessToken"]
    bob = (await account(functions, "bob@example.com"))["accessToken"]
    assert (await apply(functions, ada)).status == 201

    not_found(await mine(functions, bob))  # ada's is not bob's
    team = await create_provider(deps, "acme")
    not_found(await mine(functions, team.admin.token))  # nor a provider admin's
    # a platform admin has no application of their own either (they read others' by id)
    not_found(await mine(functions, await admin(functions)))


async def test_a_claim_naming_someone_elses_application_shows_nothing(functions, deps):
    ada = (await account(functions, "ada@example.com"))["accessToken"]
    bob = await account(functions, "bob@example.com")
    adas = (await apply(functions, ada)).json["id"]
    bob_id = (await functions("read_me", token=bob["accessToken"])).json["id"]
    claim_id = f"applicant:{bob_id}"
    await deps.store.create("providers", {"id": claim_id, "type": "applicationClaim", "applicationId": adas})

    not_found(await mine(functions, bob["accessToken"]))

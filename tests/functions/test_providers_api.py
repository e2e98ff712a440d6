"""Provider sign-up, staff and suspension through the HTTP functions, called without a host."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.errors import Conflict
from shared.domain.geo import GeoPoint
from shared.domain.stations import Address, Station
from shared.repositories.provider_stations import mirror_onto_stations
from shared.repositories.providers import add_provider, require_active_provider
from shared.services import providers as provider_service
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.usefixtures("deps")

PASSWORD = "correct-horse-battery"
APPLICATION = {
    "legalName": "Acme Charging GmbH",
    "displayName": "Acme Charging",
    "vatId": "DE 123 456 789",
    "country": "de",
    "currency": "eur",
    "supportEmail": "support@acme.example.com",
    "supportPhone": "+49 30 1234-567",
}


async def sign_in(functions, email, password=PASSWORD):
    answer = await functions("login", "POST", body={"email": email, "password": password})
    assert answer.status == 200, answer.json
    return answer.json


async def account(functions, email):
    registered = await functions("register_user", "POST", body={"email": email, "password": PASSWORD, "name": "X"})
    assert registered.status == 201, registered.json
    return await sign_in(functions, email)


async def admin(functions):
    return (await sign_in(functions, ADMIN_EMAIL, ADMIN_PASSWORD))["accessToken"]


async def apply(functions, token, **changes):
    return await functions("apply_for_provider", "POST", body={**APPLICATION, **changes}, token=token)


async def decide(functions, token, application_id, verdict="approve", **body):
    name = f"{verdict}_provider_application"
    return await functions(name, "POST", token=token, route={"applicationId": application_id}, body=body or None)


async def new_provider(functions, owner_email="owner@acme.example.com"):
    """An approved provider: (provider id, the owner's access token carrying provider_admin)."""
    tokens = await account(functions, owner_email)
    application = await apply(functions, tokens["accessToken"])
    approved = await decide(functions, await admin(functions), application.json["id"])
    assert approved.status == 200, approved.json
    return approved.json["providerId"], (await sign_in(functions, owner_email))["accessToken"]


async def invite(functions, token, provider_id, email, role="provider_staff"):
    body = {"email": email, "role": role}
    return await functions("create_staff_invite", "POST", token=token, route={"providerId": provider_id}, body=body)


async def accept(functions, token, invite_token):
    return await functions("accept_staff_invite", "POST", token=token, body={"token": invite_token})


async def new_staff(functions, owner, provider_id, email, role="provider_staff"):
    """A member who joined through an invite: their fresh access token."""
    tokens = await account(functions, email)
    sent = await invite(functions, owner, provider_id, email, role)
    assert (await accept(functions, tokens["accessToken"], sent.json["token"])).status == 200
    return (await sign_in(functions, email))["accessToken"]


def station(provider_id, n, name="Acme Charging"):
    now = datetime(2026, 11, 1, tzinfo=UTC)
    return Station(
        id=f"stn_{provider_id}_{n}",
        provider_id=provider_id,
        provider_name=name,
        name=f"Depot {n}",
        address=Address(street="Hauptstraße 1", city="Berlin", postal_code="10117", country="DE"),
        location=GeoPoint.at(13.3889, 52.517),
        time_zone="Europe/Berlin",
        lifecycle="active",
        created_at=now,
        updated_at=now,
    ).model_dump(mode="json")


async def stations_of(deps, provider_id):
    from shared.ports.store import Filter, Query

    page = await deps.store.query("stations", Query((Filter("type", "eq", "station"),), partition_key=provider_id))
    return {d["id"]: d for d in page.items}


class TestApply:
    async def test_apply_gives_a_pending_application_with_normalised_codes(self, functions):
        tokens = await account(functions, "ada@example.com")
        answer = await apply(functions, tokens["accessToken"])
        assert answer.status == 201, answer.json
        assert answer.json["id"].startswith("pap_") and answer.json["status"] == "pending"
        assert (answer.json["country"], answer.json["currency"]) == ("DE", "EUR")
        assert (answer.json["vatId"], answer.json["supportPhone"]) == ("DE123456789", "+49301234567")
        assert answer.headers["location"] == f"/api/provider-applications/{answer.json['id']}"
        mine = await functions(
            "read_provider_application", token=tokens["accessToken"], route={"applicationId": answer.json["id"]}
        )
        assert mine.status == 200 and mine.json["legalName"] == "Acme Charging GmbH"

    async def test_one_pending_application_per_user_and_again_after_rejection(self, functions):
        token = (await account(functions, "ada@example.com"))["accessToken"]
        first = await apply(functions, token)
        again = await apply(functions, token, displayName="Other")
        assert again.status == 409 and again.json["code"] == "application_pending"
        assert again.json["applicationId"] == first.json["id"]
        rejected = await decide(functions, await admin(functions), first.json["id"], "reject", reason="No VAT proof")
        assert rejected.status == 200 and rejected.json["reason"] == "No VAT proof"
        assert (await apply(functions, token)).status == 201

    async def test_invalid_fields_give_422_naming_each_and_store_nothing(self, functions):
        token = (await account(functions, "ada@example.com"))["accessToken"]
        bad = {"country": "XX", "currency": "EURO", "supportEmail": "nope", "vatId": "!!!!", "supportPhone": "12"}
        answer = await apply(functions, token, **bad)
        assert answer.status == 422 and answer.json["code"] == "validation_failed"
        assert {e["field"] for e in answer.json["errors"]} == {
            "country",
            "currency",
            "supportEmail",
            "vatId",
            "supportPhone",
        }
        assert any("ISO 3166-1" in e["message"] for e in answer.json["errors"])
        listed = await functions("list_provider_applications", token=await admin(functions))
        assert listed.json["items"] == []

    async def test_malformed_json_is_400_and_unknown_field_422(self, functions):
        token = (await account(functions, "ada@example.com"))["accessToken"]
        broken = await functions("apply_for_provider", "POST", raw=b'{"legalName": ', token=token)
        assert broken.status == 400 and broken.json["code"] == "malformed_json"
        assert (await apply(functions, token, status="approved")).status == 422

    async def test_someone_elses_application_does_not_exist_for_you(self, functions):
        ada = (await account(functions, "ada@example.com"))["accessToken"]
        bob = (await account(functions, "bob@example.com"))["accessToken"]
        application = await apply(functions, ada)
        peek = await functions("read_provider_application", token=bob, route={"applicationId": application.json["id"]})
        missing = await functions("read_provider_application", token=bob, route={"applicationId": "pap_nope"})
        assert peek.status == missing.status == 404
        assert peek.json["code"] == missing.json["code"] == "application_not_found"


class TestDecisions:
    async def test_approval_makes_the_applicant_provider_admin_at_the_next_refresh(self, functions):
        tokens = await account(functions, "ada@example.com")
        application = await apply(functions, tokens["accessToken"])
        approved = await decide(functions, await admin(functions), application.json["id"])
        assert approved.status == 200 and approved.json["status"] == "approved"
        provider_id = approved.json["providerId"]
        assert provider_id == "prv_" + application.json["id"].removeprefix("pap_")
        # the old access token still carries the old roles
        old = await functions("read_provider", token=tokens["accessToken"], route={"providerId": provider_id})
        assert old.status == 404
        fresh = await functions("refresh_tokens", "POST", body={"refreshToken": tokens["refreshToken"]})
        me = await functions("read_me", token=fresh.json["accessToken"])
        assert sorted(me.json["roles"]) == ["driver", "provider_admin"] and me.json["providerId"] == provider_id
        mine = await functions("read_provider", token=fresh.json["accessToken"], route={"providerId": provider_id})
        assert mine.status == 200 and mine.json["status"] == "active" and mine.json["vatId"] == "DE123456789"

    @pytest.mark.parametrize(
        ("first", "second"), [("approve", "approve"), ("approve", "reject"), ("reject", "approve")]
    )
    async def test_deciding_a_decided_application_is_409(self, functions, first, second):
        token = (await account(functions, "ada@example.com"))["accessToken"]
        application_id = (await apply(functions, token)).json["id"]
        boss = await admin(functions)
        assert (await decide(functions, boss, application_id, first, reason="r")).status == 200
        again = await decide(functions, boss, application_id, second, reason="r")
        assert again.status == 409 and again.json["code"] == "application_decided"

    async def test_an_approval_that_failed_half_way_is_finished_by_a_retry(self, functions, deps, monkeypatch):
        token = (await account(functions, "ada@example.com"))["accessToken"]
        application_id = (await apply(functions, token)).json["id"]
        boss = await admin(functions)

        async def crash(*args, **kwargs):
            raise ConnectionError("store went away")

        monkeypatch.setattr(provider_service, "add_provider", crash)
        assert (await decide(functions, boss, application_id)).status == 500
        monkeypatch.setattr(provider_service, "add_provider", add_provider)
        retried = await decide(functions, boss, application_id)
        assert retried.status == 200, retried.json
        me = await functions("read_me", token=(await sign_in(functions, "ada@example.com"))["accessToken"])
        assert me.json["roles"].count("provider_admin") == 1
        provider = await functions("read_provider", token=boss, route={"providerId": retried.json["providerId"]})
        assert provider.status == 200
        assert (await decide(functions, boss, application_id)).status == 409

    async def test_list_filters_by_status_and_pages(self, functions):
        boss = await admin(functions)
        ids = []
        for name in ("a", "b", "c"):
            ids.append(
                (await apply(functions, (await account(functions, f"{name}@example.com"))["accessToken"])).json["id"]
            )
        await decide(functions, boss, ids[0])
        seen, params = [], {"status": "pending", "limit": "1"}
        while True:
            page = await functions("list_provider_applications", token=boss, params=params)
            assert page.status == 200 and len(page.json["items"]) <= 1
            seen += [a["id"] for a in page.json["items"]]
            if not page.json["continuationToken"]:
                break
            params = {**params, "continuationToken": page.json["continuationToken"]}
        assert sorted(seen) == sorted(ids[1:])
        approved = await functions("list_provider_applications", token=boss, params={"status": "approved"})
        assert [a["id"] for a in approved.json["items"]] == [ids[0]]
        bad = await functions("list_provider_applications", token=boss, params={"continuationToken": "garbage"})
        assert bad.status == 422 and bad.json["code"] == "invalid_continuation_token"
        wrong = await functions("list_provider_applications", token=boss, params={"status": "maybe"})
        assert wrong.status == 422

    async def test_unknown_application_is_404_and_a_reason_is_required(self, functions):
        boss = await admin(functions)
        assert (await decide(functions, boss, "pap_nope")).json["code"] == "application_not_found"
        token = (await account(functions, "ada@example.com"))["accessToken"]
        application_id = (await apply(functions, token)).json["id"]
        empty = await decide(functions, boss, application_id, "reject", reason="")
        assert empty.status == 422
        listed = await functions("list_provider_applications", token=boss, params={"status": "pending"})
        assert [a["id"] for a in listed.json["items"]] == [application_id]


class TestProfile:
    async def test_admin_patches_with_if_match_and_stations_follow_the_name(self, functions, deps):
        provider_id, owner = await new_provider(functions)
        await deps.store.create("stations", station(provider_id, 1))
        read = await functions("read_provider", token=owner, route={"providerId": provider_id})
        etag = read.headers["etag"]
        route = {"providerId": provider_id}
        ok = await functions(
            "update_provider",
            "PATCH",
            token=owner,
            route=route,
            headers={"if-match": etag},
            body={"displayName": "Acme Volt", "supportPhone": None},
        )
        assert ok.status == 200 and ok.json["displayName"] == "Acme Volt" and ok.json["supportPhone"] is None
        assert ok.json["legalName"] == "Acme Charging GmbH"
        stale = await functions(
            "update_provider",
            "PATCH",
            token=owner,
            route=route,
            headers={"if-match": etag},
            body={"displayName": "Too late"},
        )
        assert stale.status == 412 and stale.json["code"] == "stale_version"
        assert (await stations_of(deps, provider_id))[f"stn_{provider_id}_1"]["providerName"] == "Acme Volt"

    @pytest.mark.parametrize("body", [{"displayName": None}, {"legalName": "New"}, {"supportEmail": "nope"}])
    async def test_bad_patch_is_422_and_changes_nothing(self, functions, body):
        provider_id, owner = await new_provider(functions)
        route = {"providerId": provider_id}
        answer = await functions("update_provider", "PATCH", token=owner, route=route, body=body)
        assert answer.status == 422
        after = await functions("read_provider", token=owner, route=route)
        assert after.json["displayName"] == "Acme Charging" and after.json["legalName"] == "Acme Charging GmbH"


class TestInvites:
    async def test_invite_accepted_by_matching_email_makes_staff(self, functions):
        provider_id, owner = await new_provider(functions)
        sent = await invite(functions, owner, provider_id, "Sam@Example.com")
        assert sent.status == 201 and sent.json["token"].startswith(sent.json["id"] + ".")
        assert sent.json["status"] == "pending" and sent.headers["cache-control"] == "no-store"
        listed = await functions("list_staff_invites", token=owner, route={"providerId": provider_id})
        assert [i["id"] for i in listed.json["items"]] == [sent.json["id"]]
        assert "token" not in listed.json["items"][0] and "tokenHash" not in listed.json["items"][0]
        sam = await account(functions, "sam@example.COM")
        joined = await accept(functions, sam["accessToken"], sent.json["token"])
        assert joined.status == 200 and joined.json["providerId"] == provider_id
        assert sorted(joined.json["roles"]) == ["driver", "provider_staff"]
        # a retry of the same acceptance is harmless; the invite now shows as accepted
        assert (await accept(functions, sam["accessToken"], sent.json["token"])).status == 200
        listed = await functions("list_staff_invites", token=owner, route={"providerId": provider_id})
        assert listed.json["items"][0]["status"] == "accepted"
        fresh = await functions("refresh_tokens", "POST", body={"refreshToken": sam["refreshToken"]})
        read = await functions("read_provider", token=fresh.json["accessToken"], route={"providerId": provider_id})
        assert read.status == 200

    async def test_expired_invite(self, functions, clock):
        provider_id, owner = await new_provider(functions)
        sent = await invite(functions, owner, provider_id, "sam@example.com")
        await account(functions, "sam@example.com")
        clock.advance(days=7)
        late = await accept(functions, (await sign_in(functions, "sam@example.com"))["accessToken"], sent.json["token"])
        assert late.status == 409 and late.json["code"] == "invite_expired"

    async def test_wrong_email_revoked_used_and_forged_tokens(self, functions):
        provider_id, owner = await new_provider(functions)
        sent = await invite(functions, owner, provider_id, "sam@example.com")
        eve = (await account(functions, "eve@example.com"))["accessToken"]
        wrong = await accept(functions, eve, sent.json["token"])
        assert wrong.status == 403 and wrong.json["code"] == "invite_email_mismatch"
        forged = await accept(functions, eve, sent.json["id"] + ".not-the-secret")
        assert forged.status == 404 and forged.json["code"] == "invite_not_found"
        assert (await accept(functions, eve, "garbage")).json["code"] == "invite_not_found"
        sam = (await account(functions, "sam@example.com"))["accessToken"]
        assert (await accept(functions, sam, sent.json["token"])).status == 200
        used = await accept(functions, eve, sent.json["token"])
        assert used.status == 409 and used.json["code"] == "invite_used"
        route = {"providerId": provider_id, "inviteId": sent.json["id"]}
        spent = await functions("revoke_staff_invite", "DELETE", token=owner, route=route)
        assert spent.status == 409 and spent.json["code"] == "invite_used"

        second = await invite(functions, owner, provider_id, "eve@example.com")
        route = {"providerId": provider_id, "inviteId": second.json["id"]}
        assert (await functions("revoke_staff_invite", "DELETE", token=owner, route=route)).status == 204
        assert (await functions("revoke_staff_invite", "DELETE", token=owner, route=route)).status == 204
        revoked = await accept(functions, eve, second.json["token"])
        assert revoked.status == 409 and revoked.json["code"] == "invite_revoked"
        me = await functions("read_me", token=eve)
        assert me.json["roles"] == ["driver"] and me.json["providerId"] is None

    async def test_member_of_another_provider_cannot_accept(self, functions):
        acme, acme_owner = await new_provider(functions)
        _, volt_owner = await new_provider(functions, "owner@volt.example.com")
        sent = await invite(functions, acme_owner, acme, "owner@volt.example.com")
        taken = await accept(functions, volt_owner, sent.json["token"])
        assert taken.status == 409 and taken.json["code"] == "already_in_provider"
        again = await apply(functions, volt_owner)
        assert again.status == 409 and again.json["code"] == "already_in_provider"

    async def test_bad_invites_are_refused(self, functions):
        provider_id, owner = await new_provider(functions)
        assert (await invite(functions, owner, provider_id, "not-an-email")).status == 422
        assert (await invite(functions, owner, provider_id, "sam@example.com", role="admin")).status == 422
        self_invite = await invite(functions, owner, provider_id, "owner@acme.example.com")
        assert self_invite.status == 409 and self_invite.json["code"] == "already_staff"
        listed = await functions("list_staff_invites", token=owner, route={"providerId": provider_id})
        assert listed.json["items"] == []


class TestStaff:
    async def test_list_and_remove_staff(self, functions):
        provider_id, owner = await new_provider(functions)
        await new_staff(functions, owner, provider_id, "sam@example.com")
        route = {"providerId": provider_id}
        listed = await functions("list_provider_staff", token=owner, route=route)
        members = {u["email"]: u for u in listed.json["items"]}
        assert set(members) == {"owner@acme.example.com", "sam@example.com"}
        sam_id = members["sam@example.com"]["id"]
        removed = await functions("remove_provider_staff", "DELETE", token=owner, route={**route, "userId": sam_id})
        assert removed.status == 204
        after = await functions("list_provider_staff", token=owner, route=route)
        assert [u["email"] for u in after.json["items"]] == ["owner@acme.example.com"]
        me = await functions("read_me", token=(await sign_in(functions, "sam@example.com"))["accessToken"])
        assert me.json["roles"] == ["driver"] and me.json["providerId"] is None
        gone = await functions("remove_provider_staff", "DELETE", token=owner, route={**route, "userId": sam_id})
        assert gone.status == 404 and gone.json["code"] == "staff_not_found"

    async def test_the_last_provider_admin_stays(self, functions):
        provider_id, owner = await new_provider(functions)
        owner_id = (await functions("read_me", token=owner)).json["id"]
        route = {"providerId": provider_id, "userId": owner_id}
        last = await functions("remove_provider_staff", "DELETE", token=owner, route=route)
        assert last.status == 409 and last.json["code"] == "last_provider_admin"
        second = await new_staff(functions, owner, provider_id, "kim@example.com", role="provider_admin")
        assert "provider_admin" in (await functions("read_me", token=second)).json["roles"]
        assert (await functions("remove_provider_staff", "DELETE", token=owner, route=route)).status == 204


class TestSuspension:
    async def test_suspend_and_reinstate_flip_only_that_providers_stations(self, functions, deps):
        acme, owner = await new_provider(functions)
        volt, _ = await new_provider(functions, "owner@volt.example.com")
        for doc in (station(acme, 1), station(acme, 2), station(volt, 1)):
            await deps.store.create("stations", doc)
        boss = await admin(functions)
        route = {"providerId": acme}
        for _ in range(2):  # the second is a no-op: suspension is idempotent
            suspended = await functions("suspend_provider", "POST", token=boss, route=route, body={"reason": "Fraud"})
            assert suspended.status == 200 and suspended.json["status"] == "suspended"
            assert suspended.json["statusReason"] == "Fraud"
        assert {d["providerActive"] for d in (await stations_of(deps, acme)).values()} == {False}
        assert [d["providerActive"] for d in (await stations_of(deps, volt)).values()] == [True]
        assert len(await stations_of(deps, acme)) == 2  # nothing deleted
        # members still read, but the provider takes on no one and other writes are refused
        assert (await functions("read_provider", token=owner, route=route)).json["status"] == "suspended"
        refused = await invite(functions, owner, acme, "sam@example.com")
        assert refused.status == 409 and refused.json["code"] == "provider_suspended"
        with pytest.raises(Conflict) as raised:
            await require_active_provider(deps.store, acme)
        assert raised.value.code == "provider_suspended"
        back = await functions("reinstate_provider", "POST", token=boss, route=route)
        assert back.status == 200 and back.json["status"] == "active" and back.json["statusReason"] is None
        assert {d["providerActive"] for d in (await stations_of(deps, acme)).values()} == {True}
        assert (await require_active_provider(deps.store, acme)).id == acme

    async def test_a_station_written_meanwhile_is_retried_not_overwritten(self, functions, deps, monkeypatch):
        acme, _ = await new_provider(functions)
        await deps.store.create("stations", station(acme, 1))
        await functions(
            "suspend_provider",
            "POST",
            token=await admin(functions),
            route={"providerId": acme},
            body={"reason": "Unpaid fees"},
        )
        real_replace, raced = deps.store.replace, list[str]()

        async def racing_replace(container, doc, *, etag=None):
            if container == "stations" and not raced:  # another writer renames the station first
                raced.append(doc["id"])
                current = await deps.store.read("stations", doc["id"], acme)
                await real_replace("stations", {**current, "name": "Renamed"}, etag=current["_etag"])
            return await real_replace(container, doc, etag=etag)

        monkeypatch.setattr(deps.store, "replace", racing_replace)
        provider = await deps.store.read("providers", acme, acme)
        await real_replace("providers", {**provider, "status": "active"}, etag=provider["_etag"])
        assert await mirror_onto_stations(deps.store, acme) == 1
        doc = (await stations_of(deps, acme))[f"stn_{acme}_1"]
        assert raced and doc["providerActive"] is True and doc["name"] == "Renamed"

    async def test_unknown_provider_is_404(self, functions):
        boss = await admin(functions)
        answer = await functions(
            "suspend_provider", "POST", token=boss, route={"providerId": "prv_nope"}, body={"reason": "x"}
        )
        assert answer.status == 404 and answer.json["code"] == "provider_not_found"
        assert (await functions("read_provider", token=boss, route={"providerId": "prv_a/b"})).status == 404


class TestTenancy:
    async def test_every_route_answers_each_kind_of_caller_as_specified(self, functions, deps):
        acme, owner = await new_provider(functions)
        staff = await new_staff(functions, owner, acme, "sam@example.com")
        target = await new_staff(functions, owner, acme, "tim@example.com")
        target_id = (await functions("read_me", token=target)).json["id"]
        _, foreign = await new_provider(functions, "owner@volt.example.com")
        driver = (await account(functions, "dan@example.com"))["accessToken"]
        boss = await admin(functions)
        application_id = (await apply(functions, driver)).json["id"]
        invite_id = (await invite(functions, owner, acme, "new@example.com")).json["id"]
        p, a = {"providerId": acme}, {"applicationId": application_id}
        # (function, method, route, body, driver, foreign provider admin, own staff, platform admin)
        table = [
            ("read_provider", "GET", p, None, 404, 404, 200, 200),
            ("update_provider", "PATCH", p, {"displayName": "Acme 2"}, 404, 404, 403, 200),
            ("create_staff_invite", "POST", p, {"email": "x@example.com"}, 404, 404, 403, 201),
            ("list_staff_invites", "GET", p, None, 404, 404, 403, 200),
            ("revoke_staff_invite", "DELETE", {**p, "inviteId": invite_id}, None, 404, 404, 403, 204),
            ("list_provider_staff", "GET", p, None, 404, 404, 403, 200),
            ("remove_provider_staff", "DELETE", {**p, "userId": target_id}, None, 404, 404, 403, 204),
            ("read_provider_application", "GET", a, None, 200, 404, 404, 200),
            ("list_provider_applications", "GET", {}, None, 403, 403, 403, 200),
            ("reject_provider_application", "POST", a, {"reason": "no"}, 403, 403, 403, 200),
            ("approve_provider_application", "POST", a, None, 403, 403, 403, 409),
            ("suspend_provider", "POST", p, {"reason": "x"}, 403, 403, 403, 200),
            ("reinstate_provider", "POST", p, None, 403, 403, 403, 200),
        ]
        for name, method, route, body, *expected in table:
            anonymous = await functions(name, method, route=route, body=body)
            assert anonymous.status == 401, name
            for who, token, status in zip(
                ("driver", "foreign", "staff", "admin"), (driver, foreign, staff, boss), expected, strict=True
            ):
                answer = await functions(name, method, token=token, route=route, body=body)
                assert answer.status == status, (name, who, answer.json)
        for name in ("apply_for_provider", "accept_staff_invite"):
            assert (await functions(name, "POST", body={"token": "x"})).status == 401


class TestBillingAddress:
    ADDRESS = {"lines": ["Musterstraße 1"], "postalCode": "10115", "city": "Berlin", "country": "DE"}

    async def test_the_address_given_at_application_is_the_providers_and_patchable(self, functions):
        tokens = await account(functions, "addr@example.com")
        application = await apply(functions, tokens["accessToken"], billingAddress=self.ADDRESS)
        assert application.status == 201, application.json
        approved = await decide(functions, await admin(functions), application.json["id"])
        provider_id = approved.json["providerId"]
        fresh = await functions("refresh_tokens", "POST", body={"refreshToken": tokens["refreshToken"]})
        owner, route = fresh.json["accessToken"], {"providerId": provider_id}
        read = await functions("read_provider", token=owner, route=route)
        assert read.json["billingAddress"] == self.ADDRESS
        moved = {**self.ADDRESS, "lines": ["Neue Straße 2", "Hinterhaus"], "postalCode": "10117"}
        ok = await functions("update_provider", "PATCH", token=owner, route=route, body={"billingAddress": moved})
        assert ok.status == 200 and ok.json["billingAddress"] == moved
        bad = await functions(
            "update_provider", "PATCH", token=owner, route=route, body={"billingAddress": {**moved, "city": ""}}
        )
        assert bad.status == 422
        cleared = await functions("update_provider", "PATCH", token=owner, route=route, body={"billingAddress": None})
        assert cleared.status == 422  # an address can be changed, not removed
        assert (await functions("read_provider", token=owner, route=route)).json["billingAddress"] == moved

"""A driver's saved cards over HTTP, on the payment simulator (its Stripe test cards and state machine)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from shared.domain.payments import PaymentDeclined, PaymentGatewayError
from tests.providers_fixture import driver

VISA = "4242 4242 4242 4242"
MASTERCARD = "5555 5555 5555 4444"
AMEX = "3782 822463 10005"
DECLINING = "4000 0000 0000 0002"


def card(number: str = VISA, cvc: str = "123", **extra):
    return {"number": number, "expMonth": 12, "expYear": 2030, "cvc": cvc, **extra}


async def setup(functions, who):
    answer = await functions("start_card_setup", "POST", token=who.token)
    assert answer.status == 201, answer.json
    return answer.json


async def add(functions, who, number: str = VISA, **extra):
    cvc = "1234" if number == AMEX else "123"
    answer = await functions("add_test_card", "POST", token=who.token, body=card(number, cvc, **extra))
    assert answer.status == 201, answer.json
    return answer.json


async def listed(functions, who):
    answer = await functions("list_my_payment_methods", token=who.token)
    assert answer.status == 200, answer.json
    return answer.json


async def set_default(functions, who, pm_id: str):
    return await functions("set_default_payment_method", "PUT", token=who.token, route={"paymentMethodId": pm_id})


async def remove(functions, who, pm_id: str):
    return await functions("remove_payment_method", "DELETE", token=who.token, route={"paymentMethodId": pm_id})


async def account_of(deps, user_id: str):
    return await deps.store.read("payments", f"acct:{user_id}", user_id)


class TestSetup:
    async def test_setup_returns_a_client_secret_for_the_card_form(self, functions, deps):
        me = await driver(deps, card=None)
        body = await setup(functions, me)
        assert body["setupIntentId"].startswith("seti_")
        assert body["clientSecret"].startswith(f"{body['setupIntentId']}_secret_")
        assert body["publishableKey"] is None
        account = await account_of(deps, me.user_id)
        assert account["customerId"].startswith("cus_")
        assert account["defaultPaymentMethodId"] is None

    async def test_a_second_setup_reuses_the_account_and_opens_a_new_intent(self, functions, deps):
        me = await driver(deps, card=None)
        first = await setup(functions, me)
        account = await account_of(deps, me.user_id)
        second = await setup(functions, me)
        assert first["setupIntentId"] != second["setupIntentId"]
        assert await account_of(deps, me.user_id) == account

    async def test_concurrent_first_setups_make_one_account_and_one_customer(self, functions, deps, monkeypatch):
        me = await driver(deps, card=None)
        keys: list[str] = []
        real = deps.payments.ensure_customer

        async def spy(user_id, email, *, idempotency_key):
            keys.append(idempotency_key)
            return await real(user_id, email, idempotency_key=idempotency_key)

        monkeypatch.setattr(deps.payments, "ensure_customer", spy)
        answers = await asyncio.gather(*(functions("start_card_setup", "POST", token=me.token) for _ in range(10)))
        assert [a.status for a in answers] == [201] * 10
        assert len({a.json["setupIntentId"] for a in answers}) == 10
        assert keys and set(keys) == {f"customer:{me.user_id}"}
        accounts = (await deps.store.query("payments", _by_user(me.user_id))).items
        assert [a["id"] for a in accounts] == [f"acct:{me.user_id}"]
        with sqlite3.connect(deps.settings.resolve_path(deps.settings.payment_simulator_path)) as db:
            customers = db.execute("SELECT id FROM objects WHERE kind='customer' AND owner=?", (me.user_id,)).fetchall()
        assert [c[0] for c in customers] == [accounts[0]["customerId"]]


def _by_user(user_id: str):
    from shared.ports.store import Filter, Query

    return Query((Filter("userId", "eq", user_id),), partition_key=user_id)


class TestCards:
    async def test_first_card_is_listed_and_becomes_the_default(self, functions, deps):
        me = await driver(deps, card=None)
        intent = await setup(functions, me)
        answer = await functions(
            "add_test_card", "POST", token=me.token, body=card(VISA, setupIntentId=intent["setupIntentId"])
        )
        assert answer.status == 201, answer.json
        saved = answer.json
        assert answer.headers["location"] == f"/api/me/payment-methods/{saved['id']}"
        expected = {"id": saved["id"], "brand": "visa", "last4": "4242", "expMonth": 12, "expYear": 2030}
        assert saved == {**expected, "isDefault": True}
        assert await listed(functions, me) == [{**expected, "isDefault": True}]
        assert (await account_of(deps, me.user_id))["defaultPaymentMethodId"] == saved["id"]

    async def test_a_second_card_does_not_take_over_the_default(self, functions, deps):
        me = await driver(deps, card=None)
        visa = await add(functions, me, VISA)
        mastercard = await add(functions, me, MASTERCARD)
        assert mastercard["isDefault"] is False
        cards = await listed(functions, me)
        assert [(c["id"], c["brand"], c["last4"], c["isDefault"]) for c in cards] == [
            (visa["id"], "visa", "4242", True),
            (mastercard["id"], "mastercard", "4444", False),
        ]

    async def test_set_default_moves_it_and_lists_it_first(self, functions, deps):
        me = await driver(deps, card=None)
        visa = await add(functions, me, VISA)
        mastercard = await add(functions, me, MASTERCARD)
        answer = await set_default(functions, me, mastercard["id"])
        assert answer.status == 200
        expected = [(mastercard["id"], True), (visa["id"], False)]
        assert [(c["id"], c["isDefault"]) for c in answer.json] == expected
        assert [(c["id"], c["isDefault"]) for c in await listed(functions, me)] == expected
        assert (await account_of(deps, me.user_id))["defaultPaymentMethodId"] == mastercard["id"]

    async def test_removing_the_default_hands_it_to_the_oldest_card_left(self, functions, deps):
        me = await driver(deps, card=None)
        visa = await add(functions, me, VISA)
        mastercard = await add(functions, me, MASTERCARD)
        amex = await add(functions, me, AMEX)
        assert (await set_default(functions, me, amex["id"])).status == 200

        assert (await remove(functions, me, amex["id"])).status == 204
        # the oldest card left (visa), not the newest (mastercard)
        assert [(c["id"], c["isDefault"]) for c in await listed(functions, me)] == [
            (visa["id"], True),
            (mastercard["id"], False),
        ]
        assert (await account_of(deps, me.user_id))["defaultPaymentMethodId"] == visa["id"]

        assert (await remove(functions, me, visa["id"])).status == 204
        assert [(c["id"], c["isDefault"]) for c in await listed(functions, me)] == [(mastercard["id"], True)]

        assert (await remove(functions, me, mastercard["id"])).status == 204
        assert await listed(functions, me) == []
        assert (await account_of(deps, me.user_id))["defaultPaymentMethodId"] is None

    async def test_removing_another_card_keeps_the_default(self, functions, deps):
        me = await driver(deps, card=None)
        visa = await add(functions, me, VISA)
        mastercard = await add(functions, me, MASTERCARD)
        assert (await remove(functions, me, mastercard["id"])).status == 204
        assert [(c["id"], c["isDefault"]) for c in await listed(functions, me)] == [(visa["id"], True)]
        again = await remove(functions, me, mastercard["id"])
        assert (again.status, again.json["code"]) == (404, "payment_method_not_found")

    async def test_a_card_saved_outside_the_api_becomes_default_when_it_is_the_first(self, functions, deps):
        # What the web app's card form does with Stripe Elements: the card reaches the gateway, not the API.
        me = await driver(deps, card=None)
        await setup(functions, me)
        customer_id = (await account_of(deps, me.user_id))["customerId"]
        first = await deps.payments.add_test_card(customer_id, VISA, 12, 2030, "123")
        await deps.payments.add_test_card(customer_id, MASTERCARD, 12, 2030, "123")
        assert [(c["id"], c["isDefault"]) for c in await listed(functions, me)][0] == (first, True)

    async def test_default_card_is_what_a_hold_charges(self, functions, deps):
        from shared.services.payment_methods import default_card

        me = await driver(deps, card=None)
        d = {"store": deps.store, "payments": deps.payments, "clock": deps.clock}
        assert await default_card(me.user_id, **d) is None
        await add(functions, me, VISA)
        mastercard = await add(functions, me, MASTERCARD)
        assert (await set_default(functions, me, mastercard["id"])).status == 200
        found = await default_card(me.user_id, **d)
        assert found is not None
        account, chosen = found
        assert (account.customer_id, chosen.id, chosen.last4) == (
            (await account_of(deps, me.user_id))["customerId"],
            mastercard["id"],
            "4444",
        )

    async def test_a_driver_without_an_account_has_no_cards_and_no_customer_is_made(self, functions, deps):
        me = await driver(deps, card=None)
        assert await listed(functions, me) == []
        assert (await deps.store.query("payments", _by_user(me.user_id))).items == []
        missing = await set_default(functions, me, "pm_nothing")
        assert (missing.status, missing.json["code"]) == (404, "payment_method_not_found")


class TestAccess:
    async def test_another_driver_cannot_see_default_or_remove_the_cards(self, functions, deps):
        owner = await driver(deps, "owner@example.com", card=None)
        other = await driver(deps, "other@example.com", card=None)
        visa = await add(functions, owner, VISA)
        await add(functions, other, MASTERCARD)

        assert [c["last4"] for c in await listed(functions, other)] == ["4444"]
        for answer in (await set_default(functions, other, visa["id"]), await remove(functions, other, visa["id"])):
            assert (answer.status, answer.json["code"]) == (404, "payment_method_not_found")
        assert await listed(functions, owner) == [visa]

    async def test_another_drivers_setup_intent_cannot_take_a_card(self, functions, deps):
        owner = await driver(deps, "owner@example.com", card=None)
        other = await driver(deps, "other@example.com", card=None)
        intent = await setup(functions, owner)
        answer = await functions(
            "add_test_card", "POST", token=other.token, body=card(VISA, setupIntentId=intent["setupIntentId"])
        )
        assert (answer.status, answer.json["code"]) == (422, "setup_intent_unexpected_state")
        assert await listed(functions, other) == []

    @pytest.mark.parametrize(
        ("name", "method", "body", "route"),
        [
            ("start_card_setup", "POST", None, None),
            ("list_my_payment_methods", "GET", None, None),
            ("set_default_payment_method", "PUT", None, {"paymentMethodId": "pm_x"}),
            ("remove_payment_method", "DELETE", None, {"paymentMethodId": "pm_x"}),
            ("add_test_card", "POST", card(), None),
        ],
    )
    async def test_a_provider_admin_is_refused(self, functions, deps, acme, name, method, body, route):
        answer = await functions(name, method, token=acme.admin.token, body=body, route=route)
        assert (answer.status, answer.json["code"]) == (403, "forbidden_role")
        assert answer.headers["content-type"] == "application/problem+json"

    async def test_signing_in_is_required(self, functions, deps):
        answer = await functions("list_my_payment_methods")
        assert (answer.status, answer.json["code"]) == (401, "unauthenticated")


class TestTestCardForm:
    async def test_a_declining_card_is_saved_and_declines_only_when_charged(self, functions, deps):
        me = await driver(deps, card=None)
        saved = await add(functions, me, DECLINING)
        assert (saved["brand"], saved["last4"], saved["isDefault"]) == ("visa", "0002", True)
        customer_id = (await account_of(deps, me.user_id))["customerId"]
        with pytest.raises(PaymentDeclined) as declined:
            await deps.payments.authorize(
                customer_id=customer_id,
                payment_method_id=saved["id"],
                amount_minor=2500,
                currency="EUR",
                idempotency_key="hold:test-declining-card",
            )
        assert (declined.value.code, declined.value.decline_code) == ("card_declined", "generic_decline")

    @pytest.mark.parametrize(
        ("number", "exp_year", "code", "decline_code"),
        [
            ("4242 4242 4242 4241", 2030, "invalid_number", None),
            ("4242 4242 4242 4242", 2020, "invalid_expiry_year", None),
            ("4000 0000 0000 0010", 2030, "card_declined", "test_mode_live_card"),
        ],
    )
    async def test_a_bad_card_is_422_with_the_simulators_code(
        self, functions, deps, number, exp_year, code, decline_code
    ):
        me = await driver(deps, card=None)
        answer = await functions("add_test_card", "POST", token=me.token, body=card(number, expYear=exp_year))
        assert answer.status == 422, answer.json
        assert answer.headers["content-type"] == "application/problem+json"
        assert (answer.json["code"], answer.json["declineCode"]) == (code, decline_code)
        assert await listed(functions, me) == []

    async def test_not_there_in_production(self, functions, deps):
        me = await driver(deps, card=None)
        deps.settings = deps.settings.model_copy(update={"environment": "production"})
        answer = await functions("add_test_card", "POST", token=me.token, body=card())
        assert (answer.status, answer.json["code"]) == (404, "not_found")
        assert (await functions("list_my_payment_methods", token=me.token)).json == []

    async def test_not_there_with_stripe(self, functions, deps):
        me = await driver(deps, card=None)
        deps.settings = deps.settings.model_copy(update={"payment_backend": "stripe"})
        answer = await functions("add_test_card", "POST", token=me.token, body=card())
        assert (answer.status, answer.json["code"]) == (404, "not_found")


class TestGatewayErrors:
    async def test_a_gateway_outage_is_503_with_its_code(self, functions, deps, monkeypatch):
        me = await driver(deps, card=None)
        await add(functions, me, VISA)

        async def down(customer_id):
            raise PaymentGatewayError("Stripe is unreachable.", code="api_connection_error", retryable=True)

        monkeypatch.setattr(deps.payments, "list_payment_methods", down)
        answer = await functions("list_my_payment_methods", token=me.token)
        assert (answer.status, answer.json["code"]) == (503, "api_connection_error")
        assert answer.headers["content-type"] == "application/problem+json"

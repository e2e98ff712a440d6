"""PaymentGateway contract: the same scenarios against the payment simulator and the Stripe adapter.

Stripe runs offline (DESIGN section 10): its adapter talks to the real ``stripe`` library, whose HTTP client
records each request and answers with canned objects shaped as Stripe documents them (tests/stripe_fakes.py).
So on the Stripe side a scenario checks the requests sent (in order, with their keys) and the reading of
Stripe's answers, while the simulator plays the scenario for real; both must give the caller the same
values. Stripe's idempotency (same key: the first answer again; other parameters: idempotency_error) is
modelled by the recorder as Stripe documents it. Scenarios whose point is a rule Stripe enforces on its
side (a refused request changes nothing, a hold lapses after 7 days) would only replay our own canned
answer on the Stripe side, so they run on the simulator only and say so.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from shared.adapters.azure.stripe_gateway import StripeGateway
from shared.adapters.embedded.payment_simulator import PaymentSimulator
from shared.domain.payments import PaymentDeclined, PaymentGatewayError, WebhookSignatureInvalid
from shared.ports.payments import PaymentGateway
from tests import stripe_fakes as sf
from tests.fakes import FakeClock

WEBHOOK_SECRET = "whsec_contract_0123456789"
# Stripe's test PaymentMethods for its test cards (docs.stripe.com/testing)
CARDS = {
    "4242424242424242": "pm_card_visa",
    "4000000000000002": "pm_card_chargeDeclined",
    "4000000000009995": "pm_card_chargeDeclinedInsufficientFunds",
}


class World:
    """One gateway and what a scenario needs around it: a saved card, Stripe's canned answers."""

    gateway: PaymentGateway
    kind: str

    async def saved_card(self, number: str) -> tuple[str, str]:
        raise NotImplementedError

    def stripe_replies(self, *replies: sf.Json | tuple[int, sf.Json]) -> None:
        """What Stripe answers, in order (ignored by the simulator, which works it out)."""

    def stripe_calls(self, *calls: tuple[str, str, str | None]) -> None:
        """The (method, path, idempotency key) sequence Stripe must have received (the simulator has no wire)."""

    async def signed_event_of(self, intent_id: str) -> tuple[bytes, str]:
        raise NotImplementedError


class SimulatorWorld(World):
    kind = "simulator"

    def __init__(self, path: Path, clock: FakeClock) -> None:
        self.simulator = PaymentSimulator(path, webhook_secret=WEBHOOK_SECRET, clock=clock)
        self.gateway = self.simulator
        self.cards: dict[str, tuple[str, str]] = {}

    async def saved_card(self, number: str) -> tuple[str, str]:
        if number not in self.cards:  # saved once, like a driver's card
            customer = await self.simulator.ensure_customer(
                "usr_ada", "ada@example.com", idempotency_key="customer:ada"
            )
            self.cards[number] = customer, await self.simulator.add_test_card(customer, number, 12, 2034, "123")
        return self.cards[number]

    async def signed_event_of(self, intent_id: str) -> tuple[bytes, str]:
        for hook in await self.simulator.pending_webhooks():
            if json.loads(hook.payload)["data"]["object"]["id"] == intent_id:
                return hook.payload, hook.signature_header
        raise AssertionError(f"no event for {intent_id}")


class StripeWorld(World):
    kind = "stripe"

    def __init__(self) -> None:
        self.http = sf.StripeRecorder()
        self.gateway = StripeGateway("sk_test_contract", WEBHOOK_SECRET, http_client=self.http, max_network_retries=0)

    async def saved_card(self, number: str) -> tuple[str, str]:
        return "cus_test", CARDS[number]  # saved in the browser through Stripe.js: no server call here

    def stripe_replies(self, *replies: sf.Json | tuple[int, sf.Json]) -> None:
        self.http.reply(*replies)

    def stripe_calls(self, *calls: tuple[str, str, str | None]) -> None:
        assert [(s.method, s.path, s.idempotency_key) for s in self.http.sent] == list(calls)

    async def signed_event_of(self, intent_id: str) -> tuple[bytes, str]:
        intent = sf.payment_intent(intent_id, 5000, "requires_capture", capturable=5000)
        event = {
            "id": "evt_1",
            "object": "event",
            "created": sf.CREATED,
            "type": "payment_intent.amount_capturable_updated",
        }
        payload = json.dumps(event | {"data": {"object": intent}}).encode()
        return payload, stripe.WebhookSignature.generate_signature_header(payload.decode(), WEBHOOK_SECRET)


@pytest.fixture(params=["simulator", "stripe"])
async def world(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    built: World = SimulatorWorld(tmp_path / "payments.db", clock) if request.param == "simulator" else StripeWorld()
    yield built
    await built.gateway.close()
    if isinstance(built, StripeWorld):
        assert built.http.unused == 0, "a canned Stripe answer was never asked for"


def held(pid: str, amount: int) -> sf.Json:
    return sf.payment_intent(
        pid, amount, "requires_capture", capturable=amount, latest_charge=sf.charge("ch_1", pid, amount)
    )


async def authorize(world: World, amount: int = 5000, number: str = "4242424242424242", key: str = "hold:ses_1") -> Any:
    customer, pm = await world.saved_card(number)
    return await world.gateway.authorize(
        customer_id=customer,
        payment_method_id=pm,
        amount_minor=amount,
        currency="EUR",
        idempotency_key=key,
        metadata={"session_id": "ses_1"},
    )


def captured(pid: str, amount: int, received: int) -> sf.Json:
    return sf.payment_intent(
        pid, amount, "succeeded", received=received, latest_charge="ch_1", metadata={"session_id": "ses_1"}
    )


async def test_capture_less_than_the_hold_releases_the_rest(world: World) -> None:
    world.stripe_replies(held("pi_a", 5000) | {"metadata": {"session_id": "ses_1"}}, captured("pi_a", 5000, 3120))
    hold = await authorize(world)
    assert (hold.status, hold.amount_capturable_minor, hold.amount_received_minor) == ("requires_capture", 5000, 0)
    assert (hold.currency, hold.metadata, hold.incremental_authorization_available) == (
        "EUR",
        {"session_id": "ses_1"},
        True,
    )
    done = await world.gateway.capture(hold.id, 3120, idempotency_key="capture:ses_1")
    assert (done.id, done.status, done.amount_received_minor, done.amount_capturable_minor) == (
        hold.id,
        "succeeded",
        3120,
        0,
    )
    world.stripe_calls(
        ("POST", "/v1/payment_intents", "hold:ses_1"),
        ("POST", f"/v1/payment_intents/{hold.id}/capture", "capture:ses_1"),
    )


async def test_cancel_releases_the_whole_hold(world: World) -> None:
    world.stripe_replies(held("pi_b", 5000), sf.payment_intent("pi_b", 5000, "canceled"))
    hold = await authorize(world)
    released = await world.gateway.cancel(hold.id, idempotency_key="release:ses_1")
    assert (released.status, released.amount_capturable_minor, released.amount_received_minor) == ("canceled", 0, 0)
    world.stripe_calls(
        ("POST", "/v1/payment_intents", "hold:ses_1"),
        ("POST", f"/v1/payment_intents/{hold.id}/cancel", "release:ses_1"),
    )


@pytest.mark.parametrize(
    ("number", "decline_code", "message"),
    [
        ("4000000000000002", "generic_decline", "Your card was declined."),
        ("4000000000009995", "insufficient_funds", "Your card has insufficient funds."),
    ],
)
async def test_a_declined_card_refuses_the_hold(world: World, number: str, decline_code: str, message: str) -> None:
    world.stripe_replies(sf.card_error("card_declined", decline_code, message, "pi_declined", 5000))
    with pytest.raises(PaymentDeclined) as caught:
        await authorize(world, number=number)
    declined = caught.value
    assert (declined.code, declined.decline_code, declined.message) == ("card_declined", decline_code, message)
    assert declined.intent_id
    world.stripe_replies(sf.payment_intent(declined.intent_id, 5000, "canceled"))
    abandoned = await world.gateway.cancel(declined.intent_id, idempotency_key="abandon:ses_1")
    assert abandoned.status == "canceled"


async def test_refund_part_then_the_rest_then_nothing_is_left(world: World) -> None:
    world.stripe_replies(
        held("pi_c", 5000),
        captured("pi_c", 5000, 3120),
        sf.refund("re_1", "pi_c", 1000, note="connector fault"),
        sf.refund("re_2", "pi_c", 2120, note="goodwill"),
        sf.invalid_request("charge_already_refunded", "Charge ch_1 has already been refunded."),
    )
    hold = await authorize(world)
    await world.gateway.capture(hold.id, 3120, idempotency_key="capture:ses_1")
    first = await world.gateway.refund(hold.id, 1000, reason="connector fault", idempotency_key="refund:1")
    rest = await world.gateway.refund(hold.id, 2120, reason="goodwill", idempotency_key="refund:2")
    assert [(r.payment_intent_id, r.amount_minor, r.currency, r.reason) for r in (first, rest)] == [
        (hold.id, 1000, "EUR", "connector fault"),
        (hold.id, 2120, "EUR", "goodwill"),
    ]
    with pytest.raises(PaymentGatewayError) as caught:
        await world.gateway.refund(hold.id, 1, reason="more", idempotency_key="refund:3")
    assert (caught.value.code, caught.value.retryable) == ("charge_already_refunded", False)
    world.stripe_calls(
        ("POST", "/v1/payment_intents", "hold:ses_1"),
        ("POST", f"/v1/payment_intents/{hold.id}/capture", "capture:ses_1"),
        ("POST", "/v1/refunds", "refund:1"),
        ("POST", "/v1/refunds", "refund:2"),
        ("POST", "/v1/refunds", "refund:3"),
    )


async def test_a_refund_above_what_was_captured_is_refused(world: World) -> None:
    message = "Refund amount (31.21 EUR) is greater than unrefunded amount on charge (31.20 EUR)"
    world.stripe_replies(
        held("pi_d", 5000), captured("pi_d", 5000, 3120), sf.invalid_request("amount_too_large", message)
    )
    hold = await authorize(world)
    await world.gateway.capture(hold.id, 3120, idempotency_key="capture:ses_1")
    with pytest.raises(PaymentGatewayError, match="is greater than unrefunded amount") as caught:
        await world.gateway.refund(hold.id, 3121, reason="too much", idempotency_key="refund:1")
    assert (caught.value.code, caught.value.retryable) == ("amount_too_large", False)


async def test_an_idempotent_retry_returns_the_same_intent(world: World) -> None:
    world.stripe_replies(held("pi_e", 5000) | {"metadata": {"session_id": "ses_1"}})
    first = await authorize(world, key="hold:ses_9")
    assert await authorize(world, key="hold:ses_9") == first
    with pytest.raises(PaymentGatewayError) as caught:
        await authorize(world, amount=6000, key="hold:ses_9")
    assert (caught.value.code, caught.value.retryable) == ("idempotency_error", False)
    world.stripe_calls(*[("POST", "/v1/payment_intents", "hold:ses_9")] * 3)


async def test_a_hold_is_raised_then_captured_above_its_first_amount(world: World) -> None:
    world.stripe_replies(held("pi_f", 5000), held("pi_f", 8000), captured("pi_f", 8000, 7650))
    hold = await authorize(world)
    raised = await world.gateway.increment_authorization(hold.id, 8000, idempotency_key="raise:ses_1:8000")
    assert (raised.status, raised.amount_minor, raised.amount_capturable_minor) == ("requires_capture", 8000, 8000)
    done = await world.gateway.capture(hold.id, 7650, idempotency_key="capture:ses_1")
    assert (done.amount_minor, done.amount_received_minor) == (8000, 7650)


async def test_a_top_up_is_paid_at_once(world: World) -> None:
    world.stripe_replies(sf.payment_intent("pi_g", 650, "succeeded", received=650, capture_method="automatic"))
    customer, pm = await world.saved_card("4242424242424242")
    paid = await world.gateway.charge(
        customer_id=customer, payment_method_id=pm, amount_minor=650, currency="EUR", idempotency_key="top-up:ses_1"
    )
    assert (paid.status, paid.amount_minor, paid.amount_received_minor, paid.amount_capturable_minor) == (
        "succeeded",
        650,
        650,
        0,
    )


async def test_a_webhook_verifies_under_the_gateways_secret_and_not_once_tampered(world: World) -> None:
    world.stripe_replies(held("pi_h", 5000))
    hold = await authorize(world)
    payload, header = await world.signed_event_of(hold.id)
    event = await world.gateway.verify_webhook(payload, header)
    assert (event.type, event.object["id"], event.object["amount_capturable"]) == (
        "payment_intent.amount_capturable_updated",
        hold.id,
        5000,
    )
    assert event.id.startswith("evt_")
    with pytest.raises(WebhookSignatureInvalid):
        await world.gateway.verify_webhook(payload.replace(b"5000", b"9000"), header)


# -- on the simulator only: rules Stripe enforces on its side, which canned answers cannot show --------------
@pytest.fixture
async def simulator(tmp_path: Path, clock: FakeClock) -> AsyncIterator[SimulatorWorld]:
    built = SimulatorWorld(tmp_path / "payments.db", clock)
    yield built
    await built.gateway.close()


async def test_simulator_only_a_refused_capture_leaves_the_hold_as_it_was(simulator: SimulatorWorld) -> None:
    hold = await authorize(simulator)
    with pytest.raises(PaymentGatewayError):
        await simulator.gateway.capture(hold.id, 5001, idempotency_key="capture:ses_1")
    assert await simulator.gateway.retrieve_payment_intent(hold.id) == hold
    assert (
        await simulator.gateway.capture(hold.id, 5000, idempotency_key="capture:ses_1")
    ).amount_received_minor == 5000


async def test_simulator_only_an_uncaptured_hold_lapses_after_seven_days(
    simulator: SimulatorWorld, clock: FakeClock
) -> None:
    hold = await authorize(simulator)
    clock.advance(days=7)
    assert (await simulator.gateway.retrieve_payment_intent(hold.id)).status == "canceled"
    with pytest.raises(PaymentGatewayError) as caught:
        await simulator.gateway.capture(hold.id, 100, idempotency_key="capture:ses_1")
    assert caught.value.code == "payment_intent_unexpected_state"

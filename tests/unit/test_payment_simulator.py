"""The payment simulator: Stripe's PaymentIntent state machine, test cards, idempotency, webhooks, durability."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.azure.stripe_gateway import StripeGateway
from shared.adapters.embedded.payment_simulator import DEFAULT_WEBHOOK_SECRET, PaymentSimulator
from shared.domain.payments import CardSummary, PaymentDeclined, PaymentGatewayError, PaymentIntentResult
from shared.ports.payments import PaymentGateway
from tests.fakes import FakeClock
from tests.stripe_fakes import StripeRecorder

VISA = "4242424242424242"


@pytest.fixture
async def sim(tmp_path: Path, clock: FakeClock) -> AsyncIterator[PaymentSimulator]:
    built = PaymentSimulator(tmp_path / "payments.db", clock=clock)
    yield built
    await built.close()


async def customer_of(sim: PaymentSimulator, user: str = "usr_ada") -> str:
    return await sim.ensure_customer(user, f"{user}@example.com", idempotency_key=f"customer:{user}")


async def card(sim: PaymentSimulator, number: str = VISA, *, user: str = "usr_ada") -> tuple[str, str]:
    customer = await customer_of(sim, user)
    cvc = "1234" if number.startswith("37") else "123"
    return customer, await sim.add_test_card(customer, number, 12, 2034, cvc)


async def hold(
    sim: PaymentSimulator, amount: int = 5000, number: str = VISA, key: str = "hold:ses_1"
) -> PaymentIntentResult:
    customer, pm = await card(sim, number)
    return await sim.authorize(
        customer_id=customer, payment_method_id=pm, amount_minor=amount, currency="EUR", idempotency_key=key
    )


async def events(sim: PaymentSimulator) -> list[tuple[str, dict[str, Any]]]:
    return [(w.type, json.loads(w.payload)["data"]["object"]) for w in await sim.pending_webhooks()]


class refused:  # noqa: N801 - reads as a phrase: ``with refused("amount_too_large"):``
    """A non-retryable PaymentGatewayError with that code, as Stripe's 400s are."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        assert isinstance(exc, PaymentGatewayError), f"expected PaymentGatewayError {self.code}, got {exc!r}"
        assert (exc.code, exc.retryable) == (self.code, False)
        return True


# -- customers and the card form ----------------------------------------------------------------
async def test_it_is_a_payment_gateway(sim: PaymentSimulator) -> None:
    gateway: PaymentGateway = sim
    assert await gateway.list_payment_methods("cus_nobody") == []


async def test_ensure_customer_is_one_customer_per_user(sim: PaymentSimulator) -> None:
    first = await sim.ensure_customer("usr_ada", "ada@example.com", idempotency_key="c1")
    assert await sim.ensure_customer("usr_ada", "ada@example.com", idempotency_key="c2") == first
    assert await sim.ensure_customer("usr_bob", "bob@example.com", idempotency_key="c3") != first
    assert first.startswith("cus_")


@pytest.mark.parametrize(
    ("number", "month", "year", "cvc", "code"),
    [
        ("4242424242424241", 12, 2034, "123", "invalid_number"),  # fails Luhn
        ("4242", 12, 2034, "123", "invalid_number"),  # too short
        ("not a number", 12, 2034, "123", "invalid_number"),
        (VISA, 13, 2034, "123", "invalid_expiry_month"),
        (VISA, 10, 2026, "123", "invalid_expiry_year"),  # the clock is at November 2026
        (VISA, 12, 2034, "12", "invalid_cvc"),
        ("378282246310005", 12, 2034, "123", "invalid_cvc"),  # amex has 4
        ("4111111111111111", 12, 2034, "123", "card_declined"),  # Luhn-valid, not a test card
    ],
)
async def test_the_card_form_refuses_what_stripe_refuses(
    sim: PaymentSimulator, number: str, month: int, year: int, cvc: str, code: str
) -> None:
    customer = await customer_of(sim)
    with pytest.raises(PaymentDeclined) as caught:
        await sim.add_test_card(customer, number, month, year, cvc)
    assert caught.value.code == code
    assert await sim.list_payment_methods(customer) == []


async def test_a_live_card_number_is_refused_as_stripe_test_mode_does(sim: PaymentSimulator) -> None:
    customer = await customer_of(sim)
    with pytest.raises(PaymentDeclined) as caught:
        await sim.add_test_card(customer, "4111 1111 1111 1111", 12, 2034, "123")
    assert caught.value.decline_code == "test_mode_live_card"


async def test_a_card_this_month_is_still_valid_and_spaces_are_ignored(sim: PaymentSimulator) -> None:
    customer = await customer_of(sim)
    pm = await sim.add_test_card(customer, "4242 4242 4242 4242", 11, 2026, "123")
    assert await sim.list_payment_methods(customer) == [CardSummary(pm, "visa", "4242", 11, 2026)]


async def test_a_card_for_an_unknown_customer_is_refused(sim: PaymentSimulator) -> None:
    with refused("resource_missing"):
        await sim.add_test_card("cus_nobody", VISA, 12, 2034, "123")


async def test_saved_cards_are_listed_newest_first_and_detached_for_good(sim: PaymentSimulator) -> None:
    customer, visa = await card(sim)
    _, amex = await card(sim, "378282246310005")
    _, other = await card(sim, user="usr_bob")
    assert [c.id for c in await sim.list_payment_methods(customer)] == [amex, visa]
    assert (await sim.list_payment_methods(customer))[0] == CardSummary(amex, "amex", "0005", 12, 2034)
    await sim.detach_payment_method(visa, idempotency_key="detach:1")
    assert [c.id for c in await sim.list_payment_methods(customer)] == [amex]
    with refused("payment_method_unexpected_state"):
        await sim.detach_payment_method(visa, idempotency_key="detach:2")
    with refused("payment_method_unexpected_state"):
        await sim.authorize(
            customer_id=customer, payment_method_id=visa, amount_minor=500, currency="EUR", idempotency_key="h"
        )
    with refused("payment_method_unexpected_state"):  # someone else's card
        await sim.authorize(
            customer_id=customer, payment_method_id=other, amount_minor=500, currency="EUR", idempotency_key="h2"
        )


async def test_a_setup_intent_is_confirmed_by_the_card_form(sim: PaymentSimulator) -> None:
    customer = await customer_of(sim)
    setup = await sim.create_setup_intent(customer, idempotency_key="setup:1")
    assert setup.status == "requires_payment_method"
    assert setup.client_secret.startswith(f"{setup.id}_secret_")
    pm = await sim.add_test_card(customer, VISA, 12, 2034, "123", setup_intent_id=setup.id)
    [(kind, obj)] = await events(sim)
    assert (kind, obj["id"], obj["status"], obj["payment_method"]) == (
        "setup_intent.succeeded",
        setup.id,
        "succeeded",
        pm,
    )
    with refused("setup_intent_unexpected_state"):  # used once
        await sim.add_test_card(customer, VISA, 12, 2034, "123", setup_intent_id=setup.id)
    other = await customer_of(sim, "usr_bob")
    theirs = await sim.create_setup_intent(other, idempotency_key="setup:2")
    with refused("setup_intent_unexpected_state"):
        await sim.add_test_card(customer, VISA, 12, 2034, "123", setup_intent_id=theirs.id)


# -- test cards ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "number", [VISA, "5555555555554444", "378282246310005", "4000056655665556", "4000003800000446"]
)
async def test_cards_that_succeed_are_held(sim: PaymentSimulator, number: str) -> None:
    held = await hold(sim, 5000, number)
    assert (held.status, held.amount_minor, held.amount_capturable_minor, held.amount_received_minor) == (
        "requires_capture",
        5000,
        5000,
        0,
    )
    assert (held.currency, held.incremental_authorization_available, held.decline_code) == ("EUR", True, None)


@pytest.mark.parametrize(
    ("number", "code", "decline_code"),
    [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000000341", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000000069", "expired_card", None),
        ("4000000000000127", "incorrect_cvc", None),
        ("4000002500003155", "authentication_required", "authentication_required"),
        ("4000002760003184", "authentication_required", "authentication_required"),
    ],
)
async def test_cards_that_decline_leave_a_failed_intent(
    sim: PaymentSimulator, number: str, code: str, decline_code: str | None
) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        await hold(sim, 5000, number)
    declined = caught.value
    assert (declined.code, declined.decline_code) == (code, decline_code)
    assert declined.intent_id is not None
    intent = await sim.retrieve_payment_intent(declined.intent_id)
    assert (intent.status, intent.amount_capturable_minor, intent.decline_code) == (
        "requires_payment_method",
        0,
        decline_code or code,
    )
    assert intent.failure_message == declined.message
    assert [kind for kind, _ in await events(sim)] == ["payment_intent.payment_failed"]


async def test_a_card_saved_through_a_setup_intent_needs_no_authentication_off_session(sim: PaymentSimulator) -> None:
    customer = await customer_of(sim)
    for number, pays in (("4000002500003155", True), ("4000002760003184", False)):
        setup = await sim.create_setup_intent(customer, idempotency_key=f"setup:{number}")
        pm = await sim.add_test_card(customer, number, 12, 2034, "123", setup_intent_id=setup.id)
        call = sim.authorize(
            customer_id=customer, payment_method_id=pm, amount_minor=900, currency="EUR", idempotency_key=number
        )
        if pays:
            assert (await call).status == "requires_capture"
        else:
            with pytest.raises(PaymentDeclined, match="requires authentication"):
                await call


# -- holds ---------------------------------------------------------------------------------------
async def test_capture_less_releases_the_rest(sim: PaymentSimulator) -> None:
    held = await hold(sim, 5000)
    done = await sim.capture(held.id, 3120, idempotency_key="capture:ses_1")
    assert (done.status, done.amount_minor, done.amount_received_minor, done.amount_capturable_minor) == (
        "succeeded",
        5000,
        3120,
        0,
    )
    assert [(k, o["status"], o["amount_capturable"], o["amount_received"]) for k, o in await events(sim)] == [
        ("payment_intent.amount_capturable_updated", "requires_capture", 5000, 0),
        ("payment_intent.succeeded", "succeeded", 0, 3120),
    ]
    with refused("payment_intent_unexpected_state"):
        await sim.capture(held.id, 100, idempotency_key="capture:again")
    with refused("payment_intent_unexpected_state"):
        await sim.cancel(held.id, idempotency_key="cancel:late")


async def test_capture_above_the_hold_or_of_nothing_is_refused_and_changes_nothing(sim: PaymentSimulator) -> None:
    held = await hold(sim, 5000)
    with refused("amount_too_large"):
        await sim.capture(held.id, 5001, idempotency_key="c1")
    with refused("amount_too_small"):
        await sim.capture(held.id, 0, idempotency_key="c2")
    assert await sim.retrieve_payment_intent(held.id) == held


async def test_cancel_releases_the_whole_hold(sim: PaymentSimulator) -> None:
    held = await hold(sim, 5000)
    released = await sim.cancel(held.id, idempotency_key="release:ses_1")
    assert (released.status, released.amount_capturable_minor, released.amount_received_minor) == ("canceled", 0, 0)
    assert [k for k, _ in await events(sim)][-1] == "payment_intent.canceled"
    with refused("payment_intent_unexpected_state"):
        await sim.capture(held.id, 100, idempotency_key="capture:ses_1")


async def test_a_declined_intent_can_be_canceled(sim: PaymentSimulator) -> None:
    with pytest.raises(PaymentDeclined) as caught:
        await hold(sim, 5000, "4000000000009995")
    assert caught.value.intent_id
    assert (await sim.cancel(caught.value.intent_id, idempotency_key="abandon")).status == "canceled"


async def test_a_hold_lapses_after_seven_days(sim: PaymentSimulator, clock: FakeClock) -> None:
    held = await hold(sim, 5000)
    clock.advance(days=6, hours=23)
    assert (await sim.retrieve_payment_intent(held.id)).status == "requires_capture"
    clock.advance(hours=1)
    lapsed = await sim.retrieve_payment_intent(held.id)
    assert (lapsed.status, lapsed.amount_capturable_minor) == ("canceled", 0)
    kinds = [(k, o["cancellation_reason"]) for k, o in await events(sim) if k == "payment_intent.canceled"]
    assert kinds == [("payment_intent.canceled", "automatic")]
    with refused("payment_intent_unexpected_state"):
        await sim.capture(held.id, 100, idempotency_key="capture:late")


async def test_increment_authorization_raises_the_hold(sim: PaymentSimulator) -> None:
    held = await hold(sim, 5000)
    raised = await sim.increment_authorization(held.id, 8000, idempotency_key="raise:8000")
    assert (raised.status, raised.amount_minor, raised.amount_capturable_minor) == ("requires_capture", 8000, 8000)
    with refused("amount_too_small"):
        await sim.increment_authorization(held.id, 8000, idempotency_key="raise:same")
    done = await sim.capture(held.id, 7650, idempotency_key="capture")
    assert done.amount_received_minor == 7650
    with refused("payment_intent_unexpected_state"):
        await sim.increment_authorization(held.id, 9000, idempotency_key="raise:late")
    updates = [o["amount_capturable"] for k, o in await events(sim) if k == "payment_intent.amount_capturable_updated"]
    assert updates == [5000, 8000]


async def test_at_most_ten_increments(sim: PaymentSimulator) -> None:
    held = await hold(sim, 1000)
    for n in range(1, 11):
        await sim.increment_authorization(held.id, 1000 + n * 100, idempotency_key=f"raise:{n}")
    with refused("invalid_request_error"):
        await sim.increment_authorization(held.id, 5000, idempotency_key="raise:11")
    assert (await sim.retrieve_payment_intent(held.id)).amount_capturable_minor == 2000


async def test_a_top_up_is_an_immediate_payment(sim: PaymentSimulator) -> None:
    customer, pm = await card(sim)
    paid = await sim.charge(
        customer_id=customer, payment_method_id=pm, amount_minor=650, currency="EUR", idempotency_key="top-up:ses_1"
    )
    assert (paid.status, paid.amount_received_minor, paid.amount_capturable_minor) == ("succeeded", 650, 0)
    assert [k for k, _ in await events(sim)] == ["payment_intent.succeeded"]
    _, declining = await card(sim, "4000000000000002")
    with pytest.raises(PaymentDeclined):
        await sim.charge(
            customer_id=customer, payment_method_id=declining, amount_minor=650, currency="EUR", idempotency_key="t2"
        )


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (49, "EUR", "amount_too_small"),  # Stripe's minimum charge: 0.50 EUR
        (29, "GBP", "amount_too_small"),
        (0, "EUR", "parameter_invalid_integer"),
        (-5, "EUR", "parameter_invalid_integer"),
        (100_000_000, "EUR", "amount_too_large"),
        (5000, "XYZ", "parameter_invalid_string"),
    ],
)
async def test_amounts_stripe_would_refuse(sim: PaymentSimulator, amount: int, currency: str, code: str) -> None:
    customer, pm = await card(sim)
    with refused(code):
        await sim.authorize(
            customer_id=customer, payment_method_id=pm, amount_minor=amount, currency=currency, idempotency_key="k"
        )
    assert await events(sim) == []


# -- refunds -------------------------------------------------------------------------------------
async def test_refunds_up_to_what_was_captured(sim: PaymentSimulator) -> None:
    held = await hold(sim, 5000)
    await sim.capture(held.id, 3120, idempotency_key="capture")
    with refused("amount_too_large"):
        await sim.refund(held.id, 3121, reason="too much", idempotency_key="refund:0")
    first = await sim.refund(held.id, 1000, reason="connector fault", idempotency_key="refund:1")
    assert (first.payment_intent_id, first.amount_minor, first.currency, first.status, first.reason) == (
        held.id,
        1000,
        "EUR",
        "succeeded",
        "connector fault",
    )
    with pytest.raises(PaymentGatewayError, match=r"\(21\.21 EUR\) is greater than .* \(21\.20 EUR\)") as caught:
        await sim.refund(held.id, 2121, reason="rest", idempotency_key="refund:2")
    assert caught.value.code == "amount_too_large"
    await sim.refund(held.id, 2120, reason="requested_by_customer", idempotency_key="refund:3")
    with refused("charge_already_refunded"):
        await sim.refund(held.id, 1, reason="more", idempotency_key="refund:4")
    refunds = [(o["amount_refunded"], o["refunded"]) for k, o in await events(sim) if k == "charge.refunded"]
    assert refunds == [(1000, False), (3120, True)]


async def test_an_uncaptured_hold_is_not_refunded(sim: PaymentSimulator) -> None:
    held = await hold(sim, 5000)
    with refused("payment_intent_unexpected_state"):
        await sim.refund(held.id, 100, reason="x", idempotency_key="refund")


# -- idempotency ---------------------------------------------------------------------------------
async def test_the_same_key_and_request_gets_the_first_answer(sim: PaymentSimulator) -> None:
    customer, pm = await card(sim)
    call: dict[str, Any] = {"customer_id": customer, "payment_method_id": pm, "amount_minor": 5000, "currency": "EUR"}
    first = await sim.authorize(**call, idempotency_key="hold:ses_1")
    assert await sim.authorize(**call, idempotency_key="hold:ses_1") == first
    assert len(await events(sim)) == 1
    with refused("idempotency_error"):
        await sim.authorize(**call | {"amount_minor": 6000}, idempotency_key="hold:ses_1")
    with refused("idempotency_error"):  # a key belongs to one operation
        await sim.cancel(first.id, idempotency_key="hold:ses_1")


async def test_a_declined_request_retried_is_declined_again_without_a_second_attempt(sim: PaymentSimulator) -> None:
    customer, pm = await card(sim, "4000000000009995")
    call: dict[str, Any] = {"customer_id": customer, "payment_method_id": pm, "amount_minor": 5000, "currency": "EUR"}
    intents = set()
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as caught:
            await sim.authorize(**call, idempotency_key="hold:ses_2")
        intents.add(caught.value.intent_id)
    assert len(intents) == 1
    assert [k for k, _ in await events(sim)] == ["payment_intent.payment_failed"]


async def test_a_refused_request_is_not_remembered_under_its_key(sim: PaymentSimulator) -> None:
    held = await hold(sim, 5000)
    with refused("amount_too_large"):
        await sim.capture(held.id, 9000, idempotency_key="capture:ses_1")
    assert (await sim.capture(held.id, 4000, idempotency_key="capture:ses_1")).amount_received_minor == 4000


async def test_a_key_is_forgotten_after_24_hours(sim: PaymentSimulator, clock: FakeClock) -> None:
    first = await hold(sim, 5000, key="hold:old")
    clock.advance(hours=24, seconds=1)
    assert (await hold(sim, 5000, key="hold:old")).id != first.id


async def test_concurrent_retries_across_two_processes_make_one_intent(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "shared.db"
    a, b = PaymentSimulator(path, clock=clock), PaymentSimulator(path, clock=clock)
    try:
        customer, pm = await card(a)
        call: dict[str, Any] = {
            "customer_id": customer,
            "payment_method_id": pm,
            "amount_minor": 5000,
            "currency": "EUR",
        }
        results = await asyncio.gather(*(s.authorize(**call, idempotency_key="hold:race") for s in [a, b] * 5))
        assert len({r.id for r in results}) == 1
        assert len(await events(a)) == 1
    finally:
        await a.close()
        await b.close()


# -- durability and webhooks ---------------------------------------------------------------------
async def test_state_and_pending_events_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "payments.db"
    first = PaymentSimulator(path, clock=clock)
    held = await hold(first, 5000)
    await first.close()
    again = PaymentSimulator(path, clock=clock)
    try:
        assert await again.retrieve_payment_intent(held.id) == held
        assert [k for k, _ in await events(again)] == ["payment_intent.amount_capturable_updated"]
        customer = await customer_of(again)
        (saved,) = await again.list_payment_methods(customer)
        assert saved.last4 == "4242"
        retried = await again.authorize(
            customer_id=customer,
            payment_method_id=saved.id,
            amount_minor=5000,
            currency="EUR",
            idempotency_key="hold:ses_1",
        )
        assert retried == held  # its idempotency record too
    finally:
        await again.close()


async def test_webhooks_are_signed_stripe_events_delivered_once(sim: PaymentSimulator, clock: FakeClock) -> None:
    held = await hold(sim, 5000)
    await sim.capture(held.id, 3120, idempotency_key="capture:ses_1")
    pending = await sim.pending_webhooks()
    assert [w.type for w in pending] == ["payment_intent.amount_capturable_updated", "payment_intent.succeeded"]
    stripe_side = StripeGateway("sk_test_x", DEFAULT_WEBHOOK_SECRET, http_client=StripeRecorder())
    for w in pending:
        event = await sim.verify_webhook(w.payload, w.signature_header)
        assert event == await stripe_side.verify_webhook(w.payload, w.signature_header)  # one handler for both
        assert (event.id, event.type, event.object["id"]) == (w.event_id, w.type, held.id)
        assert event.created == int(clock.now().timestamp())
    body = json.loads(pending[1].payload)
    assert (body["object"], body["livemode"], body["request"]["idempotency_key"]) == ("event", False, "capture:ses_1")
    assert await sim.mark_delivered(pending[0].event_id) is True
    assert await sim.mark_delivered(pending[0].event_id) is False
    assert [w.event_id for w in await sim.pending_webhooks()] == [pending[1].event_id]


async def test_a_webhook_signed_with_another_secret_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    from shared.domain.payments import WebhookSignatureInvalid

    other = PaymentSimulator(tmp_path / "other.db", webhook_secret="whsec_other", clock=clock)
    try:
        await hold(other, 5000)
        (w,) = await other.pending_webhooks()
    finally:
        await other.close()
    mine = PaymentSimulator(tmp_path / "mine.db", clock=clock)
    try:
        with pytest.raises(WebhookSignatureInvalid):
            await mine.verify_webhook(w.payload, w.signature_header)
    finally:
        await mine.close()

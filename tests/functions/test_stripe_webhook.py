"""Stripe webhooks: signatures checked first, each event once, any order harmless, local delivery (exact amounts).

The site's tariff is 0.40 EUR/kWh + 19 % VAT (tests/charging_fixture.py): 10.5 kWh cost 5.00 EUR, 5 kWh 2.38.
Events are the payment simulator's own (signed with Stripe's scheme), or built here and signed the same way.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe
from azure.functions.timer import TimerRequest

import function_app
from local_host.discovery import functions_of
from shared.adapters.embedded.local_bus import LocalBus
from shared.adapters.embedded.payment_simulator import DEFAULT_WEBHOOK_SECRET, PaymentSimulator, SignedWebhook
from shared.bootstrap import Deps
from shared.domain.billing import SessionPayment
from shared.domain.payments import PaymentDeclined
from shared.repositories.payment_accounts import find_account
from shared.repositories.payments import find_payment
from shared.services import billing
from shared.services.idempotency import already_processed
from shared.services.invoicing import find_invoice
from shared.services.stripe_webhooks import CONSUMER, deliver_simulator_webhooks, receive_webhook
from tests.charging_fixture import Site, app_session, build_site, bus_messages
from tests.fakes import FakeClock
from tests.providers_fixture import DECLINED, driver

PROBE = "test-stripe-webhook-probe"


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    bus = deps.bus
    assert isinstance(bus, LocalBus)
    await bus.ensure_subscription(deps.settings.billing_events_topic, PROBE)
    await bus.ensure_subscription(deps.settings.notifications_queue, PROBE)
    return await build_site(deps, functions)


def simulator(deps: Deps) -> PaymentSimulator:
    assert isinstance(deps.payments, PaymentSimulator)
    return deps.payments


def secret(deps: Deps) -> str:
    return deps.settings.payment_simulator_webhook_secret or DEFAULT_WEBHOOK_SECRET


def sign(payload: bytes, key: str, timestamp: int | None = None) -> str:
    header: str = stripe.WebhookSignature.generate_signature_header(payload.decode(), key, timestamp)
    return header


def event_body(event_id: str, event_type: str, obj: dict[str, Any], request_key: str | None = None) -> bytes:
    event = {
        "id": event_id, "object": "event", "api_version": stripe.api_version, "created": 1_795_000_000,
        "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": request_key}, "type": event_type,
    }  # fmt: skip
    return json.dumps(event).encode()


async def post(site: Site, payload: bytes, header: str | None) -> Any:
    headers = {"content-type": "application/json"} | ({"stripe-signature": header} if header is not None else {})
    return await site.functions("stripe_webhook", "POST", raw=payload, headers=headers)


async def pending(deps: Deps, event_type: str | None = None, intent_id: str | None = None) -> list[SignedWebhook]:
    found = await simulator(deps).pending_webhooks(500)
    return [
        w for w in found
        if (event_type is None or w.type == event_type)
        and (intent_id is None or json.loads(w.payload)["data"]["object"]["id"] == intent_id)
    ]  # fmt: skip


async def payment_of(site: Site, session_id: str, user_id: str | None = None) -> SessionPayment:
    payment = await find_payment(site.deps.store, user_id or site.driver.user_id, session_id)
    assert payment is not None
    return payment


def state(payment: SessionPayment) -> dict[str, Any]:
    """The record's content, without what every write changes."""
    return payment.model_dump(exclude={"etag", "updated_at"})


async def captured_at_the_gateway_only(site: Site, clock: FakeClock) -> tuple[str, SessionPayment, SignedWebhook]:
    """A session stopped at 10.5 kWh (5.00 EUR) whose hold billing captured, crashing before writing it down."""
    session_id, tx = await app_session(site)
    clock.advance(minutes=60)
    await site.stop(tx, 11500)
    payment = await payment_of(site, session_id)
    intent_id = payment.hold_intent_id or ""
    await site.deps.payments.capture(intent_id, 500, idempotency_key=f"capture:{session_id}")
    [succeeded] = await pending(site.deps, "payment_intent.succeeded", intent_id)
    return session_id, payment, succeeded


class TestSignature:
    async def test_bad_missing_tampered_or_old_signatures_are_400_and_change_nothing(
        self, site: Site, clock: FakeClock
    ) -> None:
        session_id, before, event = await captured_at_the_gateway_only(site, clock)
        tampered = event.payload.replace(b'"amount_received": 500', b'"amount_received": 50000')
        assert tampered != event.payload
        now = int(time.time())
        for payload, header in (
            (event.payload, sign(event.payload, "whsec_someone_else")),
            (event.payload, None),
            (event.payload, ""),
            (tampered, event.signature_header),
            (event.payload, sign(event.payload, secret(site.deps), timestamp=now - 301)),
        ):
            answer = await post(site, payload, header)
            assert answer.status == 400, answer.json
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json["code"] == "webhook_signature_invalid"
        assert state(await payment_of(site, session_id)) == state(before)
        assert not await already_processed(site.deps.store, CONSUMER, event.event_id)
        answer = await post(site, event.payload, sign(event.payload, secret(site.deps), timestamp=now - 240))
        assert (answer.status, answer.json) == (200, {"received": True})

    async def test_the_endpoint_is_anonymous_and_in_the_openapi_document(self, site: Site) -> None:
        doc = (await site.functions("openapi")).json
        operation = doc["paths"]["/api/payments/stripe/webhook"]["post"]
        assert "security" not in operation and {"200", "400"} <= set(operation["responses"])


class TestReconciliation:
    async def test_a_capture_our_record_missed_is_recorded_by_the_succeeded_event_once(
        self, site: Site, clock: FakeClock
    ) -> None:
        session_id, _, event = await captured_at_the_gateway_only(site, clock)
        answer = await post(site, event.payload, event.signature_header)
        assert (answer.status, answer.json) == (200, {"received": True})
        payment = await payment_of(site, session_id)
        assert (payment.status, payment.due_minor, payment.captured_minor, payment.topped_up_minor) == (
            "captured", 500, 500, 0,
        )  # fmt: skip
        invoice = await find_invoice(site.deps, payment.invoice_id or "", site.team.id)
        assert invoice is not None and str(invoice.total_incl_vat) == "5.00"
        # Stripe delivers it again; then billing's own SessionStopped arrives late
        _, outcome = await receive_webhook(site.deps, event.payload, event.signature_header)
        assert outcome == "duplicate"
        [stopped] = [e for e in await site.events("SessionStopped") if e.body["sessionId"] == session_id]
        assert await billing.on_session_event(site.deps, stopped) == "settled"
        again = await payment_of(site, session_id)
        assert state(again) == state(payment)
        intent = await site.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert (intent.status, intent.amount_received_minor, intent.amount_capturable_minor) == ("succeeded", 500, 0)
        types = [m.type for m in await bus_messages(site.deps, site.deps.settings.billing_events_topic, PROBE)]
        assert (types.count("PaymentCaptured"), types.count("InvoiceIssued")) == (1, 1)

    async def test_events_delivered_backwards_change_nothing_after_settling(self, site: Site, clock: FakeClock) -> None:
        session_id, tx = await app_session(site, caps={"maxKwh": "5"}, meter_start=0)  # hold 10.00
        clock.advance(minutes=60)
        await site.stop(tx, 30000)  # 14.28 EUR: settling raises the hold to 14.28, then captures it
        settled = await billing.settle(site.deps, session_id)
        assert settled is not None and (settled.status, settled.captured_minor) == ("captured", 1428)
        events = await pending(site.deps, intent_id=settled.hold_intent_id)
        assert [e.type for e in events] == [
            "payment_intent.amount_capturable_updated",  # the hold, 10.00
            "payment_intent.amount_capturable_updated",  # raised to 14.28
            "payment_intent.succeeded",
        ]
        for event in reversed(events):  # succeeded first, the hold last
            _, outcome = await receive_webhook(site.deps, event.payload, event.signature_header)
            assert outcome.startswith(("already recorded", "ignored")), outcome
        assert state(await payment_of(site, session_id)) == state(settled)

    async def test_a_canceled_event_after_the_capture_changes_nothing(self, site: Site, clock: FakeClock) -> None:
        session_id, tx = await app_session(site)
        clock.advance(minutes=30)
        await site.stop(tx, 6000)  # 2.38 EUR
        settled = await billing.settle(site.deps, session_id)
        assert settled is not None and settled.collected_minor == 238
        intent_id = settled.hold_intent_id or ""
        [hold] = (await pending(site.deps, "payment_intent.amount_capturable_updated", intent_id))[:1]
        stale = json.loads(hold.payload)["data"]["object"] | {"status": "canceled", "amount_capturable": 0}
        body = event_body("evt_stale_cancel", "payment_intent.canceled", stale)
        answer = await post(site, body, sign(body, secret(site.deps)))
        assert answer.status == 200
        assert state(await payment_of(site, session_id)) == state(settled)
        intent = await site.deps.payments.retrieve_payment_intent(intent_id)
        assert (intent.status, intent.amount_received_minor) == ("succeeded", 238)

    async def test_a_hold_raised_at_the_gateway_is_recorded_and_a_stale_event_does_not_shrink_it(
        self, site: Site
    ) -> None:
        session_id, _ = await app_session(site)  # hold 20.94
        payment = await payment_of(site, session_id)
        intent_id = payment.hold_intent_id or ""
        await site.deps.payments.increment_authorization(intent_id, 4188, idempotency_key=f"increment:{session_id}:x")
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        raised = await payment_of(site, session_id)
        assert (raised.status, raised.hold_minor, raised.hold_incrementable) == ("authorized", 4188, True)
        assert await pending(site.deps) == []  # all delivered
        old = {"id": intent_id, "object": "payment_intent", "amount": 2094, "amount_capturable": 2094,
               "status": "requires_capture", "metadata": {}}  # fmt: skip
        body = event_body("evt_replayed_hold", "payment_intent.amount_capturable_updated", old)
        assert (await post(site, body, sign(body, secret(site.deps)))).status == 200
        assert (await payment_of(site, session_id)).hold_minor == 4188


class TestHoldCanceled:
    async def test_a_lost_hold_of_a_live_session_is_noted_and_the_whole_amount_charged_at_stop(
        self, site: Site, clock: FakeClock
    ) -> None:
        session_id, tx = await app_session(site)
        payment = await payment_of(site, session_id)
        await site.deps.payments.cancel(payment.hold_intent_id or "", idempotency_key="dashboard-cancel")
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        noted = await payment_of(site, session_id)
        assert (noted.status, noted.hold_incrementable) == ("authorized", False)
        assert (noted.last_error or "").startswith("hold canceled")
        clock.advance(minutes=30)
        await site.stop(tx, 6000)  # 2.38 EUR
        settled = await billing.settle(site.deps, session_id)
        assert settled is not None
        assert (settled.status, settled.captured_minor, settled.topped_up_minor) == ("captured", 0, 238)

    async def test_a_canceled_hold_of_a_start_that_failed_is_released(self, site: Site) -> None:
        started = await site.start_from_app()
        await site.answer("RemoteStartTransaction", {"status": "Rejected"})  # the SessionStopped is not consumed
        payment = await payment_of(site, started.json["id"])
        assert payment.status == "authorized"
        await site.deps.payments.cancel(payment.hold_intent_id or "", idempotency_key="dashboard-cancel")
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        released = await payment_of(site, started.json["id"])
        assert (released.status, released.due_minor, released.collected_minor) == ("released", 0, 0)


class TestFailedCharge:
    async def test_a_refusal_billing_recorded_is_not_retried_or_told_twice(self, site: Site, clock: FakeClock) -> None:
        from shared.domain.users import RfidTagCreate
        from shared.services.rfid_tags import add_tag

        poor = await driver(site.deps, "poor-webhook@example.com", card=DECLINED)
        await add_tag(site.deps.store, clock, poor.user_id, RfidTagCreate(id_tag="CARD-W"))
        tx = await site.start("CARD-W", meter_start=0)
        [started] = await site.events("SessionStarted")
        session_id = started.body["sessionId"]
        clock.advance(minutes=30)
        await site.stop(tx, 5000)  # 2.38 EUR
        failed = await billing.settle(site.deps, session_id)
        assert failed is not None and (failed.status, failed.attempts) == ("capture_failed", 1)
        assert len(await pending(site.deps, "payment_intent.payment_failed")) == 1
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        assert state(await payment_of(site, session_id, poor.user_id)) == state(failed)
        notes = await bus_messages(site.deps, site.deps.settings.notifications_queue, PROBE)
        assert [(n.type, n.body["amount"]) for n in notes] == [("PaymentFailed", "2.38")]

    async def test_a_refusal_billing_never_wrote_down_is_recorded_once(self, site: Site, clock: FakeClock) -> None:
        from shared.domain.users import RfidTagCreate
        from shared.services.rfid_tags import add_tag

        poor = await driver(site.deps, "crash-webhook@example.com", card=DECLINED)
        await add_tag(site.deps.store, clock, poor.user_id, RfidTagCreate(id_tag="CARD-X"))
        tx = await site.start("CARD-X", meter_start=0)
        [started] = await site.events("SessionStarted")
        session_id = started.body["sessionId"]
        clock.advance(minutes=30)
        await site.stop(tx, 5000)
        # billing made its record and tried the charge, then crashed before writing the refusal
        from shared.services.payment_methods import default_card

        session = await billing.session_repo.find_session(site.deps.store, session_id)
        assert session is not None
        record = await billing._new_record(site.deps, session)
        assert record is not None
        found = await default_card(poor.user_id, store=site.deps.store, payments=site.deps.payments, clock=clock)
        assert found is not None
        with pytest.raises(PaymentDeclined):
            await site.deps.payments.charge(
                customer_id=found[0].customer_id,
                payment_method_id=found[1].id,
                amount_minor=238,
                currency="EUR",
                idempotency_key=f"topup:{session_id}:0",
                metadata={"sessionId": session_id, "userId": poor.user_id, "providerId": session.provider_id},
            )  # fmt: skip  (exactly billing's request: the same key with another request is refused)
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        recorded = await payment_of(site, session_id, poor.user_id)
        assert (recorded.status, recorded.attempts, recorded.due_minor, recorded.collected_minor) == (
            "capture_failed", 1, 238, 0,
        )  # fmt: skip
        notes = await bus_messages(site.deps, site.deps.settings.notifications_queue, PROBE)
        assert [(n.type, n.body["amount"]) for n in notes] == [("PaymentFailed", "2.38")]


class TestOtherEvents:
    async def test_unknown_intents_charges_and_types_are_acknowledged_and_ignored(self, site: Site) -> None:
        for event_type, obj in (
            ("payment_intent.succeeded", {"id": "pi_not_ours", "object": "payment_intent", "metadata": {}}),
            ("charge.refunded", {"id": "ch_not_ours", "object": "charge", "payment_intent": "pi_not_ours",
                                 "amount_refunded": 100}),
            ("customer.created", {"id": "cus_x", "object": "customer"}),
        ):  # fmt: skip
            body = event_body(f"evt_{event_type}", event_type, obj)
            _, outcome = await receive_webhook(site.deps, body, sign(body, secret(site.deps)))
            assert outcome.startswith("ignored"), outcome
            answer = await post(site, body, sign(body, secret(site.deps)))
            assert (answer.status, answer.json) == (200, {"received": True})  # a duplicate now

    async def test_a_card_saved_through_the_card_form_becomes_the_default(self, site: Site) -> None:
        member = await driver(site.deps, "elements@example.com", card=None)
        setup = await site.functions("start_card_setup", "POST", token=member.token)
        assert setup.status == 201, setup.json
        account = await find_account(site.deps.store, member.user_id)
        assert account is not None and account.default_payment_method_id is None
        # what Stripe.js does in the browser: the app's API never sees it
        card = await simulator(site.deps).add_test_card(
            account.customer_id, "4242424242424242", 12, 2034, "123", setup_intent_id=setup.json["setupIntentId"]
        )
        [saved] = await pending(site.deps, "setup_intent.succeeded")
        _, outcome = await receive_webhook(site.deps, saved.payload, saved.signature_header)
        assert outcome == f"default card {card}"
        account = await find_account(site.deps.store, member.user_id)
        assert account is not None and account.default_payment_method_id == card


async def test_the_timer_delivers_the_simulators_events_end_to_end(site: Site, clock: FakeClock) -> None:
    (timer,) = [f for f in functions_of(function_app.app) if f.get_function_name() == "payment_simulator_webhooks"]
    trigger = timer.get_trigger()
    assert trigger.schedule == "*/5 * * * * *" and not trigger.run_on_startup
    session_id, tx = await app_session(site)
    clock.advance(minutes=60)
    await site.stop(tx, 11500)  # 5.00 EUR
    [stopped] = [e for e in await site.events("SessionStopped") if e.body["sessionId"] == session_id]
    assert await billing.on_session_event(site.deps, stopped) == "settled"
    queued = await pending(site.deps)
    assert {w.type for w in queued} >= {"payment_intent.amount_capturable_updated", "payment_intent.succeeded"}
    settled = await payment_of(site, session_id)
    await timer.get_user_function()(TimerRequest(past_due=False))
    assert await pending(site.deps) == []
    for webhook in queued:
        assert await already_processed(site.deps.store, CONSUMER, webhook.event_id)
        assert not await simulator(site.deps).mark_delivered(webhook.event_id)  # marked already
    after = await payment_of(site, session_id)
    assert state(after) == state(settled) and (after.status, after.captured_minor) == ("captured", 500)
    assert (await deliver_simulator_webhooks(site.deps)).delivered == 0


class TestRefunds:
    async def settled(self, site: Site, clock: FakeClock) -> SessionPayment:
        session_id, tx = await app_session(site)
        clock.advance(minutes=60)
        await site.stop(tx, 11500)  # 5.00 EUR
        payment = await billing.settle(site.deps, session_id)
        assert payment is not None and payment.collected_minor == 500
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        return payment

    async def test_a_refund_made_in_the_dashboard_is_recorded_once(self, site: Site, clock: FakeClock) -> None:
        payment = await self.settled(site, clock)
        await site.deps.payments.refund(payment.hold_intent_id or "", 120, reason="dashboard", idempotency_key="dash-1")
        [refunded] = await pending(site.deps, "charge.refunded")
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        recorded = await payment_of(site, payment.session_id)
        assert recorded.refunded_minor == 120
        [refund] = recorded.refunds
        assert (refund.amount_minor, refund.status) == (120, "succeeded")
        # the same charge state again under another event id (Stripe resends; a second endpoint): no second refund
        again = event_body("evt_refund_again", "charge.refunded", json.loads(refunded.payload)["data"]["object"])
        assert (await post(site, again, sign(again, secret(site.deps)))).status == 200
        assert (await payment_of(site, payment.session_id)).refunded_minor == 120

    async def test_a_refund_the_app_made_is_not_counted_twice(self, site: Site, clock: FakeClock) -> None:
        payment = await self.settled(site, clock)
        made = await site.functions(
            "refund_payment", "POST", token=site.team.admin.renewed(site.deps).token, route={"paymentId": payment.id},
            body={"clientRefundId": "refund-0001", "amount": "1.50", "currency": "EUR", "reason": "slow charger"},
        )  # fmt: skip
        assert made.status in (200, 201), made.json
        before = await payment_of(site, payment.session_id)
        assert before.refunded_minor == 150
        assert len(await pending(site.deps, "charge.refunded")) == 1
        assert (await deliver_simulator_webhooks(site.deps)).failed == 0
        after = await payment_of(site, payment.session_id)
        assert (after.refunded_minor, len(after.refunds)) == (150, 1)

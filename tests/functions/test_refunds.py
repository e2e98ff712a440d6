"""Refunds with credit notes: exact amounts, validation, tenancy, idempotency, the gateway's refusals.

Every payment here is 5.00 EUR (10.5 kWh at 0.40 EUR + 19 % VAT: 4.20 + 0.80), captured from the
hold and invoiced as the provider's number 1 of the year (see ``charged_sessions``).
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shared.adapters.embedded.local_bus import LocalBus
from shared.adapters.embedded.payment_simulator import PaymentSimulator
from shared.bootstrap import Deps
from shared.domain.invoices import Buyer, InvoiceDocument, InvoiceLine, Seller, VatLine
from shared.domain.messages import Message
from shared.domain.payments import PaymentGatewayError, RefundResult
from shared.repositories.payments import find_payment, save_payment
from shared.services import refunds
from shared.services.credit_notes import credit_note_lines
from shared.services.invoicing import find_invoice
from tests.charging_fixture import Site, build_site, bus_messages
from tests.fakes import FakeClock
from tests.functions.charged_sessions import charged, invoice_of, refund
from tests.providers_fixture import create_provider, platform_admin

PROBE = "test-refunds-probe"


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    bus = deps.bus
    assert isinstance(bus, LocalBus)
    await bus.ensure_subscription(deps.settings.billing_events_topic, PROBE)
    return await build_site(deps, functions)


async def billing_events(deps: Deps, *types: str) -> list[Message]:
    found = await bus_messages(deps, deps.settings.billing_events_topic, PROBE)
    return [m for m in found if not types or m.type in types]


async def refunded_at_gateway(deps: Deps, intent_id: str) -> list[int]:
    """What the gateway's charge of ``intent_id`` had refunded after each refund it made (from its
    charge.refunded webhooks, oldest first): one entry per refund actually made."""
    simulator = deps.payments
    assert isinstance(simulator, PaymentSimulator)
    found: list[int] = []
    for hook in await simulator.pending_webhooks(limit=1000):
        if hook.type == "charge.refunded":
            charge = json.loads(hook.payload)["data"]["object"]
            if charge["payment_intent"] == intent_id:
                found.append(charge["amount_refunded"])
    return found


class TestRefund:
    async def test_a_partial_refund_gives_the_money_back_and_issues_a_credit_note(
        self, site: Site, clock: FakeClock
    ) -> None:
        payment = await charged(site, clock)
        await billing_events(site.deps)  # what settling published
        answer = await refund(site, payment.id, "first-refund-1", "2.00", reason="Charger fault")
        assert answer.status == 201, answer.json
        body = answer.json
        assert (body["amount"], body["currency"], body["status"], body["paymentId"]) == (
            "2.00", "EUR", "succeeded", payment.id,
        )  # fmt: skip
        assert answer.headers["location"] == f"/api/payments/{payment.id}"
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and (stored.refunded_minor, stored.refundable_minor) == (200, 300)
        [record] = stored.refunds
        assert (record.amount_minor, record.by, len(record.gateway_refund_ids)) == (200, site.team.admin.user_id, 1)
        assert record.credit_note_id == body["creditNoteId"] == f"cn_{body['id']}"
        original = await invoice_of(site, payment.invoice_id or "")
        note = await invoice_of(site, body["creditNoteId"])
        assert (note.kind, note.status, note.original_invoice_id, note.reason) == (
            "credit_note", "issued", original.id, "Charger fault",
        )  # fmt: skip
        assert original.number is not None and original.number.endswith("-000001")
        assert note.number == original.number.replace("-000001", "-000002")  # the same sequence goes on
        doc = note.document
        assert doc is not None and doc.original_invoice_number == original.number
        [line] = doc.lines
        assert (line.description, str(line.vat_rate), str(line.amount_excl_vat)) == ("Refund", "19", "1.68")
        assert (str(doc.total_excl_vat), str(doc.total_vat), str(doc.total_incl_vat)) == ("1.68", "0.32", "2.00")
        pdf = await site.deps.blobs.get(site.deps.settings.invoices_container, note.pdf_blob or "")
        assert pdf.startswith(b"%PDF")
        [issued] = await billing_events(site.deps)
        assert (issued.type, issued.body["amount"], issued.body["creditNoteId"], issued.tenant_id) == (
            "RefundIssued", "2.00", note.id, site.team.id,
        )  # fmt: skip
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [200]

    async def test_without_an_amount_everything_is_refunded_and_the_note_mirrors_the_invoice(
        self, site: Site, clock: FakeClock
    ) -> None:
        payment = await charged(site, clock)
        answer = await refund(site, payment.id, "full-refund-1", None, reason="Goodwill")
        assert (answer.status, answer.json["amount"]) == (201, "5.00")
        original = await invoice_of(site, payment.invoice_id or "")
        note = await invoice_of(site, answer.json["creditNoteId"])
        assert original.document is not None and note.document is not None
        assert note.document.lines == original.document.lines
        assert note.document.vat_breakdown == original.document.vat_breakdown
        assert (str(note.total_excl_vat), str(note.total_vat), str(note.total_incl_vat)) == ("4.20", "0.80", "5.00")
        again = await refund(site, payment.id, "full-refund-2", "0.01")
        assert (again.status, again.json["code"], again.json["refundable"]) == (422, "refund_exceeds_captured", "0.00")

    async def test_a_retried_request_refunds_once(self, site: Site, clock: FakeClock) -> None:
        payment = await charged(site, clock)
        first = await refund(site, payment.id, "retried-refund", "2.00")
        second = await refund(site, payment.id, "retried-refund", "2.00")
        assert (first.status, second.status) == (201, 201)
        assert first.json == second.json
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and (stored.refunded_minor, len(stored.refunds)) == (200, 1)
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [200]
        assert len(await billing_events(site.deps, "RefundIssued")) == 1
        other = await refund(site, payment.id, "retried-refund", "3.00")  # the same id for something else
        assert (other.status, other.json["code"]) == (409, "refund_id_reused")

    async def test_two_partial_refunds_then_one_above_the_rest_is_refused(self, site: Site, clock: FakeClock) -> None:
        payment = await charged(site, clock)
        assert (await refund(site, payment.id, "part-one-1", "2.00")).status == 201
        assert (await refund(site, payment.id, "part-two-2", "2.50")).status == 201
        third = await refund(site, payment.id, "part-three-3", "0.51")
        assert (third.status, third.json["code"], third.json["refundable"]) == (422, "refund_exceeds_captured", "0.50")
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and (stored.refunded_minor, stored.refundable_minor) == (450, 50)
        numbers = [(await invoice_of(site, r.credit_note_id or "")).number for r in stored.refunds]
        later = await charged(site, clock)  # the next invoice continues after the credit notes
        invoice = await invoice_of(site, later.invoice_id or "")
        assert [n[-6:] for n in (*numbers, invoice.number) if n] == ["000002", "000003", "000004"]
        assert (await refund(site, payment.id, "part-four-4", "0.50")).status == 201
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [200, 450, 500]

    async def test_concurrent_refunds_never_give_back_more_than_was_collected(
        self, site: Site, clock: FakeClock
    ) -> None:
        payment = await charged(site, clock)
        answers = await asyncio.gather(*(refund(site, payment.id, f"concurrent-{i}", "3.00") for i in range(3)))
        assert sorted(a.status for a in answers) == [201, 422, 422]
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and stored.refunded_minor == 300
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [300]


class TestValidation:
    async def test_refusals_carry_their_codes_and_change_nothing(self, site: Site, clock: FakeClock) -> None:
        payment = await charged(site, clock)
        cases = [
            ({"currency": "USD"}, 422, "currency_mismatch"),
            ({"amount": "5.01"}, 422, "refund_exceeds_captured"),
            ({"amount": "1.001"}, 422, "invalid_amount"),
            ({"amount": "0"}, 422, "validation_failed"),
            ({"amount": "-1.00"}, 422, "validation_failed"),
            ({"reason": ""}, 422, "validation_failed"),
            ({"reason": "x" * 501}, 422, "validation_failed"),
            ({"clientRefundId": "short"}, 422, "validation_failed"),
            ({"surprise": True}, 422, "validation_failed"),
        ]
        for i, (change, status, code) in enumerate(cases):
            fields: dict[str, Any] = {"amount": "2.00", "currency": "EUR", "reason": "Fault", **change}
            amount, currency, reason = fields.pop("amount"), fields.pop("currency"), fields.pop("reason")
            client_id = fields.pop("clientRefundId", f"validation-{i:04d}")
            answer = await refund(site, payment.id, client_id, amount, currency=currency, reason=reason, **fields)
            assert (answer.status, answer.json["code"]) == (status, code), (change, answer.json)
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and (stored.refunded_minor, stored.refunds) == (0, [])
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == []
        assert await billing_events(site.deps, "RefundIssued") == []

    async def test_a_payment_not_captured_cannot_be_refunded(self, site: Site, clock: FakeClock) -> None:
        started = await site.start_from_app()  # a hold, nothing captured yet
        assert started.status == 201, started.json
        payment_id = f"pay_{started.json['id']}"
        answer = await refund(site, payment_id, "too-early-1", "1.00")
        assert (answer.status, answer.json["code"]) == (409, "payment_not_captured")
        stored = await find_payment(site.deps.store, site.driver.user_id, started.json["id"])
        assert stored is not None and (stored.status, stored.refunds, stored.refunded_minor) == ("authorized", [], 0)

    async def test_a_refusal_of_the_gateway_is_409_and_leaves_the_amount_refundable(
        self, site: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        payment = await charged(site, clock)
        real = site.deps.payments.refund

        async def refusing(intent_id: str, amount_minor: int, *, reason: str, idempotency_key: str) -> RefundResult:
            raise PaymentGatewayError("Charge has been disputed.", code="charge_disputed")

        monkeypatch.setattr(site.deps.payments, "refund", refusing)
        answer = await refund(site, payment.id, "refused-one", "2.00")
        assert (answer.status, answer.json["code"]) == (409, "refund_refused")
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and stored.refunded_minor == 0
        assert [r.status for r in stored.refunds] == ["failed"]
        monkeypatch.setattr(site.deps.payments, "refund", real)
        assert (await refund(site, payment.id, "refused-one", "2.00")).json["code"] == "refund_refused"
        assert (await refund(site, payment.id, "refused-two", "5.00")).status == 201  # all of it still there
        assert [e.body["amount"] for e in await billing_events(site.deps, "RefundIssued")] == ["5.00"]
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [500]


class TestTenancy:
    async def test_only_the_providers_admin_or_a_platform_admin_may_refund(
        self, site: Site, clock: FakeClock, deps: Deps
    ) -> None:
        payment = await charged(site, clock)
        rival = await create_provider(deps, "rival")
        staff = await refund(site, payment.id, "by-staff-1", who=site.team.staff)
        assert (staff.status, staff.json["code"]) == (403, "forbidden_role")
        other = await refund(site, payment.id, "by-rival-1", who=rival.admin)
        assert (other.status, other.json["code"]) == (404, "payment_not_found")
        own_driver = await refund(site, payment.id, "by-driver-1", who=site.driver)
        assert (own_driver.status, own_driver.json["code"]) == (403, "forbidden_role")
        stored = await find_payment(deps.store, payment.user_id, payment.session_id)
        assert stored is not None and stored.refunds == []
        admin = await refund(site, payment.id, "by-admin-1", who=platform_admin(deps))
        assert admin.status == 201, admin.json


class TestCrashesAndWebhooks:
    async def test_an_outage_leaves_the_refund_pending_and_the_same_request_finishes_it(
        self, site: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        payment = await charged(site, clock)
        real = site.deps.payments.refund
        made: list[RefundResult] = []

        async def lost_answer(intent_id: str, amount_minor: int, *, reason: str, idempotency_key: str) -> RefundResult:
            made.append(await real(intent_id, amount_minor, reason=reason, idempotency_key=idempotency_key))
            raise PaymentGatewayError("timed out", code="api_connection_error", retryable=True)

        monkeypatch.setattr(site.deps.payments, "refund", lost_answer)
        answer = await refund(site, payment.id, "lost-answer-1", "2.00")
        assert answer.status == 503, answer.json
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and [r.status for r in stored.refunds] == ["pending"]
        assert stored.refundable_minor == 300  # reserved: no other refund can take it meanwhile
        monkeypatch.setattr(site.deps.payments, "refund", real)
        clock.advance(seconds=30)  # the client retries a little later
        again = await refund(site, payment.id, "lost-answer-1", "2.00")
        assert (again.status, again.json["status"]) == (201, "succeeded")
        done = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert done is not None and done.refunds[0].gateway_refund_ids == [made[0].id]
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [200]  # refunded once

    async def test_the_billing_timer_finishes_a_refund_nobody_asked_again_for(
        self, site: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from shared.services.billing import run_billing_jobs

        payment = await charged(site, clock)
        real = site.deps.payments.refund

        async def outage(intent_id: str, amount_minor: int, *, reason: str, idempotency_key: str) -> RefundResult:
            raise PaymentGatewayError("unavailable", code="api_connection_error", retryable=True)

        monkeypatch.setattr(site.deps.payments, "refund", outage)
        assert (await refund(site, payment.id, "left-alone-1", "2.00")).status == 503
        pending = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert pending is not None and pending.has_open_refunds
        assert [(d.source, d.amount_minor) for d in pending.refunds[0].parts] == [("hold", 200)]  # fixed at once
        assert (await run_billing_jobs(site.deps)).refunds == 0  # still down: left for the next run
        monkeypatch.setattr(site.deps.payments, "refund", real)
        assert (await run_billing_jobs(site.deps)).refunds == 1
        done = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert done is not None and not done.has_open_refunds
        assert (done.refunds[0].status, done.refunds[0].credit_note_id is not None) == ("succeeded", True)
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [200]
        assert (await run_billing_jobs(site.deps)).refunds == 0

    async def test_the_webhook_of_our_own_pending_refund_does_not_count_it_twice(
        self, site: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        payment = await charged(site, clock)
        real = site.deps.payments.refund
        made: list[RefundResult] = []

        async def lost_answer(intent_id: str, amount_minor: int, *, reason: str, idempotency_key: str) -> RefundResult:
            made.append(await real(intent_id, amount_minor, reason=reason, idempotency_key=idempotency_key))
            raise PaymentGatewayError("timed out", code="api_connection_error", retryable=True)

        monkeypatch.setattr(site.deps.payments, "refund", lost_answer)
        assert (await refund(site, payment.id, "webhook-race-1", "2.00")).status == 503
        monkeypatch.setattr(site.deps.payments, "refund", real)
        clock.advance(seconds=5)  # the webhook comes a little later
        pending = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert pending is not None
        recorded = await refunds.record_external_refund(site.deps, pending, 200, made[0].id, "requested_by_customer")
        assert (recorded.refunded_minor, len(recorded.refunds)) == (200, 1)
        [ours] = recorded.refunds
        assert (ours.status, ours.gateway_refund_ids, ours.by) == ("succeeded", [made[0].id], site.team.admin.user_id)
        assert ours.credit_note_id is not None
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [200]

    async def test_a_refund_made_in_the_dashboard_is_recorded_once_with_its_credit_note(
        self, site: Site, clock: FakeClock
    ) -> None:
        payment = await charged(site, clock)
        made = await site.deps.payments.refund(
            payment.hold_intent_id or "", 150, reason="requested_by_customer", idempotency_key="dashboard-1"
        )
        for _ in range(2):  # the webhook comes twice
            recorded = await refunds.record_external_refund(site.deps, payment, 150, made.id, "requested_by_customer")
        assert (recorded.refunded_minor, len(recorded.refunds)) == (150, 1)
        [external] = recorded.refunds
        assert (external.by, external.reason, external.gateway_refund_ids) == (
            "gateway", "requested_by_customer", [made.id],
        )  # fmt: skip
        note = await find_invoice(site.deps, external.credit_note_id or "", site.team.id)
        assert note is not None and (note.kind, str(note.total_incl_vat)) == ("credit_note", "1.50")
        assert len(await billing_events(site.deps, "RefundIssued")) == 1
        answer = await refund(site, payment.id, "after-dashboard", "3.51")
        assert (answer.status, answer.json["refundable"]) == (422, "3.50")
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [150]


class TestTwoIntents:
    async def test_a_refund_draws_on_the_hold_first_then_the_top_up(self, site: Site, clock: FakeClock) -> None:
        started = await site.start_from_app(caps={"maxKwh": "5"})  # hold 10.00
        assert started.status == 201, started.json
        await site.answer("RemoteStartTransaction", {"status": "Accepted"})
        held = await find_payment(site.deps.store, site.driver.user_id, started.json["id"])
        assert held is not None
        await save_payment(site.deps.store, held.model_copy(update={"hold_incrementable": False}))
        from shared.services import billing
        from shared.services.app_tags import app_id_tag

        tx = await site.start(app_id_tag(site.driver.user_id), 0)
        clock.advance(minutes=60)
        await site.stop(tx, 30000)  # 14.28 EUR: 10.00 from the hold, 4.28 topped up
        payment = await billing.settle(site.deps, started.json["id"])
        assert payment is not None and (payment.captured_minor, payment.topped_up_minor) == (1000, 428)
        answer = await refund(site, payment.id, "two-intents-1", "12.00")
        assert answer.status == 201, answer.json
        stored = await find_payment(site.deps.store, payment.user_id, payment.session_id)
        assert stored is not None and len(stored.refunds[0].gateway_refund_ids) == 2
        assert await refunded_at_gateway(site.deps, payment.hold_intent_id or "") == [1000]
        assert await refunded_at_gateway(site.deps, payment.topup_intent_id or "") == [200]
        note = await invoice_of(site, answer.json["creditNoteId"])
        assert (str(note.total_excl_vat), str(note.total_vat), str(note.total_incl_vat)) == ("10.08", "1.92", "12.00")


def test_a_partial_credit_note_shares_the_refund_between_the_vat_rates() -> None:
    original = InvoiceDocument(
        number="ACME-2026-000001",
        issue_date=date(2026, 3, 1),
        seller=Seller(legal_name="Acme Charging GmbH", vat_id="DE123456789"),
        buyer=Buyer(name="Dana", email="dana@example.com"),
        currency="EUR",
        lines=(
            InvoiceLine(
                description="Energy",
                quantity=Decimal(25),
                unit="kWh",
                unit_price_excl_vat=Decimal("0.40"),
                vat_rate=Decimal(19),
                amount_excl_vat=Decimal("10.00"),
            ),
            InvoiceLine(
                description="Parking",
                quantity=Decimal(1),
                unit="h",
                unit_price_excl_vat=Decimal("5.00"),
                vat_rate=Decimal(7),
                amount_excl_vat=Decimal("5.00"),
            ),
        ),  # fmt: skip
        vat_breakdown=(
            VatLine(rate=Decimal(7), base_excl_vat=Decimal("5.00"), vat=Decimal("0.35")),
            VatLine(rate=Decimal(19), base_excl_vat=Decimal("10.00"), vat=Decimal("1.90")),
        ),
        total_excl_vat=Decimal("15.00"),
        total_vat=Decimal("2.25"),
        total_incl_vat=Decimal("17.25"),
    )
    lines, breakdown = credit_note_lines(original, 500, "de")
    # 5.00 in proportion to 5.35 and 11.90 gross: 1.55 at 7 % (1.45 + 0.10), 3.45 at 19 % (2.90 + 0.55)
    assert [(str(v.rate), str(v.base_excl_vat), str(v.vat)) for v in breakdown] == [
        ("7", "1.45", "0.10"), ("19", "2.90", "0.55"),
    ]  # fmt: skip
    assert [(line.description, str(line.amount_excl_vat)) for line in lines] == [
        ("Erstattung", "1.45"), ("Erstattung", "2.90"),
    ]  # fmt: skip
    for amount in range(1, 1726):  # every amount up to the whole adds up exactly (the model checks it)
        lines, breakdown = credit_note_lines(original, amount, "en")
        assert sum(v.base_excl_vat + v.vat for v in breakdown) == Decimal(amount) / 100
        assert all(v.vat >= 0 and v.base_excl_vat >= 0 for v in breakdown)

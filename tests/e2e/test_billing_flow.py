"""The money path on a real local host with a simulated charger, on the embedded defaults (payment simulator,
local bus, folder blob store): the price before start, the hold, the stop, the exact capture, the invoice.

The tariff is 0.50 EUR/kWh + 19 % VAT (tests/e2e/test_charging_flow.py's world).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shared.repositories.payments import find_payment
from tests.e2e.test_charging_flow import World, world  # noqa: F401 - the fixture
from tests.providers_fixture import DECLINED, driver, platform_admin

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def platform_auth(world: World) -> dict[str, str]:  # noqa: F811
    return {"Authorization": f"Bearer {platform_admin(world.deps).token}"}


async def test_estimate_hold_stop_and_the_exact_capture_with_its_invoice(world: World) -> None:  # noqa: F811
    estimate = await world.http.get(
        f"/api/stations/{world.station_id}/price-estimate", params={"connectorKey": "CP-E/1", "kwh": "5"}
    )
    assert estimate.status_code == 200, estimate.text
    assert estimate.json()["total"] == {"amount": "2.98", "currency": "EUR"}  # 5 x 0.50 = 2.50 + 0.475 VAT
    async with world.charger() as cp:
        await cp.wait_for_status(1, "Available")
        started = await world.start(caps={"maxKwh": "1"})
        assert started.status_code == 201, started.text
        session_id = started.json()["id"]
        held = await find_payment(world.deps.store, world.driver.user_id, session_id)
        assert held is not None and (held.status, held.hold_minor) == ("authorized", 1000)  # the 10.00 minimum
        final = await world.until(session_id, lambda v: v["status"] == "stopped", "the cap")
        assert final["capReached"] == "kwh"
        assert await world.host.drain() > 0  # the billing subscription settles the SessionStopped
        payment = await find_payment(world.deps.store, world.driver.user_id, session_id)
        assert payment is not None and payment.status == "captured"
        assert payment.amount(payment.collected_minor) == Decimal(final["cost"]["amount"])
        intent = await world.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert intent.status == "succeeded" and intent.amount_received_minor == payment.collected_minor
        assert intent.amount_capturable_minor == 0  # the rest of the hold is released
        assert payment.invoice_id is not None

        # the driver's invoice, and its PDF
        [listed] = (await world.http.get("/api/invoices", headers=world.auth())).json()["items"]
        assert (listed["id"], listed["totalInclVat"], listed["kind"]) == (
            payment.invoice_id,
            final["cost"]["amount"],
            "invoice",
        )
        pdf = await world.http.get(listed["pdfUrl"], headers=world.auth())
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and listed["number"] in pdf.headers["content-disposition"]
        assert (await world.http.get(listed["pdfUrl"], headers=world.auth(world.other))).status_code == 404

        # the provider refunds part of it: a credit note continues the provider's numbers
        admin = {"Authorization": f"Bearer {world.team.admin.renewed(world.deps).token}"}
        body = {"clientRefundId": "e2e-refund-1", "amount": "0.10", "currency": "EUR", "reason": "Connector was dirty"}
        refunded = await world.http.post(f"/api/payments/{payment.id}/refunds", json=body, headers=admin)
        assert refunded.status_code == 201, refunded.text
        assert (refunded.json()["amount"], refunded.json()["status"]) == ("0.10", "succeeded")
        notes = (await world.http.get("/api/invoices", params={"kind": "credit_note"}, headers=world.auth())).json()
        [note] = notes["items"]
        assert (note["totalInclVat"], note["originalInvoiceId"]) == ("0.10", payment.invoice_id)
        assert int(note["number"][-6:]) == int(listed["number"][-6:]) + 1
        assert (await world.http.get(note["pdfUrl"], headers=world.auth())).content.startswith(b"%PDF")
        refunds = await world.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert refunds.amount_received_minor == payment.collected_minor  # captured stays; the refund is apart

        # next month: the provider's statement of this one
        month = world.clock.now().strftime("%Y-%m")
        first_of_next = (world.clock.now().replace(day=1) + timedelta(days=32)).replace(day=1, hour=3)
        world.clock.shift(first_of_next - world.clock.now())
        run = await world.http.post(
            "/api/platform/billing/statements", params={"month": month}, headers=platform_auth(world)
        )
        assert run.status_code == 200, run.text
        assert world.team.id in run.json()["created"]
        admin = {"Authorization": f"Bearer {world.team.admin.renewed(world.deps).token}"}  # a month later
        statement = await world.http.get(f"/api/providers/{world.team.id}/statements/{month}", headers=admin)
        assert statement.status_code == 200, statement.text
        [eur] = statement.json()["totals"]
        collected, refunded_amount = Decimal(final["cost"]["amount"]), Decimal("0.10")
        assert (Decimal(eur["revenueInclVat"]), eur["sessions"]) == (collected - refunded_amount, 1)
        csv = await world.http.get(f"/api/providers/{world.team.id}/statements/{month}/csv", headers=admin)
        assert csv.status_code == 200 and session_id in csv.text


async def test_a_declined_card_refuses_the_start_and_leaves_the_connector_free(world: World) -> None:  # noqa: F811
    declined = await driver(world.deps, "e2e-declined@example.com", card=DECLINED)
    async with world.charger() as cp:
        await cp.wait_for_status(1, "Available")
        refused = await world.start(who=declined)
        assert (refused.status_code, refused.json()["code"]) == (402, "card_declined")
        listed = await world.http.get("/api/sessions", headers=world.auth(declined))
        assert listed.json()["items"] == []
        started = await world.start()  # the connector was never taken
        assert started.status_code == 201, started.text

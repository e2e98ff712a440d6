"""The money path on a real local host with a simulated charger, on the embedded defaults (payment simulator,
local bus, folder blob store): the price before start, the hold, the stop, the exact capture, the invoice.

The tariff is 0.50 EUR/kWh + 19 % VAT (tests/e2e/test_charging_flow.py's world).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.repositories.payments import find_payment
from tests.e2e.test_charging_flow import World, world  # noqa: F401 - the fixture
from tests.providers_fixture import DECLINED, driver

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


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

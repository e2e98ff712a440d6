"""The money of a session: hold at start, capture at stop, top-up, release, retries (exact amounts).

The site's tariff is 0.40 EUR/kWh and 6.00 EUR/h parking, plus 19 % VAT; connector 1 gives 22 kW.
So a start without caps holds 120 minutes at 22 kW: 44 kWh x 0.40 = 17.60 + 19 % = 20.94 EUR.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from shared.adapters.embedded.local_bus import LocalBus
from shared.bootstrap import Deps
from shared.domain.billing import SessionPayment
from shared.domain.messages import Message
from shared.domain.sessions import ChargingSession
from shared.repositories.payments import find_payment, save_payment
from shared.repositories.sessions import find_session
from shared.repositories.stations import get_station
from shared.services import billing
from shared.services.app_tags import app_id_tag
from shared.services.invoicing import find_invoice
from shared.services.sessions import connector_tariff
from tests.charging_fixture import Site, app_session, build_site, bus_messages
from tests.fakes import FakeClock
from tests.providers_fixture import DECLINED, INSUFFICIENT_FUNDS, add_card, driver

PROBE = "test-billing-probe"


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    bus = deps.bus
    assert isinstance(bus, LocalBus)
    await bus.ensure_subscription(deps.settings.billing_events_topic, PROBE)
    await bus.ensure_subscription(deps.settings.notifications_queue, PROBE)
    return await build_site(deps, functions)


async def billing_events(deps: Deps, destination: str | None = None) -> list[Message]:
    return await bus_messages(deps, destination or deps.settings.billing_events_topic, PROBE)


async def payment_of(site: Site, session_id: str) -> SessionPayment:
    payment = await find_payment(site.deps.store, site.driver.user_id, session_id)
    assert payment is not None
    return payment


async def stopped_event(site: Site, session_id: str) -> Message:
    [event] = [e for e in await site.events("SessionStopped") if e.body["sessionId"] == session_id]
    return event


class TestHold:
    async def test_a_start_holds_the_price_of_the_caps_at_the_connectors_power(self, site: Site) -> None:
        session_id, _ = await app_session(site)
        payment = await payment_of(site, session_id)
        assert (payment.status, payment.hold_minor, payment.currency) == ("authorized", 2094, "EUR")
        intent = await site.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert (intent.status, intent.amount_capturable_minor) == ("requires_capture", 2094)
        session = await find_session(site.deps.store, session_id)
        assert session is not None
        assert (str(session.hold_amount), str(session.hold_stop_at)) == ("20.94", "19.89")  # 95 % of the hold
        [authorized] = await billing_events(site.deps)
        assert (authorized.type, authorized.body["holdAmount"], authorized.tenant_id) == (
            "PaymentAuthorized", "20.94", site.team.id,
        )  # fmt: skip

    async def test_caps_size_the_hold_within_the_minimum(self, site: Site) -> None:
        energy_capped, _ = await app_session(site, caps={"maxKwh": "5"}, meter_start=0)  # 2.38 EUR: the minimum
        assert (await payment_of(site, energy_capped)).hold_minor == 1000
        session = await find_session(site.deps.store, energy_capped)
        assert session is not None and str(session.hold_stop_at) == "9.50"

    async def test_a_cost_cap_is_covered_and_stops_the_session_itself(self, site: Site) -> None:
        session_id, _ = await app_session(site, caps={"maxCost": "15.00"})
        payment = await payment_of(site, session_id)
        assert payment.hold_minor == 1579  # 15.00 / 0.95, so that the cap, not the hold, ends the session
        session = await find_session(site.deps.store, session_id)
        assert session is not None and session.cost_limit() == (session.caps.max_cost, "cost")

    async def test_a_declined_card_refuses_the_start_before_the_charger_is_told(self, site: Site) -> None:
        declined = await driver(site.deps, "declined@example.com", card=DECLINED)
        answer = await site.start_from_app(token=declined.token)
        assert answer.status == 402, answer.json
        assert (answer.json["code"], answer.json["declineCode"]) == ("card_declined", "generic_decline")
        assert site.link.calls("RemoteStartTransaction") == []
        listed = await site.functions("list_my_sessions", token=declined.token)
        assert listed.json["items"] == []
        assert (await site.start_from_app()).status == 201  # the connector was never taken

    async def test_insufficient_funds_and_no_card_are_402_with_their_codes(self, site: Site) -> None:
        poor = await driver(site.deps, "poor@example.com", card=INSUFFICIENT_FUNDS)
        answer = await site.start_from_app(token=poor.token)
        assert (answer.status, answer.json["declineCode"]) == (402, "insufficient_funds")
        cardless = await driver(site.deps, "cardless@example.com", card=None)
        answer = await site.start_from_app(token=cardless.token)
        assert (answer.status, answer.json["code"]) == (402, "payment_method_required")
        assert site.link.calls("RemoteStartTransaction") == []

    async def test_a_busy_connector_is_refused_before_any_hold(self, site: Site) -> None:
        from shared.repositories.payments import query_payments

        await app_session(site)
        other = await driver(site.deps, "second@example.com")
        answer = await site.start_from_app(token=other.token)
        assert (answer.status, answer.json["code"]) == (409, "connector_busy")
        assert (await query_payments(site.deps.store, (), user_id=other.user_id))[0] == []  # no hold at all

    async def test_a_start_that_loses_the_claim_after_its_hold_releases_it(
        self, site: Site, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from shared.repositories.payments import query_payments
        from shared.services import sessions

        await app_session(site)
        other = await driver(site.deps, "racer@example.com")

        async def looked_free_a_moment_ago(*_: object) -> bool:  # the race: free when looked at, taken at the claim
            return True

        monkeypatch.setattr(sessions, "_looks_free", looked_free_a_moment_ago)
        answer = await site.start_from_app(token=other.token)
        assert (answer.status, answer.json["code"]) == (409, "connector_busy")
        [released], _ = await query_payments(site.deps.store, (), user_id=other.user_id)
        assert released.status == "released"
        intent = await site.deps.payments.retrieve_payment_intent(released.hold_intent_id or "")
        assert intent.status == "canceled"


class TestSettle:
    async def test_the_exact_amount_is_captured_the_rest_released_and_invoiced(
        self, site: Site, clock: FakeClock
    ) -> None:
        session_id, tx = await app_session(site)
        clock.advance(minutes=30)
        await site.meter(tx, 6000)
        clock.advance(minutes=30)
        await site.stop(tx, 11500, reason="Local")  # 10.5 kWh: 4.20 + 0.798 VAT = 5.00 EUR
        payment = await billing.settle(site.deps, session_id)
        assert payment is not None
        assert (payment.status, payment.due_minor, payment.captured_minor, payment.topped_up_minor) == (
            "captured", 500, 500, 0,
        )  # fmt: skip
        assert (payment.vat_minor, payment.energy_wh) == (80, 10500)  # for the provider's statement
        intent = await site.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert (intent.status, intent.amount_received_minor, intent.amount_capturable_minor) == ("succeeded", 500, 0)
        invoice = await find_invoice(site.deps, payment.invoice_id or "", site.team.id)
        assert invoice is not None and invoice.document is not None
        assert invoice.number is not None and invoice.number.endswith(f"-{clock.now().year}-000001")
        assert (str(invoice.total_excl_vat), str(invoice.total_vat), str(invoice.total_incl_vat)) == (
            "4.20", "0.80", "5.00",
        )  # fmt: skip
        [line] = invoice.document.lines
        assert (line.description, str(line.quantity), line.unit, str(line.amount_excl_vat)) == (
            "Energy", "10.5", "kWh", "4.20",
        )  # fmt: skip
        assert invoice.document.buyer.email == site.driver.principal.email
        pdf = await site.deps.blobs.get(site.deps.settings.invoices_container, invoice.pdf_blob or "")
        assert pdf.startswith(b"%PDF")
        types = [e.type for e in await billing_events(site.deps)]
        assert types == ["PaymentAuthorized", "PaymentCaptured", "InvoiceIssued"]

    async def test_a_redelivered_stop_or_a_second_settle_takes_nothing_twice(
        self, site: Site, clock: FakeClock
    ) -> None:
        session_id, tx = await app_session(site)
        clock.advance(minutes=30)
        await site.stop(tx, 6000)  # 5 kWh: 2.38 EUR
        event = await stopped_event(site, session_id)
        assert await billing.on_session_event(site.deps, event) == "settled"
        assert await billing.on_session_event(site.deps, event) == "duplicate"
        again = await billing.settle(site.deps, session_id)  # as the timer or another message would
        assert again is not None and (again.status, again.collected_minor) == ("captured", 238)
        intent = await site.deps.payments.retrieve_payment_intent(again.hold_intent_id or "")
        assert intent.amount_received_minor == 238
        types = [e.type for e in await billing_events(site.deps)]
        assert types.count("PaymentCaptured") == 1 and types.count("InvoiceIssued") == 1

    async def test_under_the_minimum_energy_nothing_is_captured(self, site: Site, clock: FakeClock) -> None:
        session_id, tx = await app_session(site)
        clock.advance(minutes=2)
        await site.stop(tx, 1199)  # 199 Wh
        payment = await billing.settle(site.deps, session_id)
        assert payment is not None and (payment.status, payment.collected_minor, payment.invoice_id) == (
            "released", 0, None,
        )  # fmt: skip
        intent = await site.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert (intent.status, intent.amount_received_minor) == ("canceled", 0)

    async def test_a_failed_start_releases_the_hold(self, site: Site) -> None:
        started = await site.start_from_app()
        await site.answer("RemoteStartTransaction", {"status": "Rejected"})
        event = await stopped_event(site, started.json["id"])
        assert await billing.on_session_event(site.deps, event) == "settled"
        payment = await payment_of(site, started.json["id"])
        assert payment.status == "released"
        intent = await site.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert intent.status == "canceled"

    async def test_a_cost_above_the_hold_raises_it_where_the_card_allows(self, site: Site, clock: FakeClock) -> None:
        session_id, tx = await app_session(site, caps={"maxKwh": "5"}, meter_start=0)  # hold 10.00
        clock.advance(minutes=60)
        await site.stop(tx, 30000)  # the charger overshot: 30 kWh = 12.00 + 2.28 VAT = 14.28 EUR
        payment = await billing.settle(site.deps, session_id)
        assert payment is not None
        assert (payment.captured_minor, payment.topped_up_minor, payment.topup_intent_id) == (1428, 0, None)

    async def test_a_cost_above_a_hold_that_cannot_grow_is_topped_up(self, site: Site, clock: FakeClock) -> None:
        session_id, tx = await app_session(site, caps={"maxKwh": "5"}, meter_start=0)
        held = await payment_of(site, session_id)
        await save_payment(site.deps.store, held.model_copy(update={"hold_incrementable": False}))
        clock.advance(minutes=60)
        await site.stop(tx, 30000)
        payment = await billing.settle(site.deps, session_id)
        assert payment is not None and payment.status == "captured"
        assert (payment.captured_minor, payment.topped_up_minor) == (1000, 428)
        topup = await site.deps.payments.retrieve_payment_intent(payment.topup_intent_id or "")
        assert (topup.status, topup.amount_received_minor) == ("succeeded", 428)
        invoice = await find_invoice(site.deps, payment.invoice_id or "", site.team.id)
        assert invoice is not None and str(invoice.total_incl_vat) == "14.28"


class TestNearTheHold:
    async def test_the_session_stops_at_its_hold_limit(self, site: Site, clock: FakeClock) -> None:
        session_id, tx = await app_session(site, caps={"maxKwh": "44"}, meter_start=0)  # hold 20.94
        held = await payment_of(site, session_id)
        await save_payment(site.deps.store, held.model_copy(update={"hold_incrementable": False}))
        clock.advance(minutes=60)
        await site.meter(tx, 41000)  # 41 kWh = 19.52 EUR: under 19.89
        assert site.link.calls("RemoteStopTransaction") == []
        clock.advance(minutes=5)
        await site.meter(tx, 42000)  # 19.99 EUR
        [stop] = site.link.calls("RemoteStopTransaction")
        assert stop[3] == {"transactionId": tx}
        assert (await site.session(session_id)).json["capReached"] == "hold"

    async def test_a_hold_running_low_is_raised_and_the_limit_moves(self, site: Site, clock: FakeClock) -> None:
        session_id, tx = await app_session(site, caps={"maxKwh": "44"}, meter_start=0)  # hold 20.94
        clock.advance(minutes=30)
        await site.meter(tx, 30000)  # 14.28 EUR: under 75 % of the hold
        progress = Message(id="p1", type="SessionProgressed", occurred_at=clock.now(), body={"sessionId": session_id})
        assert await billing.on_session_event(site.deps, progress) == "hold enough"
        clock.advance(minutes=30)
        await site.meter(tx, 34000)  # 16.18 EUR: over 75 % of 20.94
        progress = Message(id="p2", type="SessionProgressed", occurred_at=clock.now(), body={"sessionId": session_id})
        assert await billing.on_session_event(site.deps, progress) == "hold raised"
        raised = await find_session(site.deps.store, session_id)
        assert raised is not None
        assert (str(raised.hold_amount), str(raised.hold_stop_at)) == ("41.88", "39.78")
        payment = await payment_of(site, session_id)
        intent = await site.deps.payments.retrieve_payment_intent(payment.hold_intent_id or "")
        assert (payment.hold_minor, intent.amount_capturable_minor) == (4188, 4188)
        clock.advance(minutes=5)
        await site.meter(tx, 42000)  # 19.99 EUR: the old limit, not the new one
        assert site.link.calls("RemoteStopTransaction") == []


class TestWithoutHold:
    async def test_an_rfid_session_is_charged_to_the_default_card_at_stop(self, site: Site, clock: FakeClock) -> None:
        from shared.domain.users import RfidTagCreate
        from shared.services.rfid_tags import add_tag

        await add_tag(site.deps.store, clock, site.driver.user_id, RfidTagCreate(id_tag="CARD-9"))
        tx = await site.start("CARD-9", meter_start=0)
        clock.advance(minutes=30)
        [started] = await site.events("SessionStarted")
        session_id = started.body["sessionId"]
        await site.stop(tx, 5000)  # 2.38 EUR
        payment = await billing.settle(site.deps, session_id)
        assert payment is not None
        assert (payment.status, payment.hold_intent_id, payment.topped_up_minor) == ("captured", None, 238)
        assert payment.invoice_id is not None

    async def test_a_refused_charge_is_retried_by_the_timer_and_the_driver_told(
        self, site: Site, clock: FakeClock
    ) -> None:
        from shared.domain.users import RfidTagCreate
        from shared.services.rfid_tags import add_tag

        poor = await driver(site.deps, "rfid-poor@example.com", card=INSUFFICIENT_FUNDS)
        await add_tag(site.deps.store, clock, poor.user_id, RfidTagCreate(id_tag="CARD-P"))
        tx = await site.start("CARD-P", meter_start=0)
        [started] = await site.events("SessionStarted")
        session_id = started.body["sessionId"]
        clock.advance(minutes=30)
        await site.stop(tx, 5000)
        failed = await billing.settle(site.deps, session_id)
        assert failed is not None and (failed.status, failed.attempts, failed.last_error) == (
            "capture_failed", 1, "card_declined: Your card has insufficient funds.",
        )  # fmt: skip
        [note] = await billing_events(site.deps, site.deps.settings.notifications_queue)
        assert (note.type, note.body["userId"], note.body["amount"]) == ("PaymentFailed", poor.user_id, "2.38")
        assert (await billing.run_billing_jobs(site.deps)).retried == 0  # not due yet
        new_card = await add_card(site.deps, poor)
        from shared.services.payment_methods import set_default

        await set_default(poor.user_id, new_card, store=site.deps.store, payments=site.deps.payments, clock=clock)
        # the retry takes the driver's default card as it is then
        clock.advance(seconds=site.deps.settings.billing_retry_base_seconds)
        assert (await billing.run_billing_jobs(site.deps)).retried == 1
        done = await find_payment(site.deps.store, poor.user_id, session_id)
        assert done is not None and (done.status, done.topped_up_minor) == ("captured", 238)

    async def test_collection_gives_up_after_the_last_attempt(self, site: Site, clock: FakeClock) -> None:
        from shared.domain.users import RfidTagCreate
        from shared.services.rfid_tags import add_tag

        poor = await driver(site.deps, "broke@example.com", card=DECLINED)
        await add_tag(site.deps.store, clock, poor.user_id, RfidTagCreate(id_tag="CARD-D"))
        tx = await site.start("CARD-D", meter_start=0)
        [started] = await site.events("SessionStarted")
        clock.advance(minutes=30)
        await site.stop(tx, 5000)
        for _ in range(site.deps.settings.billing_capture_max_attempts):
            await billing.settle(site.deps, started.body["sessionId"])
        payment = await find_payment(site.deps.store, poor.user_id, started.body["sessionId"])
        assert payment is not None and (payment.status, payment.attempts) == (
            "uncollectible", site.deps.settings.billing_capture_max_attempts,
        )  # fmt: skip
        assert payment.collected_minor == 0


async def test_the_timer_releases_a_hold_whose_session_was_never_written(
    site: Site, deps: Deps, clock: FakeClock
) -> None:
    # a start that died after its hold: the hold exists, the session document does not
    station = await get_station(deps.store, site.station_id)
    connector = station.connectors[0]
    terms = await connector_tariff(deps, station, connector)
    assert terms is not None
    ghost = ChargingSession(
        id="ses_ghost_0001", station_id=station.id, provider_id=station.provider_id, station_name=station.name,
        time_zone=station.time_zone, charger_id=connector.charger_id, connector_id=connector.connector_id,
        connector_key=connector.key, max_power_kw=connector.max_power_kw, user_id=site.driver.user_id,
        id_tag="X", origin="app", status="pending", requested_at=clock.now(), updated_at=clock.now(),
    )  # fmt: skip
    _, payment = await billing.place_hold(deps, site.driver.principal, ghost, terms)
    assert payment.status == "authorized"
    assert (await billing.run_billing_jobs(deps)).released == 0  # still within the start's grace
    clock.advance(minutes=10)
    assert (await billing.run_billing_jobs(deps)).released == 1
    released = await find_payment(deps.store, site.driver.user_id, "ses_ghost_0001")
    assert released is not None and released.status == "released"
    intent = await deps.payments.retrieve_payment_intent(released.hold_intent_id or "")
    assert intent.status == "canceled"


async def promo(site: Site, code: str, **terms: Any) -> None:
    now = site.deps.clock.now()
    body = {"code": code, "kind": "percent", "percent": 50, "validFrom": (now - timedelta(days=1)).isoformat(),
            "validUntil": (now + timedelta(days=30)).isoformat(), **terms}  # fmt: skip
    made = await site.functions(
        "create_promo_code", "POST", token=site.team.admin.token, route={"providerId": site.team.id}, body=body
    )
    assert made.status == 201, made.json


async def uses(site: Site, code: str) -> int:
    from shared.repositories.promotions import get_promo

    return (await get_promo(site.deps.store, site.team.id, code)).uses


class TestPromoCodes:
    async def test_a_percent_code_halves_the_price_and_the_invoice_shows_it(self, site: Site, clock: FakeClock) -> None:
        await promo(site, "HALF-OFF")
        started = await site.functions(
            "start_session", "POST", token=site.tok,
            body={"stationId": site.station_id, "connectorKey": site.key(1), "promoCode": "half-off"},
        )  # fmt: skip
        assert started.status == 201, started.json
        assert started.json["discount"] == {
            "code": "HALF-OFF",
            "kind": "percent",
            "percent": "50",
            "amountInclVat": None,
        }
        assert await uses(site, "HALF-OFF") == 1
        await site.answer("RemoteStartTransaction", {"status": "Accepted"})
        tx = await site.start(app_id_tag(site.driver.user_id), 1000)
        clock.advance(minutes=60)
        await site.meter(tx, 11500)
        assert (await site.session(started.json["id"])).json["cost"] == {"amount": "2.50", "currency": "EUR"}
        await site.stop(tx, 11500)  # 10.5 kWh: 5.00 EUR, half of it
        payment = await billing.settle(site.deps, started.json["id"])
        assert payment is not None and (payment.collected_minor, payment.promo_code) == (250, "HALF-OFF")
        invoice = await find_invoice(site.deps, payment.invoice_id or "", site.team.id)
        assert invoice is not None and invoice.document is not None
        lines = [(x.description, str(x.amount_excl_vat)) for x in invoice.document.lines]
        assert lines == [("Energy", "4.20"), ("Discount HALF-OFF", "-2.10")]
        assert (str(invoice.total_excl_vat), str(invoice.total_vat), str(invoice.total_incl_vat)) == (
            "2.10", "0.40", "2.50",
        )  # fmt: skip

    async def test_refusals_are_422_with_their_code_and_hold_nothing(self, site: Site) -> None:
        await promo(site, "ONCE", maxUses=1)
        body = {"stationId": site.station_id, "connectorKey": site.key(1)}
        unknown = await site.functions("start_session", "POST", token=site.tok, body={**body, "promoCode": "NOPE1"})
        assert (unknown.status, unknown.json["code"]) == (422, "promo_not_found")
        first = await site.functions("start_session", "POST", token=site.tok, body={**body, "promoCode": "ONCE"})
        assert first.status == 201
        other = await driver(site.deps, "promo-other@example.com")
        second = await site.functions(
            "start_session", "POST", token=other.token,
            body={**body, "connectorKey": site.key(2), "promoCode": "ONCE"},
        )  # fmt: skip
        assert (second.status, second.json["code"]) == (422, "promo_used_up")
        from shared.repositories.payments import query_payments

        assert (await query_payments(site.deps.store, (), user_id=other.user_id))[0] == []  # no hold was taken

    async def test_a_failed_start_gives_the_use_back(self, site: Site) -> None:
        await promo(site, "BACK-AGAIN", maxUses=1)
        body = {"stationId": site.station_id, "connectorKey": site.key(1), "promoCode": "BACK-AGAIN"}
        started = await site.functions("start_session", "POST", token=site.tok, body=body)
        assert await uses(site, "BACK-AGAIN") == 1
        await site.answer("RemoteStartTransaction", {"status": "Rejected"})
        await billing.on_session_event(site.deps, await stopped_event(site, started.json["id"]))
        assert await uses(site, "BACK-AGAIN") == 0
        declined = await driver(site.deps, "promo-declined@example.com", card=DECLINED)
        refused = await site.functions("start_session", "POST", token=declined.token, body=body)
        assert refused.status == 402
        assert await uses(site, "BACK-AGAIN") == 0  # a refused hold gives it back at once

    async def test_concurrent_redemptions_never_exceed_max_uses(self, site: Site) -> None:
        from shared.services.promo_redemptions import redeem

        await promo(site, "FIRST-3", maxUses=3)
        drivers = [f"usr_racer_{i}" for i in range(12)]

        async def attempt(user_id: str) -> str:
            try:
                await redeem(
                    site.deps, site.team.id, "FIRST-3", station_id=site.station_id, user_id=user_id,
                    currency="EUR", now=site.deps.clock.now(),
                )  # fmt: skip
                return "ok"
            except Exception as exc:  # noqa: BLE001 - the refusal's code is the result
                return getattr(exc, "code", repr(exc))

        results = await asyncio.gather(*(attempt(u) for u in drivers))
        assert sorted(results) == ["ok"] * 3 + ["promo_used_up"] * 9
        assert await uses(site, "FIRST-3") == 3


async def test_a_top_up_still_processing_is_counted_once_it_succeeded_and_never_charged_again(
    site: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from shared.domain.users import RfidTagCreate
    from shared.services.rfid_tags import add_tag

    await add_tag(site.deps.store, clock, site.driver.user_id, RfidTagCreate(id_tag="CARD-S"))
    tx = await site.start("CARD-S", meter_start=0)
    [started] = await site.events("SessionStarted")
    clock.advance(minutes=30)
    await site.stop(tx, 5000)  # 2.38 EUR, no hold: one off-session charge
    gateway = site.deps.payments
    real_charge, real_retrieve = gateway.charge, gateway.retrieve_payment_intent
    charges: list[str] = []

    async def processing(**kwargs: Any) -> Any:
        made = await real_charge(**kwargs)
        charges.append(made.id)
        return replace(made, status="processing", amount_received_minor=0)

    monkeypatch.setattr(gateway, "charge", processing)
    pending = await billing.settle(site.deps, started.body["sessionId"])
    assert pending is not None and (pending.status, pending.topped_up_minor, pending.last_error) == (
        "capture_failed", 0, "payment_processing: The top-up is processing.",
    )  # fmt: skip
    assert pending.topup_intent_id == charges[0]
    assert await billing_events(site.deps, site.deps.settings.notifications_queue) == []  # nothing for the driver

    async def still_processing(intent_id: str) -> Any:
        return replace(await real_retrieve(intent_id), status="processing", amount_received_minor=0)

    monkeypatch.setattr(gateway, "retrieve_payment_intent", still_processing)
    clock.advance(seconds=site.deps.settings.billing_retry_base_seconds)
    await billing.run_billing_jobs(site.deps)
    monkeypatch.setattr(gateway, "retrieve_payment_intent", real_retrieve)
    clock.advance(seconds=2 * site.deps.settings.billing_retry_base_seconds)
    assert (await billing.run_billing_jobs(site.deps)).retried == 1
    done = await find_payment(site.deps.store, site.driver.user_id, started.body["sessionId"])
    assert done is not None and (done.status, done.topped_up_minor) == ("captured", 238)
    assert len(charges) == 1  # the card was charged once


async def test_an_invoice_that_failed_after_the_capture_is_issued_when_the_stop_comes_again(
    site: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id, tx = await app_session(site)
    clock.advance(minutes=30)
    await site.stop(tx, 6000)  # 2.38 EUR
    event = await stopped_event(site, session_id)
    real_put = site.deps.blobs.put

    async def storage_down(*args: Any, **kwargs: Any) -> Any:
        raise OSError("blob storage unavailable")

    monkeypatch.setattr(site.deps.blobs, "put", storage_down)
    with pytest.raises(OSError):
        await billing.on_session_event(site.deps, event)  # the bus redelivers it
    captured = await payment_of(site, session_id)
    assert (captured.status, captured.collected_minor, captured.invoice_id) == ("captured", 238, None)
    monkeypatch.setattr(site.deps.blobs, "put", real_put)
    assert await billing.on_session_event(site.deps, event) == "settled"
    done = await payment_of(site, session_id)
    assert done.invoice_id is not None and done.collected_minor == 238  # invoiced, nothing taken again
    intent = await site.deps.payments.retrieve_payment_intent(done.hold_intent_id or "")
    assert intent.amount_received_minor == 238

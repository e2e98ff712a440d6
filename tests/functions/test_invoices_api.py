"""Invoices, credit notes and payments over HTTP: who sees what, paging, filters, the PDF download.

Every charged session here costs 5.00 EUR (see ``charged_sessions``) and is invoiced by the site's
provider; a driver sees their own documents, the provider's members theirs, a platform admin all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.domain.invoice_records import InvoiceRecord
from shared.ports.blobs import content_disposition
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock
from tests.functions.charged_sessions import charged, invoice_of, refund
from tests.providers_fixture import Member, create_provider, driver, platform_admin


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


async def get(site: Site, name: str, who: Member, route: dict[str, str] | None = None, **params: str) -> Any:
    token = who.renewed(site.deps).token
    return await site.functions(name, token=token, route=route, params=params)


class TestInvoiceLists:
    async def test_a_driver_pages_through_their_invoices_and_credit_notes_newest_first(
        self, site: Site, clock: FakeClock
    ) -> None:
        first = await charged(site, clock)
        clock.advance(minutes=5)
        second = await charged(site, clock, stop_wh=6000)  # 5 kWh: 2.00 + 0.38 VAT
        clock.advance(minutes=5)
        refunded = await refund(site, first.id, "list-refund-1", "1.00")
        assert refunded.status == 201, refunded.json
        page = await get(site, "list_invoices", site.driver, limit="2")
        assert page.status == 200, page.json
        assert [(i["kind"], i["totalInclVat"]) for i in page.json["items"]] == [
            ("credit_note", "1.00"), ("invoice", "2.38"),
        ]  # fmt: skip
        note = page.json["items"][0]
        assert (note["originalInvoiceId"], note["reason"], note["pdfUrl"]) == (
            first.invoice_id, "Charger fault", f"/api/invoices/{note['id']}/pdf",
        )  # fmt: skip
        assert "document" not in note or note["document"] is None
        token = page.json["continuationToken"]
        assert token
        rest = await get(site, "list_invoices", site.driver, limit="2", continuationToken=token)
        assert [i["id"] for i in rest.json["items"]] == [first.invoice_id]
        assert rest.json["continuationToken"] is None
        notes = await get(site, "list_invoices", site.driver, kind="credit_note")
        assert [i["id"] for i in notes.json["items"]] == [note["id"]]
        one_session = await get(site, "list_invoices", site.driver, sessionId=second.session_id)
        assert [i["id"] for i in one_session.json["items"]] == [second.invoice_id]

    async def test_another_driver_sees_none_of_them(self, site: Site, clock: FakeClock) -> None:
        payment = await charged(site, clock)
        stranger = await driver(site.deps, "stranger@example.com")
        assert (await get(site, "list_invoices", stranger)).json["items"] == []
        for name in ("get_invoice", "get_invoice_pdf"):
            answer = await get(site, name, stranger, route={"invoiceId": payment.invoice_id or ""})
            assert (answer.status, answer.json["code"]) == (404, "invoice_not_found")
        nosy = await get(site, "list_invoices", stranger, userId=site.driver.user_id)
        assert (nosy.status, nosy.json["code"]) == (404, "not_found")

    async def test_a_providers_members_see_its_invoices_and_no_other_provider_does(
        self, site: Site, clock: FakeClock, deps: Deps
    ) -> None:
        payment = await charged(site, clock)
        for member in (site.team.admin, site.team.staff):
            listed = await get(site, "list_invoices", member, providerId=site.team.id)
            assert [i["id"] for i in listed.json["items"]] == [payment.invoice_id]
            one = await get(site, "get_invoice", member, route={"invoiceId": payment.invoice_id or ""})
            assert one.status == 200
        assert (await get(site, "list_invoices", site.team.staff)).json["items"] == []  # none as a customer
        rival = await create_provider(deps, "rival")
        for member in (rival.admin, rival.staff):
            listed = await get(site, "list_invoices", member, providerId=site.team.id)
            assert (listed.status, listed.json["code"]) == (404, "not_found")
            one = await get(site, "get_invoice", member, route={"invoiceId": payment.invoice_id or ""})
            assert (one.status, one.json["code"]) == (404, "invoice_not_found")
        assert (await get(site, "list_invoices", rival.admin, providerId=rival.id)).json["items"] == []
        admin = platform_admin(deps)
        for params in ({"providerId": site.team.id}, {"userId": site.driver.user_id}, {}):
            listed = await get(site, "list_invoices", admin, **params)
            assert [i["id"] for i in listed.json["items"]] == [payment.invoice_id], params

    async def test_drafts_are_not_shown(self, site: Site, clock: FakeClock, deps: Deps) -> None:
        now = clock.now()
        draft = InvoiceRecord(
            id="inv_ses_draft_1", provider_id=site.team.id, user_id=site.driver.user_id, station_id=site.station_id,
            session_id="ses_draft_1", payment_id="pay_ses_draft_1", year=now.year, currency="EUR", created_at=now,
        )  # fmt: skip
        await deps.store.create("invoices", draft.model_dump(mode="json", by_alias=True))
        assert (await get(site, "list_invoices", site.driver)).json["items"] == []
        answer = await get(site, "get_invoice", site.driver, route={"invoiceId": draft.id})
        assert answer.status == 404


class TestOneInvoice:
    async def test_the_invoice_comes_with_its_document(self, site: Site, clock: FakeClock) -> None:
        payment = await charged(site, clock)
        answer = await get(site, "get_invoice", site.driver, route={"invoiceId": payment.invoice_id or ""})
        assert answer.status == 200, answer.json
        body = answer.json
        assert (body["kind"], body["totalExclVat"], body["totalVat"], body["totalInclVat"]) == (
            "invoice", "4.20", "0.80", "5.00",
        )  # fmt: skip
        assert body["number"].endswith(f"-{clock.now().year}-000001")
        [line] = body["document"]["lines"]
        assert (line["description"], line["amountExclVat"], line["vatRate"]) == ("Energy", "4.20", "19")

    async def test_the_pdf_downloads_through_the_api_from_the_folder_store(self, site: Site, clock: FakeClock) -> None:
        payment = await charged(site, clock)
        record = await invoice_of(site, payment.invoice_id or "")
        answer = await get(site, "get_invoice_pdf", site.driver, route={"invoiceId": record.id})
        assert answer.status == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["content-disposition"] == content_disposition(f"{record.number}.pdf")
        assert answer.headers["content-disposition"].startswith(f'attachment; filename="{record.number}.pdf"')
        stored = await site.deps.blobs.get(site.deps.settings.invoices_container, record.pdf_blob or "")
        assert answer.body == stored and stored.startswith(b"%PDF")

    async def test_where_storage_signs_links_the_pdf_is_a_redirect(
        self, site: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        payment = await charged(site, clock)
        record = await invoice_of(site, payment.invoice_id or "")
        asked: list[tuple[str, str, timedelta, str | None]] = []

        async def signed(container: str, name: str, expires_in: timedelta, *, download_name: str | None = None) -> str:
            asked.append((container, name, expires_in, download_name))
            return "https://blobs.example.net/invoices/x.pdf?sig=abc"

        monkeypatch.setattr(site.deps.blobs, "url_for", signed)
        answer = await get(site, "get_invoice_pdf", site.team.staff, route={"invoiceId": record.id})
        assert (answer.status, answer.headers["location"], answer.body) == (
            302, "https://blobs.example.net/invoices/x.pdf?sig=abc", b"",
        )  # fmt: skip
        ttl = timedelta(seconds=site.deps.settings.invoice_link_ttl_seconds)
        assert asked == [(site.deps.settings.invoices_container, record.pdf_blob, ttl, f"{record.number}.pdf")]


class TestPayments:
    async def test_a_driver_sees_their_payments_without_gateway_ids(self, site: Site, clock: FakeClock) -> None:
        payment = await charged(site, clock)
        assert (await refund(site, payment.id, "payments-view-1", "1.50")).status == 201
        listed = await get(site, "list_payments", site.driver)
        assert listed.status == 200, listed.json
        [item] = listed.json["items"]
        assert (item["id"], item["status"], item["currency"]) == (payment.id, "captured", "EUR")
        assert (item["amountCollected"], item["amountRefunded"], item["amountRefundable"]) == ("5.00", "1.50", "3.50")
        assert (item["cardBrand"], item["cardLast4"], item["invoiceId"]) == ("visa", "4242", payment.invoice_id)
        [made] = item["refunds"]
        assert (made["amount"], made["status"], made["reason"]) == ("1.50", "succeeded", "Charger fault")
        text = listed.body.decode()
        for secret in (payment.customer_id, payment.hold_intent_id, payment.payment_method_id, "customerId", "userId"):
            assert secret and secret not in text
        one = await get(site, "get_payment", site.driver, route={"paymentId": payment.id})
        assert one.json == item

    async def test_payments_follow_the_same_tenancy(self, site: Site, clock: FakeClock, deps: Deps) -> None:
        payment = await charged(site, clock)
        stranger = await driver(deps, "other-driver@example.com")
        assert (await get(site, "list_payments", stranger)).json["items"] == []
        answer = await get(site, "get_payment", stranger, route={"paymentId": payment.id})
        assert (answer.status, answer.json["code"]) == (404, "payment_not_found")
        staff = await get(site, "list_payments", site.team.staff, providerId=site.team.id)
        assert [p["id"] for p in staff.json["items"]] == [payment.id]
        rival = await create_provider(deps, "rival")
        listed = await get(site, "list_payments", rival.admin, providerId=site.team.id)
        assert (listed.status, listed.json["code"]) == (404, "not_found")
        answer = await get(site, "get_payment", rival.admin, route={"paymentId": payment.id})
        assert (answer.status, answer.json["code"]) == (404, "payment_not_found")
        for params in ({}, {"userId": site.driver.user_id}, {"providerId": site.team.id, "status": "captured"}):
            listed = await get(site, "list_payments", platform_admin(deps), **params)
            assert [p["id"] for p in listed.json["items"]] == [payment.id], params
        unknown = await get(site, "get_payment", site.driver, route={"paymentId": f"acct:{site.driver.user_id}"})
        assert unknown.status == 404

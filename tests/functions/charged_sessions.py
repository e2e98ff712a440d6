"""Charged sessions for the invoice, payment and refund tests: started from the app, stopped, settled.

The site's tariff (``tests.charging_fixture``) is 0.40 EUR/kWh + 19 % VAT, so the default 10.5 kWh
cost 4.20 + 0.80 VAT = 5.00 EUR, captured from the hold and invoiced (``<PREFIX>-<year>-00000n``).
"""

from __future__ import annotations

from typing import Any

from shared.domain.billing import SessionPayment
from shared.domain.invoice_records import InvoiceRecord
from shared.services import billing
from shared.services.app_tags import app_id_tag
from shared.services.invoicing import find_invoice
from tests.charging_fixture import Site
from tests.fakes import FakeClock
from tests.providers_fixture import Member

__all__ = ["charged", "invoice_of", "refund"]


async def charged(site: Site, clock: FakeClock, stop_wh: int = 11500, who: Member | None = None) -> SessionPayment:
    """One app session of ``stop_wh - 1000`` Wh for ``who`` (the site's driver), stopped and settled."""
    member = (who or site.driver).renewed(site.deps)
    await site.status("Available", 1)
    started = await site.start_from_app(token=member.token)
    assert started.status == 201, started.json
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    tx = await site.start(app_id_tag(member.user_id), 1000)
    clock.advance(minutes=30)
    await site.stop(tx, stop_wh)
    payment = await billing.settle(site.deps, started.json["id"])
    assert payment is not None and payment.status == "captured" and payment.invoice_id is not None
    return payment


async def invoice_of(site: Site, invoice_id: str) -> InvoiceRecord:
    record = await find_invoice(site.deps, invoice_id, site.team.id)
    assert record is not None
    return record


async def refund(
    site: Site, payment_id: str, client_id: str, amount: str | None = "2.00", *, who: Member | None = None,
    currency: str = "EUR", reason: str = "Charger fault", **extra: Any,
) -> Any:  # fmt: skip
    body: dict[str, Any] = {"clientRefundId": client_id, "currency": currency, "reason": reason, **extra}
    if amount is not None:
        body["amount"] = amount
    token = (who or site.team.admin).renewed(site.deps).token
    return await site.functions("refund_payment", "POST", token=token, route={"paymentId": payment_id}, body=body)

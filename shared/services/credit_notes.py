"""Credit notes: the document of a refund, correcting the session's invoice.

A credit note is an ``InvoiceRecord`` of kind ``credit_note`` with id ``cn_<refundId>``, numbered
from the same gapless sequence as the provider's invoices (a retry keeps its number) and stored
like an invoice. Its amounts are positive and add up to exactly the refund, VAT included:

- a refund of the whole invoice repeats the invoice's lines and VAT breakdown;
- any other refund has one line "Refund" per VAT rate of the invoice, the refund shared between
  the rates in proportion to their gross amounts (largest remainders, so the shares add up to the
  minor unit), each share split into net and VAT at its rate (net rounded half-up, VAT the rest).

The seller, buyer and session are the original invoice's: the note corrects that document.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from shared.domain.billing import RefundRecord, SessionPayment
from shared.domain.invoice_records import InvoiceRecord, credit_note_id_for
from shared.domain.invoices import InvoiceDocument, InvoiceLine, VatLine
from shared.domain.payments import from_minor, to_minor
from shared.repositories.providers import get_provider
from shared.services.invoicing import find_invoice, invoice_prefix, numbered_draft, store_documents

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["credit_note_lines", "issue_credit_note"]

log = logging.getLogger(__name__)
_REFUND = {"en": "Refund", "de": "Erstattung"}


def _shares(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to positive ``weights``, in whole units adding up exactly."""
    whole = sum(weights)
    exact = [total * w for w in weights]
    shares = [e // whole for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), -weights[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def credit_note_lines(
    original: InvoiceDocument, amount_minor: int, language: str
) -> tuple[tuple[InvoiceLine, ...], tuple[VatLine, ...]]:
    """The lines and VAT breakdown of a credit note of ``amount_minor`` (incl. VAT) against ``original``."""
    currency = original.currency
    if amount_minor == to_minor(original.total_incl_vat, currency):
        return original.lines, original.vat_breakdown
    rates = [v for v in original.vat_breakdown if v.base_excl_vat + v.vat > 0]
    if not rates:
        raise ValueError("the original invoice has nothing to refund")
    gross = [to_minor(v.base_excl_vat + v.vat, currency) for v in rates]
    words = _REFUND.get(language, _REFUND["en"])
    lines: list[InvoiceLine] = []
    breakdown: list[VatLine] = []
    for vat_line, share in zip(rates, _shares(amount_minor, gross), strict=True):
        if share == 0:
            continue
        net_minor = int((Decimal(share) * 100 / (100 + vat_line.rate)).quantize(Decimal(1), ROUND_HALF_UP))
        net, vat = from_minor(net_minor, currency), from_minor(share - net_minor, currency)
        lines.append(
            InvoiceLine(
                description=words,
                quantity=Decimal(1),
                unit="item",
                unit_price_excl_vat=net,
                vat_rate=vat_line.rate,
                amount_excl_vat=net,
            )
        )
        breakdown.append(VatLine(rate=vat_line.rate, base_excl_vat=net, vat=vat))
    return tuple(lines), tuple(breakdown)


def _document(record: InvoiceRecord, original: InvoiceDocument, refund: RefundRecord) -> InvoiceDocument:
    assert record.number is not None and record.reason is not None
    lines, breakdown = credit_note_lines(original, refund.amount_minor, record.language)
    excl = sum((line.amount_excl_vat for line in lines), Decimal(0))
    vat = sum((v.vat for v in breakdown), Decimal(0))
    return InvoiceDocument(
        kind="credit_note",
        number=record.number,
        issue_date=record.created_at.date(),  # the draft's: a retry on a later day keeps it
        seller=original.seller,
        buyer=original.buyer,
        currency=original.currency,
        lines=lines,
        vat_breakdown=breakdown,
        total_excl_vat=excl,
        total_vat=vat,
        total_incl_vat=excl + vat,
        session=original.session,
        payment_reference=", ".join(refund.gateway_refund_ids)[:200] or None,
        original_invoice_number=original.number,
        reason=record.reason,
    )


async def issue_credit_note(deps: Deps, payment: SessionPayment, refund: RefundRecord) -> InvoiceRecord | None:
    """The credit note of a refund that went through, issued once (a retry finds it and its number).

    None while the payment has no issued invoice to correct (the refund keeps no credit note id, so a
    later ``refunds.complete_refunds`` issues it)."""
    original = None if payment.invoice_id is None else await find_invoice(deps, payment.invoice_id, payment.provider_id)
    if original is None or original.status != "issued" or original.document is None:
        log.warning("refund %s of %s: no issued invoice to correct yet", refund.id, payment.id)
        return None
    provider = await get_provider(deps.store, payment.provider_id)
    now = deps.clock.now()
    draft = InvoiceRecord(
        id=credit_note_id_for(refund.id),
        kind="credit_note",
        provider_id=payment.provider_id,
        user_id=payment.user_id,
        station_id=payment.station_id,
        session_id=payment.session_id,
        payment_id=payment.id,
        year=now.year,
        currency=payment.currency,
        language=original.language,
        original_invoice_id=original.id,
        refund_id=refund.id,
        reason=refund.reason,
        created_at=now,
    )
    record = await numbered_draft(deps, draft, invoice_prefix(provider))
    if record.status == "issued":
        return record
    return await store_documents(deps, record, _document(record, original.document, refund))

"""Issuing invoices: the document of a captured session payment, numbered, rendered and stored.

``issue_session_invoice`` runs right after a capture (and again, harmlessly, on every retry): it
creates the draft record ``inv_<sessionId>``, takes the provider's next gapless number for the
year (``invoice_numbers``: a retry keeps its number), builds the ``InvoiceDocument`` from the
pricing engine's cost of the session at its tariff version, renders the HTML and the PDF
(deterministic: a retried render gives the same bytes, which the BlobStore accepts again) and
marks the record issued. Then the payment names its invoice and InvoiceIssued goes out.

The lines are the pricing engine's, each rounded to the currency's minor unit; the pennies that
rounding each line moves are put on the largest line of their VAT rate, and a tariff's minimum or
maximum price shows as a line of its own, so that the document adds up to exactly what was charged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from shared.domain.billing import SessionPayment
from shared.domain.errors import NotFound
from shared.domain.invoice_records import InvoiceRecord, invoice_id_for
from shared.domain.invoices import (
    Buyer,
    InvoiceDocument,
    InvoiceLine,
    LineUnit,
    Seller,
    SessionReference,
    VatLine,
    document_number,
)
from shared.domain.pricing import Cost, minor_unit
from shared.domain.providers import Provider
from shared.domain.sessions import ChargingSession
from shared.invoices.pdf import render_pdf
from shared.invoices.render import render_html
from shared.ports.store import DocumentConflict, DocumentNotFound, Filter, PreconditionFailed, Query
from shared.repositories.providers import get_provider
from shared.repositories.users import get_user
from shared.services.invoice_numbers import Lookup, Settle, assign_invoice_number

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "find_invoice",
    "invoice_lines",
    "invoice_prefix",
    "issue_session_invoice",
    "number_settler",
    "numbered_draft",
    "store_documents",
]

C = "invoices"
_ATTEMPTS = 8
_DESCRIPTIONS = {
    "en": {"ENERGY": "Energy", "TIME": "Charging time", "PARKING_TIME": "Parking time", "FLAT": "Session fee",
           "DISCOUNT": "Discount", "MIN": "Minimum price of the tariff", "MAX": "Maximum price of the tariff"},
    "de": {"ENERGY": "Energie", "TIME": "Ladezeit", "PARKING_TIME": "Parkzeit", "FLAT": "Startgebühr",
           "DISCOUNT": "Rabatt", "MIN": "Mindestpreis des Tarifs", "MAX": "Höchstpreis des Tarifs"},
}  # fmt: skip
_UNITS: dict[str, LineUnit] = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "FLAT": "session"}


def invoice_prefix(provider: Provider) -> str:
    """The provider's number prefix: its display name's letters and digits, upper case (at most 12)."""
    letters = re.sub(r"[^A-Z0-9]", "", provider.display_name.upper())[:12]
    return letters or "WU"


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), ROUND_HALF_UP)


def invoice_lines(cost: Cost, language: str, promo_code: str | None = None) -> tuple[list[InvoiceLine], list[VatLine]]:
    """The cost as invoice lines and a VAT breakdown adding up to exactly ``cost.excl_vat`` and ``cost.vat``."""
    words = _DESCRIPTIONS.get(language, _DESCRIPTIONS["en"])
    currency = cost.currency
    lines: list[InvoiceLine] = []
    for priced in cost.lines:
        dimension = str(priced.dimension)
        lines.append(
            InvoiceLine(
                description=f"{words['DISCOUNT']} {promo_code}"
                if dimension == "DISCOUNT" and promo_code
                else words.get(dimension, dimension.title()),
                quantity=priced.quantity.normalize() if priced.quantity else Decimal(0),
                unit=_UNITS.get(dimension, "item"),
                unit_price_excl_vat=priced.unit_price,
                vat_rate=priced.vat_rate,
                amount_excl_vat=_round(priced.amount_excl_vat, currency),
            )
        )
    rates = sorted({line.vat_rate for line in lines}) or [Decimal(0)]
    gap = cost.excl_vat - sum((line.amount_excl_vat for line in lines), Decimal(0))
    if gap and (cost.min_price_applied or cost.max_price_applied):
        rate = max(rates, key=lambda r: sum((x.amount_excl_vat for x in lines if x.vat_rate == r), Decimal(0)))
        words_key = "MIN" if cost.min_price_applied else "MAX"
        lines.append(
            InvoiceLine(
                description=words[words_key],
                quantity=Decimal(1),
                unit="item",
                unit_price_excl_vat=None,
                vat_rate=rate,
                amount_excl_vat=gap,
            )  # fmt: skip
        )
    elif gap:  # rounding each line moved a few minor units: the largest line carries them
        at = max(range(len(lines)), key=lambda i: abs(lines[i].amount_excl_vat))
        lines[at] = lines[at].model_copy(update={"amount_excl_vat": lines[at].amount_excl_vat + gap})
    bases: defaultdict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        bases[line.vat_rate] += line.amount_excl_vat
    vats = {rate: _round(base * rate / 100, currency) for rate, base in bases.items()}
    vat_gap = cost.vat - sum(vats.values(), Decimal(0))
    if vat_gap:
        top = max(vats, key=lambda r: (bases[r], r))
        vats[top] += vat_gap
    breakdown = [VatLine(rate=r, base_excl_vat=bases[r], vat=max(vats[r], Decimal(0))) for r in sorted(bases)]
    return lines, breakdown


async def find_invoice(deps: Deps, invoice_id: str, provider_id: str | None = None) -> InvoiceRecord | None:
    if provider_id is not None:
        try:
            return InvoiceRecord.model_validate(await deps.store.read(C, invoice_id, provider_id))
        except DocumentNotFound:
            return None
    page = await deps.store.query(C, Query((Filter("id", "eq", invoice_id),), limit=1))
    return InvoiceRecord.model_validate(page.items[0]) if page.items else None


def number_settler(deps: Deps, provider_id: str, prefix: str, year: int) -> tuple[Settle, Lookup]:
    """The ``settle`` and ``lookup`` callbacks of ``assign_invoice_number`` for records of one provider."""

    async def lookup(invoice_id: str) -> int | None:
        record = await find_invoice(deps, invoice_id, provider_id)
        return None if record is None else record.sequence

    async def settle(invoice_id: str, sequence: int) -> None:
        for _ in range(_ATTEMPTS):
            record = await find_invoice(deps, invoice_id, provider_id)
            if record is None or record.sequence is not None:
                return
            numbered = record.model_copy(
                update={"sequence": sequence, "number": document_number(prefix, year, sequence)}
            )
            try:
                await deps.store.replace(C, numbered.model_dump(mode="json", by_alias=True), etag=record.etag)
                return
            except PreconditionFailed:
                continue

    return settle, lookup


async def _draft(deps: Deps, record: InvoiceRecord) -> InvoiceRecord:
    try:
        return InvoiceRecord.model_validate(await deps.store.create(C, record.model_dump(mode="json", by_alias=True)))
    except DocumentConflict:
        found = await find_invoice(deps, record.id, record.provider_id)
        if found is None:
            raise
        return found


async def _numbered(deps: Deps, record: InvoiceRecord, prefix: str) -> InvoiceRecord:
    """The record with its number: claimed from the provider's sequence, or the one it already holds."""
    if record.sequence is not None:
        return record
    settle, lookup = number_settler(deps, record.provider_id, prefix, record.year)
    numbered = await assign_invoice_number(
        deps.store, deps.clock, record.provider_id, record.year, record.id, settle=settle, lookup=lookup
    )
    await settle(record.id, numbered.number)  # written onto our record now (a later claim would do it too)
    fresh = await find_invoice(deps, record.id, record.provider_id)
    if fresh is None or fresh.sequence is None:
        raise NotFound("The invoice vanished while being numbered.", code="invoice_not_found")
    return fresh


async def numbered_draft(deps: Deps, record: InvoiceRecord, prefix: str) -> InvoiceRecord:
    """The draft ``record`` created (or found again: a retry) and numbered from its provider's sequence."""
    return await _numbered(deps, await _draft(deps, record), prefix)


async def store_documents(deps: Deps, record: InvoiceRecord, doc: InvoiceDocument) -> InvoiceRecord:
    """Render and store the HTML and PDF, then mark the record issued (idempotent)."""
    base = f"{record.provider_id}/{doc.issue_date.year}/{doc.number}"
    container = deps.settings.invoices_container
    html = render_html(doc, record.language).encode()
    pdf = render_pdf(doc, record.language, font_dir=deps.settings.invoice_font_dir or None)
    await deps.blobs.put(container, f"{base}.html", html, "text/html; charset=utf-8")
    await deps.blobs.put(container, f"{base}.pdf", pdf, "application/pdf")
    for _ in range(_ATTEMPTS):
        if record.status == "issued":
            return record
        issued = record.model_copy(
            update={
                "status": "issued",
                "document": doc,
                "issue_date": doc.issue_date,
                "total_excl_vat": doc.total_excl_vat,
                "total_vat": doc.total_vat,
                "total_incl_vat": doc.total_incl_vat,
                "html_blob": f"{base}.html",
                "pdf_blob": f"{base}.pdf",
                "issued_at": deps.clock.now(),
            }
        )
        try:
            return InvoiceRecord.model_validate(
                await deps.store.replace(C, issued.model_dump(mode="json", by_alias=True), etag=record.etag)
            )
        except PreconditionFailed:
            record = await find_invoice(deps, record.id, record.provider_id) or record
    return record


async def issue_session_invoice(deps: Deps, session: ChargingSession, payment: SessionPayment) -> SessionPayment:
    """The invoice of a captured payment, issued once; the payment then names it (InvoiceIssued)."""
    from shared.services import billing
    from shared.services.sessions import load_terms, running_cost

    if payment.status != "captured" or payment.invoice_id is not None or session.stopped_at is None:
        return payment
    provider = await get_provider(deps.store, session.provider_id)
    user = await get_user(deps.store, payment.user_id)
    terms = await load_terms(deps, session)
    cost = running_cost(session, terms, session.stopped_at)
    if cost is None:
        return payment
    now = deps.clock.now()
    record = await _draft(
        deps,
        InvoiceRecord(
            id=invoice_id_for(session.id),
            provider_id=session.provider_id,
            user_id=payment.user_id,
            station_id=session.station_id,
            session_id=session.id,
            payment_id=payment.id,
            year=now.year,
            currency=cost.currency,
            language=user.locale,
            created_at=now,
        ),
    )
    prefix = invoice_prefix(provider)
    record = await _numbered(deps, record, prefix)
    if record.status != "issued":
        assert record.number is not None
        lines, vat = invoice_lines(cost, record.language, None if session.discount is None else session.discount.code)
        doc = InvoiceDocument(
            number=record.number,
            issue_date=record.created_at.date(),  # the draft's: a retry on a later day keeps it
            seller=Seller(
                legal_name=provider.legal_name,
                address=provider.billing_address,
                vat_id=provider.vat_id,
                email=provider.support_email,
            ),
            buyer=Buyer(name=user.name, email=user.email),
            currency=cost.currency,
            lines=tuple(lines),
            vat_breakdown=tuple(vat),
            total_excl_vat=cost.excl_vat,
            total_vat=cost.vat,
            total_incl_vat=cost.total,
            session=SessionReference(
                session_id=session.id,
                station_name=session.station_name,
                connector=session.connector_key,
                started_at=session.started_at or session.requested_at,
                ended_at=session.stopped_at,
                energy_kwh=Decimal(session.energy_wh) / 1000,
                time_zone=session.time_zone,
            ),
            payment_reference=payment.hold_intent_id or payment.topup_intent_id,
        )
        record = await store_documents(deps, record, doc)
    return await billing.attach_invoice(deps, payment, record)

"""An invoice or credit note as a PDF, with the content of the HTML page (see ``pdf_page`` for fonts).

The creation date is the issue date, so rendering one document twice gives
identical bytes and a retried store of the PDF is recognised as the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from shared.domain.invoices import InvoiceDocument, PostalAddress
from shared.invoices.formats import Formats
from shared.invoices.labels import labels
from shared.invoices.pdf_page import InvoicePage

__all__ = ["render_pdf"]


def _address(a: PostalAddress) -> list[str]:
    return [*a.lines, f"{a.postal_code} {a.city}", a.country]


def render_pdf(doc: InvoiceDocument, language: str | None = "en", *, font_dir: str | None = None) -> bytes:
    """The document in ``language`` (``en`` or ``de``, any other falls back to English)."""
    f = Formats(language)
    t = labels(doc.kind, f.language)

    def money(amount: Decimal) -> str:
        return f.money(amount, doc.currency)

    pdf = InvoicePage(font_dir)
    pdf.set_creation_date(datetime.combine(doc.issue_date, time(), UTC))
    pdf.set_title(pdf.clean(f"{t['title']} {doc.number}"))
    pdf.set_author(pdf.clean(doc.seller.legal_name))
    pdf.set_creator("Watt's Up")
    pdf.set_lang(f.language)
    pdf.add_page()

    pdf.text_line(t["title"], size=18, style="B", height=10)
    meta = [(t["number"], doc.number), (t["date"], f.date(doc.issue_date))]
    if doc.original_invoice_number:
        meta.append((t["original"], doc.original_invoice_number))
    if doc.payment_reference:
        meta.append((t["payment_reference"], doc.payment_reference))
    pdf.pairs(meta)

    s, b = doc.seller, doc.buyer
    pdf.heading(t["seller"])
    seller = [s.legal_name, *(_address(s.address) if s.address else [])]
    pdf.text_line([*seller, f"{t['vat_id']}: {s.vat_id}", *filter(None, [s.email])])
    pdf.heading(t["buyer"])
    buyer = [b.name, *(_address(b.address) if b.address else []), b.email]
    pdf.text_line(buyer + ([f"{t['vat_id']}: {b.vat_id}"] if b.vat_id else []))
    if doc.reason:
        pdf.heading(t["reason"])
        pdf.text_line(doc.reason)

    if doc.session:
        se = doc.session
        pdf.heading(t["session"])
        pdf.pairs(
            [
                (t["station"], se.station_name),
                (t["connector"], se.connector),
                (t["start"], f.moment(se.started_at, se.time_zone)),
                (t["end"], f.moment(se.ended_at, se.time_zone)),
                (t["zone"], se.time_zone),
                (t["energy"], f"{f.number(se.energy_kwh)} kWh"),
                (t["session_id"], se.session_id),
            ]
        )

    pdf.heading(t["lines"])
    rows = [
        [
            line.description,
            f"{f.number(line.quantity)} {f.unit(line.unit)}",
            "–" if line.unit_price_excl_vat is None else f"{money(line.unit_price_excl_vat)}/{f.unit(line.unit)}",
            f.percent(line.vat_rate),
            money(line.amount_excl_vat),
        ]
        for line in doc.lines
    ]
    pdf.grid([t["description"], t["quantity"], t["unit_price"], t["vat"], t["amount"]], rows, (52, 30, 46, 16, 30))

    pdf.heading(t["vat_breakdown"])
    vat_rows = [[f.percent(v.rate), money(v.base_excl_vat), money(v.vat)] for v in doc.vat_breakdown]
    pdf.grid([t["vat_rate"], t["net"], t["vat"]], vat_rows, (30, 40, 40), width=110)

    pdf.ln(4)
    totals = [
        [t["total_net"], money(doc.total_excl_vat)],
        [t["total_vat"], money(doc.total_vat)],
        [t["total"], money(doc.total_incl_vat)],
    ]
    pdf.grid(None, totals, (60, 40), width=100)

    pdf.ln(6)
    closing = t["closing"].format(seller=s.legal_name, original=doc.original_invoice_number)
    pdf.text_line(closing, size=9)
    return bytes(pdf.output())

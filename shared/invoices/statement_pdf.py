"""A provider's monthly statement as a PDF, on the invoices' page (fonts and tables of ``pdf_page``).

English, amounts by Babel as on the invoices. The creation date is the end of the statement's month,
so rendering one statement twice gives identical bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from shared.domain.providers import Provider
from shared.domain.statements import Statement, StatementLine
from shared.invoices.formats import Formats
from shared.invoices.pdf_page import InvoicePage

__all__ = ["render_statement_pdf"]

_STATION_HEAD = ["Station", "Sessions", "kWh", "Revenue incl. VAT", "VAT", "Commission", "Payout"]


def render_statement_pdf(statement: Statement, provider: Provider, *, font_dir: str | None = None) -> bytes:
    f = Formats("en")
    pdf = InvoicePage(font_dir)
    pdf.set_creation_date(statement.period_end)
    pdf.set_title(pdf.clean(f"Monthly statement {statement.month} {provider.display_name}"))
    pdf.set_author("Watt's Up")
    pdf.set_creator("Watt's Up")
    pdf.set_lang("en")
    pdf.add_page()

    last_day = (statement.period_end - timedelta(days=1)).date()
    pdf.text_line("Monthly statement", size=18, style="B", height=10)
    pdf.pairs(
        [
            ("Provider", provider.legal_name),
            ("VAT ID", provider.vat_id),
            ("Period", f"{f.date(statement.period_start.date())} to {f.date(last_day)} (UTC)"),
            ("Statement", statement.id),
            ("Commission", f"{f.percent(statement.commission_percent)} of revenue excl. VAT"),
        ]
    )
    if not statement.totals:
        pdf.heading("No sessions were billed and no refunds made in this month.")
    for total in statement.totals:
        currency = total.currency

        def money(amount: Decimal, currency: str = currency) -> str:
            return f.money(amount, currency)

        pdf.heading(f"Totals ({currency})")
        rows = [
            ["Sessions billed", f.number(Decimal(total.sessions))],
            ["Energy", f"{f.number(total.energy_kwh)} kWh"],
            ["Collected incl. VAT", money(total.collected_incl_vat)],
            ["Refunds made in the month", money(-total.refunded_incl_vat)],
            ["Revenue incl. VAT", money(total.revenue_incl_vat)],
            ["of which VAT", money(total.vat)],
            ["Revenue excl. VAT", money(total.revenue_excl_vat)],
            ["Platform commission", money(-total.commission)],
            ["Payout due", money(total.payout)],
        ]
        pdf.grid(None, rows, (70, 50), width=120)
        if total.pending_sessions:
            pdf.text_line(
                f"{total.pending_sessions} sessions stopped this month were still being collected: "
                "they will count in the month their payment completes.",
                size=9,
            )
        pdf.heading(f"Per station ({currency})")
        lines = [line for line in statement.stations if line.currency == currency]
        pdf.grid(_STATION_HEAD, [_station_row(f, line, money) for line in lines], (52, 16, 20, 24, 20, 20, 22))
    return bytes(pdf.output())


def _station_row(f: Formats, line: StatementLine, money: Callable[[Decimal], str]) -> list[str]:
    return [
        line.station_name or line.station_id or "",
        f.number(Decimal(line.sessions)),
        f.number(line.energy_kwh),
        money(line.revenue_incl_vat),
        money(line.vat),
        money(line.commission),
        money(line.payout),
    ]

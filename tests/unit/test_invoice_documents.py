"""Invoice documents: the model refuses what does not add up; HTML (Jinja2, autoescaped) and PDF (fpdf2)
say the same thing, exactly, in English and German, whatever a name or a description holds."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pypdf
import pytest
from pydantic import ValidationError

from shared.domain.invoices import (
    Buyer,
    InvoiceDocument,
    InvoiceLine,
    PostalAddress,
    Seller,
    SessionReference,
    VatLine,
    document_number,
)
from shared.invoices import pdf_page
from shared.invoices.formats import Formats, language_of, printable
from shared.invoices.labels import labels
from shared.invoices.pdf import render_pdf
from shared.invoices.pdf_page import find_unicode_font
from shared.invoices.render import render_html

D = Decimal
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
RTL = "\u202eevil.exe\u202c שלום עולם مرحبا"


def seller(**changes: Any) -> Seller:
    address = PostalAddress(lines=("Hauptstraße 5",), postal_code="10115", city="Berlin", country="DE")
    return Seller(**{"legal_name": "Ströme & Söhne GmbH", "address": address, "vat_id": "DE123456789", **changes})


def invoice(**changes: Any) -> InvoiceDocument:
    """1,234.56 excl. VAT at 19 % in two lines, 234.57 VAT, 1,469.13 in all."""
    fields: dict[str, Any] = {
        "number": "ACME-2026-000123",
        "issue_date": date(2026, 3, 1),
        "seller": seller(),
        "buyer": Buyer(name="Łukasz Żółć-Müller", email="lukasz@example.com"),
        "currency": "EUR",
        "lines": (
            InvoiceLine(
                description="Energy",
                quantity=D("42.123"),
                unit="kWh",
                unit_price_excl_vat=D("0.4567"),
                vat_rate=D("19"),
                amount_excl_vat=D("19.24"),
            ),
            InvoiceLine(
                description="Parking time",
                quantity=D("1"),
                unit="session",
                unit_price_excl_vat=D("1215.32"),
                vat_rate=D("19"),
                amount_excl_vat=D("1215.32"),
            ),
        ),
        "vat_breakdown": (VatLine(rate=D("19"), base_excl_vat=D("1234.56"), vat=D("234.57")),),
        "total_excl_vat": D("1234.56"),
        "total_vat": D("234.57"),
        "total_incl_vat": D("1469.13"),
        "session": SessionReference(
            session_id="ses_abc_1",
            station_name="Ladepark Mitte",
            connector="CP-1 / 2",
            started_at=datetime(2026, 2, 28, 22, 5, tzinfo=UTC),
            ended_at=datetime(2026, 2, 28, 23, 40, tzinfo=UTC),
            energy_kwh=D("42.123"),
            time_zone="Europe/Berlin",
        ),
        "payment_reference": "pi_3Nabc",
    }
    fields.update(changes)
    return InvoiceDocument(**fields)


def credit_note(**changes: Any) -> InvoiceDocument:
    return invoice(
        kind="credit_note",
        number="ACME-2026-000124",
        original_invoice_number="ACME-2026-000123",
        reason="Charger fault: the session stopped early",
        **changes,
    )


class _Text(HTMLParser):
    """The visible text of a page, and the text of each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.by_id: dict[str, str] = {}
        self._open: list[str | None] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "meta", "img"):
            return
        self._open.append(dict(attrs).get("id"))
        self._skip += tag in ("style", "title", "script")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "meta", "img"):
            return
        self._open.pop()
        self._skip -= tag in ("style", "title", "script")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data)
        for element_id in filter(None, self._open):
            self.by_id[element_id] = self.by_id.get(element_id, "") + data


def page(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


# --- the model ---------------------------------------------------------------------------


def test_document_numbers() -> None:
    assert document_number("ACME", 2026, 123) == "ACME-2026-000123"
    assert document_number("ACME-CN", 2026, 1) == "ACME-CN-2026-000001"
    assert document_number("ACME", 2026, 1_234_567) == "ACME-2026-1234567"
    for prefix, year, sequence in [("acme", 2026, 1), ("A B", 2026, 1), ("", 2026, 1), ("A", 1999, 1), ("A", 2026, 0)]:
        with pytest.raises(ValueError):
            document_number(prefix, year, sequence)


def test_two_vat_rates_add_up() -> None:
    lines = (
        InvoiceLine(
            description="Energy",
            quantity=D("10"),
            unit="kWh",
            unit_price_excl_vat=D("0.50"),
            vat_rate=D("19"),
            amount_excl_vat=D("5.00"),
        ),
        InvoiceLine(
            description="Discount",
            quantity=D("1"),
            unit="item",
            unit_price_excl_vat=None,
            vat_rate=D("19"),
            amount_excl_vat=D("-1.00"),
        ),
        InvoiceLine(
            description="Snack",
            quantity=D("2"),
            unit="item",
            unit_price_excl_vat=D("1.50"),
            vat_rate=D("7"),
            amount_excl_vat=D("3.00"),
        ),
    )
    breakdown = (
        VatLine(rate=D("19"), base_excl_vat=D("4.00"), vat=D("0.76")),
        VatLine(rate=D("7.0"), base_excl_vat=D("3.00"), vat=D("0.21")),
    )
    doc = invoice(
        lines=lines,
        vat_breakdown=breakdown,
        total_excl_vat=D("7.00"),
        total_vat=D("0.97"),
        total_incl_vat=D("7.97"),
    )

    html = squeeze(unescape(" ".join(page(render_html(doc, "de")).parts)))
    assert "19 % 4,00 € 0,76 €" in html and "7 % 3,00 € 0,21 €" in html
    assert "-1,00 €" in html and "Discount 1 Stk. – 19 %" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"total_incl_vat": D("1469.14")}, "plus VAT"),
        ({"total_vat": D("234.58"), "total_incl_vat": D("1469.14")}, "add up to the totals"),
        ({"total_excl_vat": D("1234.5600001")}, "rounded"),
        ({"vat_breakdown": (VatLine(rate=D("7"), base_excl_vat=D("1234.56"), vat=D("234.57")),)}, "one line per rate"),
        (
            {
                "vat_breakdown": (
                    VatLine(rate=D("19"), base_excl_vat=D("1234.56"), vat=D("234.57")),
                    VatLine(rate=D("19.0"), base_excl_vat=D("0"), vat=D("0")),
                )
            },
            "one line per rate",
        ),
        ({"original_invoice_number": "ACME-2026-000001"}, "credit note"),
        ({"kind": "credit_note"}, "credit note"),
        ({"number": "acme-2026-1"}, "pattern"),
        ({"currency": "EURO"}, "ISO 4217"),
        ({"lines": ()}, "at least 1"),
    ],
)
def test_a_document_that_does_not_add_up_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        invoice(**changes)


def test_amounts_follow_the_currency_minor_unit() -> None:
    with pytest.raises(ValidationError, match="rounded"):
        invoice(currency="JPY")  # 1234.56 has decimals JPY does not
    line = InvoiceLine(
        description="Energy",
        quantity=D("10"),
        unit="kWh",
        unit_price_excl_vat=D("12"),
        vat_rate=D("10"),
        amount_excl_vat=D("120"),
    )
    doc = invoice(
        currency="JPY",
        lines=(line,),
        vat_breakdown=(VatLine(rate=D("10"), base_excl_vat=D("120"), vat=D("12")),),
        total_excl_vat=D("120"),
        total_vat=D("12"),
        total_incl_vat=D("132"),
    )
    assert page(render_html(doc, "en")).by_id["total"] == "JP¥132"


@pytest.mark.parametrize(
    "session_changes",
    [
        {"ended_at": datetime(2026, 2, 28, 21, 0, tzinfo=UTC)},
        {"started_at": datetime(2026, 2, 28, 22, 5)},
        {"time_zone": "Mars/Olympus"},
    ],
)
def test_a_session_reference_needs_a_sane_period_and_zone(session_changes: dict[str, Any]) -> None:
    fields = invoice().session.model_dump(by_alias=False)  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        SessionReference(**{**fields, **session_changes})


def test_the_document_round_trips_as_camel_case_json_with_string_amounts() -> None:
    doc = credit_note()
    data = doc.model_dump(mode="json")

    assert data["totalInclVat"] == "1469.13" and data["lines"][0]["unitPriceExclVat"] == "0.4567"
    assert data["originalInvoiceNumber"] == "ACME-2026-000123" and data["issueDate"] == "2026-03-01"
    assert InvoiceDocument.model_validate(data) == doc


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "english", "german"),
    [
        ("1234.56", "EUR", "€1,234.56", "1.234,56\xa0€"),
        ("0.4", "EUR", "€0.40", "0,40\xa0€"),
        ("0.4567", "EUR", "€0.4567", "0,4567\xa0€"),  # a unit price keeps every digit
        ("-3.50", "EUR", "-€3.50", "-3,50\xa0€"),
        ("1234567.89", "CHF", "CHF\xa01,234,567.89", "1.234.567,89\xa0CHF"),
        ("132", "JPY", "JP¥132", "132\xa0¥"),
        ("12.345", "KWD", "KWD\xa012.345", "12,345\xa0KWD"),
        ("0.01", "GBP", "£0.01", "0,01\xa0£"),
    ],
)
def test_money_is_shown_exactly(amount: str, currency: str, english: str, german: str) -> None:
    assert Formats("en").money(D(amount), currency) == english
    assert Formats("de").money(D(amount), currency) == german


def test_numbers_rates_dates_and_units() -> None:
    en, de = Formats("en"), Formats("de")
    assert (en.number(D("1234.5678")), de.number(D("1234.5678"))) == ("1,234.5678", "1.234,5678")
    assert (en.percent(D("19")), de.percent(D("7.7"))) == ("19%", "7,7\xa0%")
    assert (en.date(date(2026, 3, 1)), de.date(date(2026, 3, 1))) == ("1 March 2026", "1. März 2026")
    moment = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # summer time in Berlin: the next day, 00:30
    assert en.moment(moment, "Europe/Berlin") == "2 Jul 2026, 00:30"
    assert de.moment(moment, "Europe/Berlin") == "02.07.2026, 00:30"
    assert (en.unit("h"), de.unit("h"), de.unit("session")) == ("h", "Std.", "Ladevorgang")


@pytest.mark.parametrize(
    ("asked", "language"),
    [("de", "de"), ("de-AT", "de"), ("DE_ch", "de"), ("en", "en"), ("fr", "en"), ("", "en"), (None, "en")],
)
def test_languages_fall_back_to_english(asked: str | None, language: str) -> None:
    assert language_of(asked) == language


def test_printable_drops_controls_and_bidi_overrides() -> None:
    assert printable("a\u202eb\u2067c\x00d\x07e\nf\tg") == "abcde f g"
    assert printable("Žółć שלום") == "Žółć שלום"


# --- HTML -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "total", "issued", "start"),
    [
        ("en", "Invoice", "€1,469.13", "1 March 2026", "28 Feb 2026, 23:05"),
        ("de", "Rechnung", "1.469,13\xa0€", "1. März 2026", "28.02.2026, 23:05"),
    ],
)
def test_invoice_html_in_each_language(language: str, title: str, total: str, issued: str, start: str) -> None:
    html = render_html(invoice(), language)
    text = page(html)
    visible = " ".join(text.parts)

    assert html.startswith("<!doctype html>") and f'<html lang="{language}">' in html
    assert f"<title>{title} ACME-2026-000123</title>" in html and f"<h1>{title}</h1>" in html
    assert text.by_id["number"] == "ACME-2026-000123"
    assert text.by_id["total"] == total
    assert issued in visible and start in visible  # the session in the station's zone (UTC+1 in winter)
    assert "Łukasz Żółć-Müller" in visible and "Ströme & Söhne GmbH" in visible
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


@pytest.mark.parametrize(("language", "title"), [("en", "Credit note"), ("de", "Rechnungskorrektur")])
def test_credit_note_html_names_the_invoice_it_corrects(language: str, title: str) -> None:
    text = page(render_html(credit_note(), language))

    assert text.by_id["number"] == "ACME-2026-000124"
    assert text.by_id["original"] == "ACME-2026-000123"
    assert title in text.parts[0] or title in " ".join(text.parts)
    assert "Charger fault: the session stopped early" in " ".join(text.parts)


def test_unknown_language_renders_english() -> None:
    assert page(render_html(invoice(), "fr")).by_id["total"] == "€1,469.13"


def hostile() -> InvoiceDocument:
    line = InvoiceLine(
        description=f"{SCRIPT} {BREAKOUT} {'X' * 900}",
        quantity=D("1"),
        unit="item",
        unit_price_excl_vat=D("1234.56"),
        vat_rate=D("19"),
        amount_excl_vat=D("1234.56"),
    )
    session = invoice().session.model_copy(update={"station_name": SCRIPT, "connector": BREAKOUT})  # type: ignore[union-attr]
    return invoice(
        kind="credit_note",
        original_invoice_number="ACME-2026-000001",
        reason=f"{SCRIPT}{RTL}",
        seller=seller(legal_name=f"{SCRIPT} & Co {'W' * 450}", email=BREAKOUT),
        buyer=Buyer(
            name=f"{RTL} {SCRIPT}",
            email="x@example.com",
            address=PostalAddress(lines=(BREAKOUT, "Straße"), postal_code="<b>1</b>", city=SCRIPT, country="DE"),
        ),
        lines=(line,),
        session=session,
        payment_reference=SCRIPT,
    )


@pytest.mark.parametrize("language", ["en", "de"])
def test_hostile_text_is_escaped_in_html(language: str) -> None:
    html = render_html(hostile(), language)

    assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>1" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 7
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    visible = " ".join(page(html).parts)
    assert "W" * 450 in visible and "X" * 900 in visible  # long strings shown whole
    # right-to-left text and a direction override stay inside their own <bdi>, unable to reorder the page
    assert f"<bdi>{RTL} &lt;script&gt;alert(1)&lt;/script&gt;</bdi>" in html


def test_pdf_labels_match_the_html_templates() -> None:
    for kind, doc in (("invoice", invoice()), ("credit_note", credit_note())):
        for language in ("en", "de"):
            visible = squeeze(unescape("".join(page(render_html(doc, language)).parts)))
            words = labels(doc.kind, language_of(language))
            words["closing"] = words["closing"].format(
                seller=doc.seller.legal_name, original=doc.original_invoice_number
            )
            missing = {key: value for key, value in words.items() if squeeze(value) not in visible}
            assert not missing, (kind, language, missing)


# --- PDF ----------------------------------------------------------------------------------------


def test_a_unicode_font_is_available() -> None:
    assert find_unicode_font() is not None, "no DejaVu Sans: apt-get install fonts-dejavu-core"


@pytest.mark.parametrize(
    ("language", "words", "total"),
    [
        ("en", ["Invoice", "Billed to", "Total incl. VAT", "1 March 2026"], "€1,469.13"),
        ("de", ["Rechnung", "Rechnungsempfänger", "Gesamtbetrag brutto", "1. März 2026"], "1.469,13 €"),
    ],
)
def test_invoice_pdf_is_a_pdf_with_the_same_content(language: str, words: list[str], total: str) -> None:
    data = render_pdf(invoice(), language)

    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"DejaVu" in data  # the Unicode font is embedded
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and str(reader.metadata.title).endswith("ACME-2026-000123")
    text = squeeze(pdf_text(data))
    assert "ACME-2026-000123" in text and total in text
    for word in [*words, "Łukasz Żółć-Müller", "Ströme & Söhne GmbH", "Hauptstraße 5", "DE123456789", "pi_3Nabc"]:
        assert word in text, word
    html = squeeze(" ".join(page(render_html(invoice(), language)).parts))
    for fact in re.findall(r"\d[\d.,]*\s?(?:€|kWh|%)|€[\d.,]+", html):  # every amount, quantity and rate
        assert fact in text, fact


@pytest.mark.parametrize("language", ["en", "de"])
def test_credit_note_pdf(language: str) -> None:
    text = squeeze(pdf_text(render_pdf(credit_note(), language)))

    assert "ACME-2026-000124" in text and "ACME-2026-000123" in text
    assert "Charger fault: the session stopped early" in text
    assert ("Credit note" if language == "en" else "Rechnungskorrektur") in text


def test_hostile_text_in_the_pdf_is_only_text() -> None:
    data = render_pdf(hostile(), "en")

    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"].get_object()
    assert isinstance(catalog, pypdf.generic.DictionaryObject)
    assert "/Names" not in catalog and "/AA" not in catalog  # no document scripts, no actions on events
    assert b"/JavaScript" not in data and b"/JS" not in data and b"/Launch" not in data
    text = pdf_text(data).replace("\n", "")
    assert SCRIPT in text and text.count("W") >= 450 and text.count("X") >= 900
    assert "\u202e" not in text  # the direction override is dropped
    # Drawn in visual order (right to left); pypdf reads right-to-left runs back into logical order,
    # so without the reordering this would come out reversed.
    assert "שלום עולם" in text


def test_the_pdf_of_one_document_is_always_the_same_bytes() -> None:
    assert render_pdf(invoice(), "de") == render_pdf(invoice(), "de")
    assert render_pdf(invoice(), "de") != render_pdf(invoice(), "en")


def test_without_a_unicode_font_the_pdf_falls_back_to_helvetica(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pdf_page, "SYSTEM_FONT_DIRS", ())
    find_unicode_font.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, "wattsup.invoices"):
            data = render_pdf(invoice(), "de", font_dir="/nonexistent")
    finally:
        find_unicode_font.cache_clear()

    assert "no Unicode TrueType font" in caplog.text
    assert b"DejaVu" not in data
    text = squeeze(pdf_text(data))
    assert "Lukasz Zólc-Müller" in text  # accents Windows-1252 lacks are stripped, its own (ó, ü) kept
    assert "ACME-2026-000123" in text and "1.469,13 €" in text

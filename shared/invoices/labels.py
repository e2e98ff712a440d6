"""The words of the PDF, per language and document kind: the same as the HTML templates say.

The HTML keeps its prose in its templates (one per kind and language); the PDF is
drawn in code and takes its words from here. The unit tests compare the two.
"""

from __future__ import annotations

from shared.domain.invoices import DocumentKind
from shared.invoices.formats import Language

__all__ = ["labels"]

_COMMON: dict[Language, dict[str, str]] = {
    "en": {
        "vat_id": "VAT ID",
        "station": "Station",
        "connector": "Connector",
        "start": "Start",
        "end": "End",
        "zone": "Time zone",
        "energy": "Energy",
        "session_id": "Session ID",
        "description": "Description",
        "quantity": "Quantity",
        "unit_price": "Unit price excl. VAT",
        "vat": "VAT",
        "amount": "Amount excl. VAT",
        "vat_rate": "VAT rate",
        "net": "Net amount",
        "total_vat": "VAT",
        "date": "Date of issue",
        "payment_reference": "Payment reference",
        "seller": "Seller",
        "session": "Charging session",
        "vat_breakdown": "VAT breakdown",
    },
    "de": {
        "vat_id": "USt-IdNr.",
        "station": "Ladestation",
        "connector": "Ladepunkt",
        "start": "Beginn",
        "end": "Ende",
        "zone": "Zeitzone",
        "energy": "Energie",
        "session_id": "Vorgangsnummer",
        "description": "Beschreibung",
        "quantity": "Menge",
        "unit_price": "Einzelpreis netto",
        "vat": "USt.",
        "amount": "Betrag netto",
        "vat_rate": "USt.-Satz",
        "net": "Nettobetrag",
        "total_vat": "Umsatzsteuer",
        "date": "Rechnungsdatum",
        "payment_reference": "Zahlungsreferenz",
        "seller": "Rechnungssteller",
        "session": "Ladevorgang (Leistungszeitraum)",
        "vat_breakdown": "Umsatzsteuer nach Steuersätzen",
    },
}

_KIND: dict[tuple[DocumentKind, Language], dict[str, str]] = {
    ("invoice", "en"): {
        "title": "Invoice",
        "number": "Invoice number",
        "buyer": "Billed to",
        "lines": "Charges",
        "total_net": "Total excl. VAT",
        "total": "Total incl. VAT",
        "closing": "Paid by card. Thank you for charging with {seller}.",
    },
    ("invoice", "de"): {
        "title": "Rechnung",
        "number": "Rechnungsnummer",
        "buyer": "Rechnungsempfänger",
        "lines": "Leistungen",
        "total_net": "Summe netto",
        "total": "Gesamtbetrag brutto",
        "closing": "Bezahlt per Karte. Vielen Dank, dass Sie bei {seller} geladen haben.",
    },
    ("credit_note", "en"): {
        "title": "Credit note",
        "number": "Credit note number",
        "original": "Corrects invoice",
        "reason": "Reason",
        "buyer": "Customer",
        "session": "Charging session",
        "lines": "Credited charges",
        "total_net": "Credited excl. VAT",
        "total": "Credited incl. VAT",
        "closing": "This credit note corrects invoice {original}. The amount is refunded to the card that paid it.",
    },
    ("credit_note", "de"): {
        "title": "Rechnungskorrektur",
        "number": "Nummer",
        "date": "Datum",
        "original": "Zur Rechnung",
        "reason": "Grund",
        "buyer": "Kunde",
        "session": "Ladevorgang",
        "lines": "Erstattete Leistungen",
        "total_net": "Erstattung netto",
        "total": "Erstattung brutto",
        "closing": "Diese Rechnungskorrektur bezieht sich auf die Rechnung {original}. "
        "Der Betrag wird auf die Karte erstattet, mit der bezahlt wurde.",
    },
}


def labels(kind: DocumentKind, language: Language) -> dict[str, str]:
    return {**_COMMON[language], **_KIND[(kind, language)]}

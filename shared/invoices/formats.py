"""Money, numbers, dates and units as a reader of the language expects them, by Babel (CLDR data).

English is British English (dates ``1 March 2026``, money ``€1,234.56``, ``CHF 1,234.56``);
German ``1. März 2026`` and ``1.234,56 €`` (no-break spaces before the unit). Nothing is ever
rounded here: amounts arrive rounded, unit prices and quantities keep all their
digits, so what is shown is exactly what was charged.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent

__all__ = ["Formats", "Language", "language_of", "printable"]

Language = Literal["en", "de"]
_LOCALES: dict[Language, str] = {"en": "en_GB", "de": "de_DE"}
_UNITS: dict[Language, dict[str, str]] = {
    "en": {"kWh": "kWh", "h": "h", "min": "min", "session": "session", "item": "pc."},
    "de": {"kWh": "kWh", "h": "Std.", "min": "Min.", "session": "Ladevorgang", "item": "Stk."},
}
# Bidi embeddings, overrides and isolates: kept in HTML (where <bdi> contains them), dropped from the PDF.
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def language_of(value: str | None) -> Language:
    """``de``, ``de-AT``, ``DE_ch`` -> ``de``; anything else (or nothing) -> ``en``."""
    primary = (value or "").replace("_", "-").split("-")[0].strip().lower()
    return "de" if primary == "de" else "en"


def printable(text: str) -> str:
    """Text for a drawn document: no control characters (line breaks become spaces), no bidi overrides."""
    out = []
    for char in text:
        if char in "\r\n\t":
            out.append(" ")
        elif char not in _BIDI_CONTROLS and unicodedata.category(char) not in ("Cc", "Cs"):
            out.append(char)
    return "".join(out)


class Formats:
    """The formatters of one language; the templates use them as filters."""

    def __init__(self, language: str | None) -> None:
        self.language: Language = language_of(language)
        self.locale = _LOCALES[self.language]

    def money(self, amount: Decimal, currency: str) -> str:
        # At least the currency's decimals, and never fewer digits than the amount has.
        text = format_currency(amount, currency, locale=self.locale, decimal_quantization=False)
        # CLDR's currency spacing, which Babel leaves out: "CHF 1,234.56", not "CHF1,234.56".
        return _LETTER_DIGIT.sub("\xa0", text)

    def number(self, value: Decimal) -> str:
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def percent(self, rate: Decimal) -> str:
        """A VAT rate given in percent: ``19`` -> ``19%`` / ``19 %``."""
        return format_percent(rate / 100, locale=self.locale, decimal_quantization=False)

    def date(self, value: date) -> str:
        return format_date(value, "long", locale=self.locale)

    def moment(self, value: datetime, zone: str) -> str:
        """A time in ``zone`` (the station's): date and minutes, e.g. ``1 Mar 2026, 14:05``."""
        local = value.astimezone(ZoneInfo(zone))
        day = format_date(local.date(), "medium", locale=self.locale)
        return f"{day}, {format_time(local.time(), 'short', locale=self.locale)}"

    def unit(self, unit: str) -> str:
        return _UNITS[self.language].get(unit, unit)

"""Invoice documents: what an issued invoice or credit note says, ready to be rendered.

The billing code fills an ``InvoiceDocument`` from the pricing engine's cost and
snapshots of the seller (the provider) and the buyer (the driver) as they were
at issue, then renders it (``shared.invoices``) and stores it. Amounts are
``Decimal``, already rounded by the caller to the currency's minor unit (unit
prices excepted: they keep their own precision). The model refuses a document
that does not add up, so a billing bug can never reach a legal document:

- per VAT rate, the lines' amounts excl. VAT add up to that rate's base;
- the bases and the VAT amounts add up to the totals, and incl. = excl. + VAT.

A credit note (a refund) carries amounts as positive numbers, the number of the
invoice it corrects and a reason. Numbers read ``<PREFIX>-<year>-<sequence>``
(``ACME-2026-000123``), gapless per provider and year; ``document_number`` formats them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, PlainSerializer, field_validator, model_validator

from shared.domain.iso import CountryCode, CurrencyCode
from shared.domain.model import ApiModel
from shared.domain.pricing import minor_unit

__all__ = [
    "Buyer",
    "DocumentKind",
    "InvoiceDocument",
    "InvoiceLine",
    "LineUnit",
    "PostalAddress",
    "Seller",
    "SessionReference",
    "VatLine",
    "document_number",
]

DocumentKind = Literal["invoice", "credit_note"]
LineUnit = Literal["kWh", "h", "min", "session", "item"]
NUMBER = r"^[A-Z0-9]{1,16}(?:-[A-Z0-9]{1,16})?-\d{4}-\d{6,}$"
_PREFIX = re.compile(r"[A-Z0-9]{1,16}(?:-[A-Z0-9]{1,16})?")

Amount = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")]
Name = Annotated[str, Field(min_length=1, max_length=500)]
Text = Annotated[str, Field(min_length=1, max_length=1000)]


def document_number(prefix: str, year: int, sequence: int) -> str:
    """``ACME-2026-000123``: the provider's prefix, the year, the sequence (six digits, more when needed)."""
    if not _PREFIX.fullmatch(prefix) or not 2000 <= year <= 9999 or sequence < 1:
        raise ValueError(f"not a document number: prefix {prefix!r}, year {year}, sequence {sequence}")
    return f"{prefix}-{year:04d}-{sequence:06d}"


class _Frozen(ApiModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)


class PostalAddress(_Frozen):
    lines: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = Field(min_length=1, max_length=4)
    postal_code: str = Field(max_length=20)
    city: str = Field(min_length=1, max_length=200)
    country: CountryCode


class Seller(_Frozen):
    legal_name: Name
    address: PostalAddress | None = None  # a provider that gave none yet
    vat_id: str = Field(min_length=2, max_length=30)
    email: str | None = Field(default=None, max_length=320)


class Buyer(_Frozen):
    name: Name
    email: str = Field(min_length=3, max_length=320)
    address: PostalAddress | None = None
    vat_id: str | None = Field(default=None, max_length=30)


class InvoiceLine(_Frozen):
    description: Text
    quantity: Amount  # in ``unit``, as precise as it was measured
    unit: LineUnit
    unit_price_excl_vat: Amount | None  # None when several prices made up the line (the amount tells)
    vat_rate: Amount = Field(ge=0, le=100)  # percent
    amount_excl_vat: Amount  # rounded; negative for a discount


class VatLine(_Frozen):
    rate: Amount = Field(ge=0, le=100)
    base_excl_vat: Amount
    vat: Amount = Field(ge=0)


class SessionReference(_Frozen):
    session_id: str = Field(min_length=1, max_length=200)
    station_name: Name
    connector: str = Field(min_length=1, max_length=100)
    started_at: datetime
    ended_at: datetime
    energy_kwh: Amount = Field(ge=0)
    time_zone: str = "UTC"  # IANA zone of the station: the times are shown in it

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"not an IANA time zone: {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _period(self) -> SessionReference:
        if self.started_at.utcoffset() is None or self.ended_at.utcoffset() is None:
            raise ValueError("session times need a time zone")
        if self.ended_at < self.started_at:
            raise ValueError("a session ends after it starts")
        return self


class InvoiceDocument(_Frozen):
    kind: DocumentKind = "invoice"
    number: str = Field(pattern=NUMBER)
    issue_date: date
    seller: Seller
    buyer: Buyer
    currency: CurrencyCode
    lines: tuple[InvoiceLine, ...] = Field(min_length=1, max_length=100)
    vat_breakdown: tuple[VatLine, ...] = Field(min_length=1, max_length=10)
    total_excl_vat: Amount = Field(ge=0)
    total_vat: Amount = Field(ge=0)
    total_incl_vat: Amount = Field(ge=0)
    session: SessionReference | None = None
    payment_reference: str | None = Field(default=None, max_length=200)
    original_invoice_number: str | None = Field(default=None, pattern=NUMBER)  # credit notes only
    reason: Text | None = None  # credit notes only

    @model_validator(mode="after")
    def _adds_up(self) -> InvoiceDocument:
        corrects = (self.original_invoice_number is not None, self.reason is not None)
        if corrects != ((True, True) if self.kind == "credit_note" else (False, False)):
            raise ValueError("a credit note, and only a credit note, has an original invoice number and a reason")
        step = Decimal(1).scaleb(-minor_unit(self.currency))
        amounts = [self.total_excl_vat, self.total_vat, self.total_incl_vat]
        amounts += [line.amount_excl_vat for line in self.lines]
        amounts += [a for v in self.vat_breakdown for a in (v.base_excl_vat, v.vat)]
        if any(a != a.quantize(step) for a in amounts):
            raise ValueError(f"amounts must be rounded to the minor unit of {self.currency} ({step})")
        per_rate: defaultdict[Decimal, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            per_rate[line.vat_rate] += line.amount_excl_vat
        bases = {v.rate: v.base_excl_vat for v in self.vat_breakdown}
        if len(bases) != len(self.vat_breakdown) or bases != dict(per_rate):
            raise ValueError("the VAT breakdown must have one line per rate, each the sum of that rate's lines")
        if sum(bases.values()) != self.total_excl_vat or sum(v.vat for v in self.vat_breakdown) != self.total_vat:
            raise ValueError("the VAT breakdown must add up to the totals")
        if self.total_excl_vat + self.total_vat != self.total_incl_vat:
            raise ValueError("total incl. VAT must be total excl. VAT plus VAT")
        return self

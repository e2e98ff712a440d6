"""Issued invoices and credit notes as stored (``invoices`` container, partition ``/providerId``).

The record carries the rendered ``InvoiceDocument`` (what the PDF says, frozen at issue), the
numbers the lists show, and where the HTML and PDF are in the BlobStore. Its id is derived from
what it bills (``inv_<sessionId>``; a credit note ``cn_<refundId>``), so a retried issue finds the
record it started and keeps its number (``shared.services.invoice_numbers``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_serializer

from shared.domain.invoices import DocumentKind, InvoiceDocument
from shared.domain.model import ApiModel
from shared.domain.sessions import sortable_time

__all__ = ["InvoicePublic", "InvoiceRecord", "credit_note_id_for", "invoice_id_for"]


def invoice_id_for(session_id: str) -> str:
    return f"inv_{session_id}"


def credit_note_id_for(refund_id: str) -> str:
    return f"cn_{refund_id}"


class InvoiceRecord(ApiModel):
    id: str
    type: Literal["invoice"] = "invoice"
    kind: DocumentKind = "invoice"
    status: Literal["draft", "issued"] = "draft"  # draft: numbered or not yet, documents not stored
    provider_id: str
    user_id: str
    station_id: str
    session_id: str
    payment_id: str
    year: int
    sequence: int | None = None  # set once numbered (by this issue, or settled by the next one)
    number: str | None = None
    issue_date: date | None = None
    currency: str
    total_excl_vat: Decimal | None = None
    total_vat: Decimal | None = None
    total_incl_vat: Decimal | None = None
    language: str = "en"
    document: InvoiceDocument | None = None
    html_blob: str | None = None
    pdf_blob: str | None = None
    original_invoice_id: str | None = None  # credit notes: the invoice they correct
    refund_id: str | None = None
    reason: str | None = None
    created_at: datetime
    issued_at: datetime | None = None
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @field_serializer("created_at")
    def _sortable(self, at: datetime) -> str:
        return sortable_time(at)  # lists sort on it


class InvoicePublic(ApiModel):
    """An invoice or credit note as the API lists it; the document and the PDF link come with one read."""

    id: str
    kind: DocumentKind
    number: str
    issue_date: date
    provider_id: str
    user_id: str
    station_id: str
    session_id: str
    currency: str
    total_excl_vat: str
    total_vat: str
    total_incl_vat: str
    original_invoice_id: str | None = None
    reason: str | None = None
    pdf_url: str
    document: InvoiceDocument | None = None

    @classmethod
    def of(cls, record: InvoiceRecord, *, with_document: bool = False) -> InvoicePublic:
        assert record.number is not None and record.issue_date is not None  # only issued records are shown
        return cls(
            id=record.id,
            kind=record.kind,
            number=record.number,
            issue_date=record.issue_date,
            provider_id=record.provider_id,
            user_id=record.user_id,
            station_id=record.station_id,
            session_id=record.session_id,
            currency=record.currency,
            total_excl_vat=format(record.total_excl_vat or Decimal(0), "f"),
            total_vat=format(record.total_vat or Decimal(0), "f"),
            total_incl_vat=format(record.total_incl_vat or Decimal(0), "f"),
            original_invoice_id=record.original_invoice_id,
            reason=record.reason,
            pdf_url=f"/api/invoices/{record.id}/pdf",
            document=record.document if with_document else None,
        )

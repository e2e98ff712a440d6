"""Invoices and credit notes over HTTP: lists, one document, its PDF.

A driver sees their own; a provider's admins and staff their provider's (``?providerId=``); a
platform admin any (``?providerId=`` or ``?userId=``). Anyone else gets 404, as if it did not exist.
"""

from __future__ import annotations

from pydantic import Field

from functions.payments import api
from shared.domain.invoice_records import InvoicePublic
from shared.domain.invoices import DocumentKind
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.ports.blobs import content_disposition
from shared.services import invoice_queries


class InvoiceListQuery(ListQuery):
    provider_id: str | None = Field(default=None, max_length=100)
    user_id: str | None = Field(default=None, max_length=100)
    kind: DocumentKind | None = None
    session_id: str | None = Field(default=None, max_length=200)


@api.route(
    "invoices",
    query=InvoiceListQuery,
    response=Paged[InvoicePublic],
    errors=(403, 404),
    summary="Invoices and credit notes, newest first: yours, or a provider's (?providerId=)",
)
async def list_invoices(call: Call) -> Paged[InvoicePublic]:
    q: InvoiceListQuery = call.query
    items, token = await invoice_queries.list_invoices(
        call.deps,
        call.principal,
        provider_id=q.provider_id,
        user_id=q.user_id,
        kind=q.kind,
        session_id=q.session_id,
        limit=q.limit,
        continuation=q.continuation_token,
    )
    return Paged[InvoicePublic](items=items, continuation_token=token)


@api.route(
    "invoices/{invoiceId}",
    response=InvoicePublic,
    errors=(404,),
    summary="One invoice or credit note with its document",
)
async def get_invoice(call: Call) -> InvoicePublic:
    return await invoice_queries.read_invoice(call.deps, call.principal, call.route["invoiceId"])


@api.route(
    "invoices/{invoiceId}/pdf",
    response=bytes,
    content_types=("application/pdf",),
    errors=(404,),
    summary="The PDF: a redirect (302) to a time-limited link where storage signs one, else the file itself",
)
async def get_invoice_pdf(call: Call) -> Reply:
    pdf = await invoice_queries.invoice_pdf(call.deps, call.principal, call.route["invoiceId"])
    if pdf.url is not None:
        return Reply.redirect(pdf.url, headers={"Cache-Control": "no-store"})
    assert pdf.data is not None
    headers = {"Content-Disposition": content_disposition(pdf.file_name), "Cache-Control": "private, no-store"}
    return Reply.binary(pdf.data, "application/pdf", headers=headers)

"""Reading issued invoices and credit notes: lists, one document, its PDF (DESIGN section 7).

Records live in ``invoices`` (partition ``/providerId``); a provider's list is one partition, a
driver's is cross-partition on ``userId``. Only ``issued`` records are shown: a draft has no
number or no stored PDF yet. Statements share the container and are left out by ``type``.
The PDF comes from the BlobStore: a signed link where the store can sign one (Blob Storage,
answered with a redirect), else the bytes themselves (the local folder store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.domain.errors import NotFound
from shared.domain.invoice_records import InvoicePublic, InvoiceRecord
from shared.domain.invoices import DocumentKind
from shared.domain.principal import Principal, guard
from shared.ports.blobs import BlobNotFound
from shared.ports.store import Filter, Query
from shared.services.billing_access import readable, scope

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["InvoicePdf", "invoice_pdf", "list_invoices", "read_invoice"]

C = "invoices"
_NOT_FOUND = ("invoice_not_found", "No such invoice.")


async def list_invoices(
    deps: Deps,
    who: Principal | None,
    *,
    provider_id: str | None,
    user_id: str | None,
    kind: DocumentKind | None,
    session_id: str | None,
    limit: int,
    continuation: str | None,
) -> tuple[list[InvoicePublic], str | None]:
    """Newest first; see ``billing_access.scope`` for whose."""
    provider, user = scope(who, provider_id, user_id)
    where = [Filter("type", "eq", "invoice"), Filter("status", "eq", "issued")]
    if provider is not None:
        where.append(Filter("providerId", "eq", provider))  # the Cosmos stand-in needs it besides the partition
    if user is not None:
        where.append(Filter("userId", "eq", user))
    if kind is not None:
        where.append(Filter("kind", "eq", kind))
    if session_id is not None:
        where.append(Filter("sessionId", "eq", session_id))
    page = await deps.store.query(
        C,
        Query(
            tuple(where),
            order_by="createdAt",
            descending=True,
            limit=limit,
            continuation=continuation,
            partition_key=provider,
        ),
    )
    return [InvoicePublic.of(InvoiceRecord.model_validate(d)) for d in page.items], page.continuation


async def _issued(deps: Deps, who: Principal | None, invoice_id: str) -> InvoiceRecord:
    where = (Filter("id", "eq", invoice_id), Filter("type", "eq", "invoice"))
    page = await deps.store.query(C, Query(where, limit=1))
    user = guard.signed_in(who)
    record = InvoiceRecord.model_validate(page.items[0]) if page.items else None
    code, detail = _NOT_FOUND
    if record is None or record.status != "issued" or record.number is None:
        raise NotFound(detail, code=code)
    readable(user, provider_id=record.provider_id, user_id=record.user_id, code=code, detail=detail)
    return record


async def read_invoice(deps: Deps, who: Principal | None, invoice_id: str) -> InvoicePublic:
    """The invoice or credit note with its document; 404 for anyone who may not see it."""
    return InvoicePublic.of(await _issued(deps, who, invoice_id), with_document=True)


@dataclass(frozen=True, slots=True)
class InvoicePdf:
    file_name: str
    url: str | None = None  # a signed, time-limited link (redirect to it) ...
    data: bytes | None = None  # ... or the bytes, where the store cannot sign one


async def invoice_pdf(deps: Deps, who: Principal | None, invoice_id: str) -> InvoicePdf:
    record = await _issued(deps, who, invoice_id)
    assert record.number is not None
    file_name = f"{record.number}.pdf"
    container, blob = deps.settings.invoices_container, record.pdf_blob
    if blob is None:
        raise NotFound("The invoice has no PDF.", code="invoice_pdf_not_found")
    ttl = timedelta(seconds=deps.settings.invoice_link_ttl_seconds)
    url = await deps.blobs.url_for(container, blob, ttl, download_name=file_name)
    if url is not None:
        return InvoicePdf(file_name, url=url)
    try:
        return InvoicePdf(file_name, data=await deps.blobs.get(container, blob))
    except BlobNotFound as exc:
        raise NotFound("The invoice's PDF is missing.", code="invoice_pdf_not_found") from exc

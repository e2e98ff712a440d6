"""Promo codes in the ``stations`` container (partition ``/providerId``), id ``promo:<CODE>``."""

from __future__ import annotations

from shared.domain.errors import Conflict, NotFound
from shared.domain.promotions import PromoCode, promo_id
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, Query

__all__ = ["add_promo", "get_promo", "list_promos", "save_promo"]

C = "stations"


async def get_promo(store: DocumentStore, provider_id: str, code: str) -> PromoCode:
    try:
        doc = await store.read(C, promo_id(code), provider_id)
    except DocumentNotFound as exc:
        raise NotFound("The provider has no such promo code.", code="promo_not_found") from exc
    return PromoCode.model_validate(doc)


async def add_promo(store: DocumentStore, promo: PromoCode) -> PromoCode:
    try:
        return PromoCode.model_validate(await store.create(C, promo.model_dump(mode="json")))
    except DocumentConflict as exc:
        raise Conflict(f"The provider already has the promo code {promo.code}.", code="promo_code_taken") from exc


async def save_promo(store: DocumentStore, promo: PromoCode, *, etag: str | None) -> PromoCode:
    """Replace under ``etag``; a stale one raises the store's ``PreconditionFailed``."""
    return PromoCode.model_validate(await store.replace(C, promo.model_dump(mode="json"), etag=etag))


async def list_promos(
    store: DocumentStore, provider_id: str, *, limit: int, continuation: str | None
) -> tuple[list[PromoCode], str | None]:
    # providerId in WHERE too: the Cosmos stand-in ignores partition_key in queries (DESIGN section 10).
    filters = (Filter("type", "eq", "promoCode"), Filter("providerId", "eq", provider_id))
    query = Query(filters, order_by="code", limit=limit, continuation=continuation, partition_key=provider_id)
    page = await store.query(C, query)
    return [PromoCode.model_validate(d) for d in page.items], page.continuation

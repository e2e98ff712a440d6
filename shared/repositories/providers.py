"""Providers, their applications and staff invites in the ``providers`` container (partition ``/id``)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

from shared.domain.errors import Conflict, NotFound
from shared.domain.providers import ApplicationStatus, Provider, ProviderApplication, StaffInvite
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query

__all__ = [
    "add_application",
    "add_invite",
    "add_provider",
    "find_application",
    "find_invite",
    "get_provider",
    "latest_application",
    "list_applications",
    "list_invites",
    "query_page",
    "require_active_provider",
    "save_application",
    "save_invite",
    "save_provider",
]

C = "providers"
M = TypeVar("M", bound=BaseModel)
# Ids come from routes and tokens: anything else (a "/" would change a Cosmos resource path) is simply not found.
_ID = re.compile(r"^(prv|pap|sti)_[A-Za-z0-9_\-]{1,64}$")


async def _find(store: DocumentStore, model: type[M], doc_id: str, prefix: str) -> M | None:
    if not doc_id.startswith(prefix) or not _ID.match(doc_id):
        return None
    try:
        return model.model_validate(await store.read(C, doc_id, doc_id))
    except DocumentNotFound:
        return None


async def _create(store: DocumentStore, doc: BaseModel) -> dict[str, Any]:
    return await store.create(C, doc.model_dump(mode="json"))


async def query_page(
    store: DocumentStore, container: str, filters: tuple[Filter, ...], *, limit: int, continuation: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a listing. No ORDER BY: these listings cross partitions, and the Cosmos SDK's
    cross-partition ORDER BY continuation tokens are known to break on resume (see the Cosmos adapter)."""
    page = await store.query(container, Query(filters, limit=limit, continuation=continuation))
    return page.items, page.continuation


async def get_provider(store: DocumentStore, provider_id: str) -> Provider:
    provider = await _find(store, Provider, provider_id, "prv_")
    if provider is None:
        raise NotFound("No such provider.", code="provider_not_found")
    return provider


async def require_active_provider(store: DocumentStore, provider_id: str) -> Provider:
    """The provider, if it may still change things: station and charger writes call this first."""
    provider = await get_provider(store, provider_id)
    if provider.status != "active":
        raise Conflict("The provider is suspended; its data is read-only.", code="provider_suspended")
    return provider


async def add_provider(store: DocumentStore, provider: Provider) -> Provider:
    """Create, or return the one an earlier attempt at the same approval created (the id is derived)."""
    try:
        return Provider.model_validate(await _create(store, provider))
    except DocumentConflict:
        existing = await get_provider(store, provider.id)
        if existing.application_id != provider.application_id:
            raise Conflict("A provider with this id exists.", code="provider_exists") from None
        return existing


async def save_provider(store: DocumentStore, provider: Provider, *, etag: str | None) -> Provider:
    return Provider.model_validate(await store.replace(C, provider.model_dump(mode="json"), etag=etag))


async def find_application(store: DocumentStore, application_id: str) -> ProviderApplication | None:
    return await _find(store, ProviderApplication, application_id, "pap_")


def _pending(**extensions: str) -> Conflict:
    return Conflict("You already have a pending application.", code="application_pending", **extensions)


async def add_application(store: DocumentStore, application: ProviderApplication) -> ProviderApplication:
    """Write ``application`` as its applicant's one pending application.

    Cosmos has no unique index beyond the id, so a claim document per applicant
    (``applicant:<userId>``) points to their latest application. The claim is
    created or moved under its ETag after the application is written: of two
    concurrent applications only one moves it, the other is deleted again.
    """
    claim_id = f"applicant:{application.applicant_user_id}"
    try:
        claim: dict[str, Any] | None = await store.read(C, claim_id, claim_id)
    except DocumentNotFound:
        claim = None
    if claim is not None:
        held = await find_application(store, claim["applicationId"])
        if held is not None and held.status == "pending":
            raise _pending(applicationId=held.id)
    saved = ProviderApplication.model_validate(await _create(store, application))
    new_claim = {"id": claim_id, "type": "applicationClaim", "applicationId": saved.id}
    try:
        if claim is None:
            await store.create(C, new_claim)
        else:
            await store.replace(C, new_claim, etag=claim["_etag"])
    except (DocumentConflict, PreconditionFailed):
        await store.delete(C, saved.id, saved.id)
        raise _pending() from None
    return saved


async def latest_application(store: DocumentStore, user_id: str) -> ProviderApplication | None:
    """The user's latest application: the one their ``applicant:<userId>`` claim points to (two point reads)."""
    claim_id = f"applicant:{user_id}"
    try:
        claim = await store.read(C, claim_id, claim_id)
    except DocumentNotFound:
        return None
    application = await find_application(store, str(claim.get("applicationId", "")))
    return application if application is not None and application.applicant_user_id == user_id else None


async def save_application(
    store: DocumentStore, application: ProviderApplication, *, etag: str | None
) -> ProviderApplication:
    return ProviderApplication.model_validate(await store.replace(C, application.model_dump(mode="json"), etag=etag))


async def list_applications(
    store: DocumentStore, *, status: ApplicationStatus | None, limit: int, continuation: str | None
) -> tuple[list[ProviderApplication], str | None]:
    filters = [Filter("type", "eq", "providerApplication")]
    if status is not None:
        filters.append(Filter("status", "eq", status))
    items, token = await query_page(store, C, tuple(filters), limit=limit, continuation=continuation)
    return [ProviderApplication.model_validate(d) for d in items], token


async def find_invite(store: DocumentStore, invite_id: str) -> StaffInvite | None:
    return await _find(store, StaffInvite, invite_id, "sti_")


async def add_invite(store: DocumentStore, invite: StaffInvite) -> StaffInvite:
    return StaffInvite.model_validate(await _create(store, invite))


async def save_invite(store: DocumentStore, invite: StaffInvite, *, etag: str | None) -> StaffInvite:
    return StaffInvite.model_validate(await store.replace(C, invite.model_dump(mode="json"), etag=etag))


async def list_invites(
    store: DocumentStore, provider_id: str, *, limit: int, continuation: str | None
) -> tuple[list[StaffInvite], str | None]:
    filters = (Filter("type", "eq", "staffInvite"), Filter("providerId", "eq", provider_id))
    items, token = await query_page(store, C, filters, limit=limit, continuation=continuation)
    return [StaffInvite.model_validate(d) for d in items], token

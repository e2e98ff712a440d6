"""Tariff heads (``trf_...``) and their immutable versions (``trf_...:v<n>``) in the ``stations`` container.

The partition is ``/providerId``. The container also holds stations and promo codes, so every query
filters on ``type``; and on ``providerId`` too, because the Cosmos stand-in ignores ``partition_key``
in queries (DESIGN section 10).
"""

from __future__ import annotations

from shared.domain.errors import NotFound
from shared.domain.tariffs import Tariff, TariffVersion
from shared.ports.store import DocumentNotFound, DocumentStore, Filter, Query

__all__ = [
    "add_tariff",
    "add_tariff_version",
    "find_tariff",
    "get_tariff",
    "get_tariff_version",
    "list_tariff_versions",
    "list_tariffs",
    "save_tariff",
    "stations_priced_by",
    "version_id",
]

C = "stations"


def version_id(tariff_id: str, version: int) -> str:
    return f"{tariff_id}:v{version}"


def _missing() -> NotFound:
    return NotFound("No such tariff.", code="tariff_not_found")


async def get_tariff(store: DocumentStore, provider_id: str, tariff_id: str) -> Tariff:
    try:
        doc = await store.read(C, tariff_id, provider_id)
    except DocumentNotFound as exc:
        raise _missing() from exc
    if doc.get("type") != "tariff":
        raise _missing()
    return Tariff.model_validate(doc)


async def find_tariff(store: DocumentStore, tariff_id: str) -> Tariff:
    """The head by id alone (routes name a tariff without its provider): a cross-partition query."""
    query = Query((Filter("type", "eq", "tariff"), Filter("id", "eq", tariff_id)), limit=1)
    while True:
        page = await store.query(C, query)  # a cross-partition page may be empty yet continue
        if page.items:
            return Tariff.model_validate(page.items[0])
        if page.continuation is None:
            raise _missing()
        query = Query(query.filters, limit=1, continuation=page.continuation)


async def get_tariff_version(
    store: DocumentStore, provider_id: str, tariff_id: str, version: int | None = None
) -> TariffVersion:
    """A version of a tariff, by default the current one.

    Billing keeps the version in force at a session's start and reads exactly that one later.
    """
    if version is None:
        version = (await get_tariff(store, provider_id, tariff_id)).current_version
    try:
        doc = await store.read(C, version_id(tariff_id, version), provider_id)
    except DocumentNotFound as exc:
        raise NotFound(f"Tariff {tariff_id} has no version {version}.", code="tariff_version_not_found") from exc
    return TariffVersion.model_validate(doc)


async def add_tariff(store: DocumentStore, tariff: Tariff) -> Tariff:
    return Tariff.model_validate(await store.create(C, tariff.model_dump(mode="json")))


async def save_tariff(store: DocumentStore, tariff: Tariff, *, etag: str | None) -> Tariff:
    """Replace under ``etag``; a stale one raises the store's ``PreconditionFailed``."""
    return Tariff.model_validate(await store.replace(C, tariff.model_dump(mode="json"), etag=etag))


async def add_tariff_version(store: DocumentStore, version: TariffVersion) -> TariffVersion:
    """Create a version; an existing number raises the store's ``DocumentConflict`` (the number is taken)."""
    doc = version.model_dump(mode="json", exclude_none=True)
    return TariffVersion.model_validate(await store.create(C, doc))


async def list_tariffs(
    store: DocumentStore, provider_id: str, *, limit: int, continuation: str | None
) -> tuple[list[Tariff], str | None]:
    filters = (Filter("type", "eq", "tariff"), Filter("providerId", "eq", provider_id))
    query = Query(filters, order_by="name", limit=limit, continuation=continuation, partition_key=provider_id)
    page = await store.query(C, query)
    return [Tariff.model_validate(d) for d in page.items], page.continuation


async def list_tariff_versions(store: DocumentStore, provider_id: str, tariff_id: str) -> list[TariffVersion]:
    filters = (
        Filter("type", "eq", "tariffVersion"),
        Filter("providerId", "eq", provider_id),
        Filter("tariffId", "eq", tariff_id),
    )
    versions: list[TariffVersion] = []
    continuation: str | None = None
    while True:
        query = Query(filters, order_by="version", limit=100, continuation=continuation, partition_key=provider_id)
        page = await store.query(C, query)
        versions.extend(TariffVersion.model_validate(d) for d in page.items)
        continuation = page.continuation
        if continuation is None:
            return versions


async def stations_priced_by(store: DocumentStore, provider_id: str, tariff_id: str) -> list[str]:
    """Ids of the provider's stations whose own (station-level) tariff is ``tariff_id``."""
    filters = (
        Filter("type", "eq", "station"),
        Filter("providerId", "eq", provider_id),
        Filter("tariffId", "eq", tariff_id),
    )
    ids: list[str] = []
    continuation: str | None = None
    while True:
        page = await store.query(C, Query(filters, limit=100, continuation=continuation, partition_key=provider_id))
        ids.extend(str(d["id"]) for d in page.items)
        continuation = page.continuation
        if continuation is None:
            return ids

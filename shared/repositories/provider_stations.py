"""A provider's status and name, mirrored onto each of its stations (``providerActive``, ``providerName``).

Search reads one station document, so a suspension has to reach every station of
the provider. The stations container is partitioned by provider: that is one
partition's query, then a replace per station under its ETag. Nothing is deleted.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from shared.domain.errors import DependencyFailed
from shared.ports.store import DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query
from shared.repositories.providers import get_provider

__all__ = ["mirror_onto_stations"]

STATIONS = "stations"
_ROUNDS = 5


async def mirror_onto_stations(store: DocumentStore, provider_id: str) -> int:
    """Make every station of the provider show its current status and name; returns how many changed.

    Suspend and reinstate may race: each caller re-reads the provider after its pass
    and goes again if the status moved meanwhile, so the last pass matches the last status.
    """
    changed = 0
    for _ in range(_ROUNDS):
        provider = await get_provider(store, provider_id)
        fields = {"providerActive": provider.status == "active", "providerName": provider.display_name}
        changed += await _update_stations(store, provider_id, fields)
        latest = await get_provider(store, provider_id)
        if (latest.status, latest.display_name) == (provider.status, provider.display_name):
            return changed
    raise DependencyFailed("The provider kept changing while its stations were updated; try again.")


async def _update_stations(store: DocumentStore, provider_id: str, fields: dict[str, Any]) -> int:
    changed = 0
    query = Query((Filter("type", "eq", "station"),), partition_key=provider_id, limit=100)
    while True:
        page = await store.query(STATIONS, query)
        for doc in page.items:
            changed += await _update_station(store, doc, fields)
        if page.continuation is None:
            return changed
        query = dataclasses.replace(query, continuation=page.continuation)


async def _update_station(store: DocumentStore, doc: dict[str, Any], fields: dict[str, Any]) -> int:
    # The document is written back as read, only ``fields`` changed: fields this module
    # does not know about (the stations capability owns the shape) survive.
    for _ in range(_ROUNDS):
        if all(doc.get(k) == v for k, v in fields.items()):
            return 0
        try:
            await store.replace(STATIONS, {**doc, **fields}, etag=doc["_etag"])
            return 1
        except PreconditionFailed:
            try:
                doc = await store.read(STATIONS, doc["id"], doc["providerId"])
            except DocumentNotFound:
                return 0
    raise DependencyFailed(f"Station {doc['id']} kept changing; try again.")

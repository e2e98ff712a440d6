"""RFID tags a driver registers to start charging at a charger (OCPP idTag)."""

from __future__ import annotations

from shared.domain.errors import Conflict, NotFound
from shared.domain.users import RfidTag, RfidTagCreate, RfidTagUpdate
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, Query

__all__ = ["add_tag", "find_tag", "list_tags", "remove_tag", "update_tag"]

C = "users"


async def find_tag(store: DocumentStore, id_tag: str) -> RfidTag | None:
    """The tag as the charger sends it (idTags are case-insensitive)."""
    key = RfidTag.key(id_tag)
    try:
        return RfidTag.model_validate(await store.read(C, key, key))
    except DocumentNotFound:
        return None


async def _own(store: DocumentStore, user_id: str, id_tag: str) -> RfidTag:
    tag = await find_tag(store, id_tag)
    if tag is None or tag.user_id != user_id:
        raise NotFound("You have no such RFID tag.", code="rfid_tag_not_found")
    return tag


async def add_tag(store: DocumentStore, clock: Clock, user_id: str, cmd: RfidTagCreate) -> RfidTag:
    tag = RfidTag(
        id=RfidTag.key(cmd.id_tag),
        id_tag=cmd.id_tag.upper(),
        user_id=user_id,
        label=cmd.label,
        expires_at=cmd.expires_at,
        created_at=clock.now(),
    )
    try:
        return RfidTag.model_validate(await store.create(C, tag.model_dump(mode="json")))
    except DocumentConflict as exc:
        raise Conflict("This RFID tag is already registered.", code="rfid_tag_taken") from exc


async def list_tags(store: DocumentStore, user_id: str) -> list[RfidTag]:
    query = Query((Filter("type", "eq", "idTag"), Filter("userId", "eq", user_id)), order_by="idTag", limit=100)
    tags: list[RfidTag] = []
    while True:
        page = await store.query(C, query)
        tags.extend(RfidTag.model_validate(d) for d in page.items)
        if page.continuation is None:
            return tags
        query = Query(query.filters, order_by="idTag", limit=100, continuation=page.continuation)


async def update_tag(store: DocumentStore, user_id: str, id_tag: str, cmd: RfidTagUpdate) -> RfidTag:
    tag = await _own(store, user_id, id_tag)
    updated = tag.model_copy(update=cmd.model_dump(exclude_none=True, by_alias=False))
    return RfidTag.model_validate(await store.replace(C, updated.model_dump(mode="json"), etag=tag.etag))


async def remove_tag(store: DocumentStore, user_id: str, id_tag: str) -> None:
    tag = await _own(store, user_id, id_tag)
    await store.delete(C, tag.id, tag.id, etag=tag.etag)

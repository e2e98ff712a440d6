"""In-app notifications: stored once per queue message and recipient, listed newest first, marked read.

The ``notifications`` container is partitioned by ``/userId``, so a user's list is one partition; each
document expires after NOTIFICATION_TTL_DAYS by its own ``ttl``.
"""

from __future__ import annotations

from datetime import datetime

from shared.domain.errors import NotFound
from shared.domain.notifications import Notification
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query

__all__ = ["list_notifications", "mark_read", "store_notification"]

C = "notifications"
_ATTEMPTS = 5


async def store_notification(store: DocumentStore, notification: Notification) -> bool:
    """Create it; False if it exists already (a redelivered message)."""
    try:
        await store.create(C, notification.model_dump(mode="json", by_alias=True))
    except DocumentConflict:
        return False
    return True


async def list_notifications(
    store: DocumentStore, user_id: str, *, unread_only: bool, limit: int, continuation: str | None
) -> tuple[list[Notification], str | None]:
    filters = [Filter("type", "eq", "notification"), Filter("userId", "eq", user_id)]
    if unread_only:
        filters.append(Filter("readAt", "eq", None))
    query = Query(
        tuple(filters), order_by="createdAt", descending=True, limit=limit, continuation=continuation,
        partition_key=user_id,
    )  # fmt: skip
    page = await store.query(C, query)
    return [Notification.model_validate(d) for d in page.items], page.continuation


async def mark_read(store: DocumentStore, user_id: str, notification_id: str, now: datetime) -> Notification:
    """Mark one of the user's notifications read (again: no change). Another user's is not found."""
    for _ in range(_ATTEMPTS):
        try:
            current = Notification.model_validate(await store.read(C, notification_id, user_id))
        except DocumentNotFound:
            raise NotFound("No such notification.", code="notification_not_found") from None
        if current.read_at is not None:
            return current
        done = current.model_copy(update={"read_at": now})
        try:
            saved = await store.replace(C, done.model_dump(mode="json", by_alias=True), etag=current.etag)
            return Notification.model_validate(saved)
        except PreconditionFailed:
            continue
    raise NotFound("No such notification.", code="notification_not_found")

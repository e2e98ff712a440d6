"""Notifications from reviews and problem reports, sent through an outbox on the document that causes them.

A message is written into the review's or problem's ``pendingMessages`` with the change (one write),
then published on the notifications queue and cleared; what a crash or a bus outage leaves behind the
``reviews_outbox`` timer publishes later. Message ids are derived from the change (``notify:<kind>:...``),
so a second publication is dropped downstream. Shapes: docs/reviews.md.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from shared.domain.messages import Message
from shared.domain.notifications import KINDS
from shared.domain.problem_reports import ProblemReport
from shared.domain.reviews import Outbox, Review
from shared.ports.store import DocumentNotFound
from shared.repositories import reviews as repo
from shared.services.events import event_id
from shared.services.outbox import clear_published, publish_in_order

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["flush", "flush_outbox", "notification", "queued"]

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Outbox)


def notification(kind: str, key: tuple[object, ...], body: dict[str, Any], *, tenant_id: str, at: datetime) -> Message:
    return Message(
        id=event_id("notify", kind, *key), type=kind, occurred_at=at, tenant_id=tenant_id, body={"kind": kind, **body}
    )


def queued(model: M, *messages: Message) -> M:
    """``model`` with ``messages`` in its outbox: those of a kind the sender knows (``KINDS``); any other
    would only fail there and end as a dead letter."""
    known = [m for m in messages if m.type in KINDS]
    pending = [*model.pending_messages, *(m.model_dump(mode="json", by_alias=True) for m in known)]
    return model.model_copy(update={"pending_messages": pending, "has_pending_messages": bool(pending)})


async def flush(deps: Deps, model: M) -> M:
    """Publish the document's pending notifications, then clear those that went out (under its ETag)."""
    if not model.pending_messages:
        return model

    async def publish(raw: dict[str, Any]) -> None:
        await deps.bus.publish(deps.settings.notifications_queue, Message.model_validate(raw))

    async def save(current: M, left: list[dict[str, Any]]) -> M:
        doc = {**current.model_dump(mode="json"), "pendingMessages": left, "hasPendingMessages": bool(left)}
        return type(model).model_validate(await deps.store.replace(repo.C, doc, etag=current.etag))

    async def reread(current: M) -> M | None:
        doc = current.model_dump(mode="json")
        try:
            return type(model).model_validate(await deps.store.read(repo.C, doc["id"], doc["stationId"]))
        except DocumentNotFound:
            return None

    def message_id(raw: dict[str, Any]) -> str:
        return str(raw["id"])

    owner = str(getattr(model, "id", type(model).__name__))
    published = await publish_in_order(model.pending_messages, publish, message_id=message_id, owner=owner)
    return await clear_published(
        model, published, entries=lambda m: m.pending_messages, message_id=message_id, save=save, reread=reread
    )


async def flush_outbox(deps: Deps, *, limit: int = 100) -> int:
    """The timer: publish what earlier flushes could not. Returns how many documents it found."""
    docs = await repo.pending_outbox(deps.store, limit)
    for doc in docs:
        model: Outbox = Review.model_validate(doc) if doc.get("type") == "review" else ProblemReport.model_validate(doc)
        await flush(deps, model)
    return len(docs)

"""Publishing domain events to the ``session-events`` topic (DESIGN section 5).

Every event id is derived from what happened (``SessionStarted:ses_...``), never
drawn at random: a state change whose event is published twice (a retried
frame, a republished outbox entry) produces the same id, which Service Bus
duplicate detection and the consumers' processed-message records both drop.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.domain.messages import Message

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["event_id", "publish_session_event", "session_event"]


def event_id(type_: str, *parts: object) -> str:
    """A stable id for the event ``type_`` about ``parts`` (hashed when long, ids stay under 128 chars)."""
    key = ":".join(str(p) for p in parts)
    if len(key) > 80:
        key = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"{type_}:{key}"


def session_event(
    type_: str, body: dict[str, Any], *, tenant_id: str, key: tuple[object, ...], occurred_at: datetime
) -> Message:
    return Message(id=event_id(type_, *key), type=type_, occurred_at=occurred_at, tenant_id=tenant_id, body=body)


async def publish_session_event(deps: Deps, message: Message) -> None:
    await deps.bus.publish(deps.settings.session_events_topic, message)

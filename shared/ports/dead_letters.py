"""DeadLetters: messages a consumer gave up on, listed for admins and replayed one at a time.

Beside the EventBus port because only the admin API needs it. Adapters: the durable local bus
(``shared/adapters/embedded/local_dead_letters.py``) and Service Bus' ``$deadletterqueue`` sub-queues
(``shared/adapters/azure/servicebus_dead_letters.py``). A dead letter's id names its entity, its
subscription (empty for a queue) and its sequence number: ``<entity>~<subscription>~<seq>``.
Replaying puts a copy back where the message came from with a fresh delivery count; consumers are
idempotent on the envelope id, so subscriptions that had processed it already do nothing again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["DeadLetterEntry", "DeadLetterSource", "DeadLetters", "parse_id"]


@dataclass(frozen=True)
class DeadLetterSource:
    entity: str  # a queue or a topic
    subscription: str | None = None


@dataclass(frozen=True)
class DeadLetterEntry:
    id: str
    entity: str
    subscription: str | None
    sequence_number: int
    message_id: str
    type: str | None
    reason: str
    description: str | None
    delivery_count: int
    enqueued_at: datetime | None
    dead_lettered_at: datetime | None
    body: str  # the envelope as text, cut to a few KB

    @staticmethod
    def id_of(entity: str, subscription: str | None, seq: int) -> str:
        return f"{entity}~{subscription or ''}~{seq}"


def parse_id(dead_letter_id: str) -> tuple[DeadLetterSource, int] | None:
    parts = dead_letter_id.split("~")
    if len(parts) != 3 or not parts[0] or not parts[2].isdigit():
        return None
    return DeadLetterSource(parts[0], parts[1] or None), int(parts[2])


class DeadLetters(Protocol):
    async def list(self, sources: list[DeadLetterSource], *, limit: int) -> list[DeadLetterEntry]:
        """Dead letters of these entities, oldest first per entity, at most ``limit`` in all."""
        ...

    async def replay(self, source: DeadLetterSource, sequence_number: int) -> bool:
        """Put the dead letter back on its entity (its subscription only, where the bus can); False if absent."""
        ...

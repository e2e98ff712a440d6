"""DeadLetters on the durable local bus: its dead-letter state, through the bus' own methods.

A replay makes the row active again in its own subscription only (the local bus keeps one row per
subscription), with a fresh delivery count, as ``LocalBus.replay_dead_letter`` does.
"""

from __future__ import annotations

from shared.adapters.embedded.local_bus import LocalBus
from shared.ports.dead_letters import DeadLetterEntry, DeadLetterSource

__all__ = ["LocalDeadLetters"]

MAX_BODY = 4000


class LocalDeadLetters:
    def __init__(self, bus: LocalBus) -> None:
        self._bus = bus

    async def list(self, sources: list[DeadLetterSource], *, limit: int) -> list[DeadLetterEntry]:
        out: list[DeadLetterEntry] = []
        for source in sources:
            for d in await self._bus.dead_letters(source.entity, source.subscription):
                out.append(
                    DeadLetterEntry(
                        id=DeadLetterEntry.id_of(d.entity, d.subscription, d.seq),
                        entity=d.entity,
                        subscription=d.subscription,
                        sequence_number=d.seq,
                        message_id=d.message_id,
                        type=d.application_properties.get("type"),
                        reason=d.reason,
                        description=d.description,
                        delivery_count=d.delivery_count,
                        enqueued_at=d.enqueued_at,
                        dead_lettered_at=d.dead_lettered_at,
                        body=d.body[:MAX_BODY].decode("utf-8", errors="replace"),
                    )
                )
                if len(out) >= limit:
                    return out
        return out

    async def replay(self, source: DeadLetterSource, sequence_number: int) -> bool:
        count = await self._bus.replay_dead_letter(source.entity, source.subscription, seq=sequence_number)
        return count > 0

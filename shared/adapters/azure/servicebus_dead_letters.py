"""DeadLetters on Service Bus: the ``$deadletterqueue`` sub-queue of each queue and subscription.

Listing peeks (no lock, nothing changes). Replaying receives from the dead-letter queue under a lock
until it meets the sequence number (a bounded number of rounds), sends a copy to the original queue or
topic, then completes the dead letter; the others it locked are abandoned, back as they were. Service
Bus cannot send to one subscription, so a topic message goes to every subscription again: each
consumer dedupes on the envelope id, and the copy's broker ``message_id`` is new
(``<id>:replay:<seq>``) so that duplicate detection does not drop it. Tested with a recording client
(tests/contract/test_mailers.py's neighbour, tests/functions/test_notifications_dead_letters.py).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from azure.servicebus import ServiceBusMessage, ServiceBusSubQueue

from shared.ports.dead_letters import DeadLetterEntry, DeadLetterSource

__all__ = ["ServiceBusDeadLetters"]

MAX_BODY = 4000
ROUNDS = 20
BATCH = 50


class _Receiver(Protocol):
    async def peek_messages(self, max_message_count: int = 1) -> list[Any]: ...
    async def receive_messages(
        self, max_message_count: int | None = 1, max_wait_time: float | None = None
    ) -> list[Any]: ...
    async def complete_message(self, message: Any) -> None: ...
    async def abandon_message(self, message: Any) -> None: ...
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *args: Any) -> None: ...


class _Sender(Protocol):
    async def send_messages(self, message: ServiceBusMessage, /) -> None: ...
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *args: Any) -> None: ...


class _Client(Protocol):
    def get_queue_receiver(self, queue_name: str, **kwargs: Any) -> _Receiver: ...
    def get_subscription_receiver(self, topic_name: str, subscription_name: str, **kwargs: Any) -> _Receiver: ...
    def get_queue_sender(self, queue_name: str, /) -> _Sender: ...
    def get_topic_sender(self, topic_name: str, /) -> _Sender: ...


def _body(message: Any) -> bytes:
    body = message.body
    return body if isinstance(body, bytes) else b"".join(body)


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class ServiceBusDeadLetters:
    def __init__(self, client: _Client, *, topics: Collection[str], wait_seconds: float = 5.0) -> None:
        self._client = client
        self._topics = frozenset(topics)
        self._wait = wait_seconds

    def _receiver(self, source: DeadLetterSource) -> _Receiver:
        dlq = ServiceBusSubQueue.DEAD_LETTER
        if source.subscription:
            return self._client.get_subscription_receiver(source.entity, source.subscription, sub_queue=dlq)
        return self._client.get_queue_receiver(source.entity, sub_queue=dlq)

    def _entry(self, source: DeadLetterSource, m: Any) -> DeadLetterEntry:
        props = {_text(k): v for k, v in (m.application_properties or {}).items()}
        return DeadLetterEntry(
            id=DeadLetterEntry.id_of(source.entity, source.subscription, m.sequence_number),
            entity=source.entity,
            subscription=source.subscription,
            sequence_number=m.sequence_number,
            message_id=m.message_id or "",
            type=_text(props.get("type")),
            reason=m.dead_letter_reason or "",
            description=m.dead_letter_error_description,
            delivery_count=m.delivery_count or 0,
            enqueued_at=m.enqueued_time_utc,
            dead_lettered_at=None,
            body=_body(m)[:MAX_BODY].decode("utf-8", errors="replace"),
        )

    async def list(self, sources: list[DeadLetterSource], *, limit: int) -> list[DeadLetterEntry]:
        out: list[DeadLetterEntry] = []
        for source in sources:
            async with self._receiver(source) as receiver:
                for m in await receiver.peek_messages(max_message_count=limit - len(out)):
                    out.append(self._entry(source, m))
            if len(out) >= limit:
                break
        return out

    def _copy(self, m: Any) -> ServiceBusMessage:
        props = {k: v for k, v in (m.application_properties or {}).items() if _text(k) not in ("DeadLetterReason",)}
        return ServiceBusMessage(
            _body(m),
            message_id=f"{m.message_id}:replay:{m.sequence_number}",
            content_type=m.content_type,
            correlation_id=m.correlation_id,
            subject=m.subject,
            application_properties=props,
        )

    async def replay(self, source: DeadLetterSource, sequence_number: int) -> bool:
        is_topic = source.subscription is not None or source.entity in self._topics
        async with self._receiver(source) as receiver:
            held: list[Any] = []
            try:
                for _ in range(ROUNDS):
                    batch = await receiver.receive_messages(max_message_count=BATCH, max_wait_time=self._wait)
                    if not batch:
                        return False
                    held.extend(batch)
                    found = next((m for m in batch if m.sequence_number == sequence_number), None)
                    if found is None:
                        continue
                    get = self._client.get_topic_sender if is_topic else self._client.get_queue_sender
                    async with get(source.entity) as sender:
                        await sender.send_messages(self._copy(found))
                    held.remove(found)
                    await receiver.complete_message(found)
                    return True
                return False
            finally:
                for m in held:
                    await receiver.abandon_message(m)

"""Process a message id once per consumer, however often it is delivered.

The marker is written after the work succeeds: a crash in between means the
work runs again on redelivery, so the work itself must tolerate a repeat (the
marker stops the common case, a plain redelivery, from doing it twice).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore

__all__ = ["already_processed", "mark_processed", "process_once"]

C = "processed_messages"
T = TypeVar("T")
KEEP_SECONDS = 14 * 86400  # longer than any redelivery or replay window


_ESCAPES = str.maketrans({"%": "%25", "/": "%2F", "\\": "%5C", "?": "%3F", "#": "%23"})


def _key(consumer: str, message_id: str) -> str:
    """``<consumer>:<message id>``, with the characters a document id may not hold escaped (one to one: no two
    message ids share a key) and a hash for very long ids (Cosmos ids end at 255 characters)."""
    key = f"{consumer}:{message_id.translate(_ESCAPES)}"
    if len(key) > 200:
        key = f"{consumer}:sha256:{hashlib.sha256(message_id.encode()).hexdigest()}"
    return key


async def already_processed(store: DocumentStore, consumer: str, message_id: str) -> bool:
    key = _key(consumer, message_id)
    try:
        await store.read(C, key, key)
        return True
    except DocumentNotFound:
        return False


async def mark_processed(store: DocumentStore, clock: Clock, consumer: str, message_id: str) -> None:
    key = _key(consumer, message_id)
    try:
        await store.create(
            C, {"id": key, "consumer": consumer, "processedAt": clock.now().isoformat(), "ttl": KEEP_SECONDS}
        )
    except DocumentConflict:
        pass


async def process_once(
    store: DocumentStore, clock: Clock, consumer: str, message_id: str, work: Callable[[], Awaitable[T]]
) -> tuple[bool, T | None]:
    """Run ``work`` unless ``consumer`` already processed ``message_id``; (ran, result)."""
    if await already_processed(store, consumer, message_id):
        return False, None
    result = await work()
    await mark_processed(store, clock, consumer, message_id)
    return True, result

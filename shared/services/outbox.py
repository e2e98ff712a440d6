"""Draining a transactional outbox: messages written into the document whose change causes them.

Sessions, payment records, reservations, reviews and problem reports each keep the messages of a change
in the document itself (one write), publish them after the write and then clear what went out. What a
crash or a bus outage leaves behind their timers publish later; message ids are derived from the change,
so a second publication is dropped downstream. The documents differ in where a message goes and how they
are saved; draining is the same for all and lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from shared.ports.store import PreconditionFailed

__all__ = ["clear_published", "publish_in_order"]

log = logging.getLogger(__name__)
E = TypeVar("E")
D = TypeVar("D")
ATTEMPTS = 8  # ETag rounds when clearing


async def publish_in_order(
    entries: Sequence[E], publish: Callable[[E], Awaitable[object]], *, message_id: Callable[[E], str], owner: str
) -> set[str]:
    """Publish ``entries`` in their order, stopping at the first failure so that order holds (the rest wait
    for the next flush). Returns the ids of the messages that went out."""
    published: set[str] = set()
    for entry in entries:
        mid = message_id(entry)
        try:
            await publish(entry)
        except Exception:  # noqa: BLE001 - any bus failure: the message stays in the outbox for the timer
            log.warning("could not publish %s; left in the outbox of %s", mid, owner, exc_info=True)
            break
        published.add(mid)
    return published


async def clear_published(
    doc: D,
    published: set[str],
    *,
    entries: Callable[[D], Sequence[E]],
    message_id: Callable[[E], str],
    save: Callable[[D, list[E]], Awaitable[D]],
    reread: Callable[[D], Awaitable[D | None]],
) -> D:
    """Drop the ``published`` messages from the document's outbox: ``save`` writes the document with the
    entries left under its ETag; on a lost race the document is read again (a newer writer may have added
    messages, which stay). Gives up after ATTEMPTS rounds: the published messages are sent again later,
    under the same ids."""
    current = doc
    for _ in range(ATTEMPTS):
        left = [e for e in entries(current) if message_id(e) not in published]
        if len(left) == len(entries(current)):
            return current
        try:
            return await save(current, left)
        except PreconditionFailed:
            fresh = await reread(current)
            if fresh is None:
                return current
            current = fresh
    return current

"""OCPP 1.6 transaction ids: consecutive integers from one counter document.

Cosmos has no sequences, so the last id given out lives in ``counters/ocpp-transaction-id``
and each id is claimed by replacing that document under its ETag: of writers
holding the same version exactly one wins, the others read again and retry.
Ids start at 1 and stay within a signed 32-bit integer (OCPP's ``integer``).
"""

from __future__ import annotations

import asyncio
import random

from shared.domain.errors import DependencyFailed
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, PreconditionFailed

__all__ = ["COUNTER_ID", "MAX_TRANSACTION_ID", "TransactionIdsExhausted", "next_transaction_id"]

C = "counters"
COUNTER_ID = "ocpp-transaction-id"
MAX_TRANSACTION_ID = 2**31 - 1
_ATTEMPTS = 200  # each round of contention has one winner; the backoff spreads the rest out
_MAX_BACKOFF = 0.05  # seconds


class TransactionIdsExhausted(RuntimeError):
    """Every transaction id up to 2**31 - 1 has been given out: the counter must be reset by hand."""


async def next_transaction_id(store: DocumentStore, clock: Clock) -> int:
    """Claim the next transaction id (1, 2, 3, ...), unique across every worker sharing the store."""
    for attempt in range(_ATTEMPTS):
        now = clock.now().isoformat()
        try:
            doc = await store.read(C, COUNTER_ID, COUNTER_ID)
        except DocumentNotFound:
            try:
                await store.create(C, {"id": COUNTER_ID, "type": "counter", "last": 1, "updatedAt": now})
                return 1
            except DocumentConflict:  # another worker created it first: take the next one
                continue
        last: int = doc["last"]
        if last >= MAX_TRANSACTION_ID:
            raise TransactionIdsExhausted(
                f"OCPP transaction ids are exhausted: {last} is the largest signed 32-bit integer"
            )
        claimed = {k: v for k, v in doc.items() if not k.startswith("_")} | {"last": last + 1, "updatedAt": now}
        try:
            await store.replace(C, claimed, etag=doc["_etag"])
            return last + 1
        except PreconditionFailed:
            await asyncio.sleep(random.uniform(0, min(_MAX_BACKOFF, 0.001 * 2 ** min(attempt, 10))))  # noqa: S311
        except DocumentNotFound:  # deleted under us: start over
            continue
    raise DependencyFailed("Could not claim a transaction id: the counter is too contended.", code="counter_contended")

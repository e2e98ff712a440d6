"""Integer ids OCPP wants from the server: transaction ids and reservation ids, each from a counter document.

Cosmos has no sequences, so the last value given out lives in ``counters/<counterId>``
(``ocpp-transaction-id``, ``ocpp-reservation-id``) and each value is claimed by
replacing that document under its ETag: of writers holding the same version
exactly one wins, the others read again and retry. Values start at 1 and stay
within a signed 32-bit integer (OCPP's ``integer``).
"""

from __future__ import annotations

import asyncio
import random

from shared.domain.errors import DependencyFailed
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, PreconditionFailed

__all__ = [
    "COUNTER_ID",
    "MAX_TRANSACTION_ID",
    "RESERVATION_COUNTER_ID",
    "CounterExhausted",
    "TransactionIdsExhausted",
    "next_counter_value",
    "next_reservation_id",
    "next_transaction_id",
]

C = "counters"
COUNTER_ID = "ocpp-transaction-id"
RESERVATION_COUNTER_ID = "ocpp-reservation-id"
MAX_TRANSACTION_ID = 2**31 - 1
_ATTEMPTS = 200  # each round of contention has one winner; the backoff spreads the rest out
_MAX_BACKOFF = 0.05  # seconds


class CounterExhausted(RuntimeError):
    """The counter reached its maximum: it must be reset by hand."""


class TransactionIdsExhausted(CounterExhausted):
    """Every transaction id up to 2**31 - 1 has been given out: the counter must be reset by hand."""


async def next_counter_value(store: DocumentStore, clock: Clock, counter_id: str, maximum: int) -> int:
    """Claim the next value (1, 2, 3, ...) of ``counter_id``, unique across every worker sharing the store."""
    for attempt in range(_ATTEMPTS):
        now = clock.now().isoformat()
        try:
            doc = await store.read(C, counter_id, counter_id)
        except DocumentNotFound:
            try:
                await store.create(C, {"id": counter_id, "type": "counter", "last": 1, "updatedAt": now})
                return 1
            except DocumentConflict:  # another worker created it first: take the next one
                continue
        last: int = doc["last"]
        if last >= maximum:
            raise CounterExhausted(f"The counter {counter_id} is exhausted: {last} is its maximum")
        claimed = {k: v for k, v in doc.items() if not k.startswith("_")} | {"last": last + 1, "updatedAt": now}
        try:
            await store.replace(C, claimed, etag=doc["_etag"])
            return last + 1
        except PreconditionFailed:
            await asyncio.sleep(random.uniform(0, min(_MAX_BACKOFF, 0.001 * 2 ** min(attempt, 10))))  # noqa: S311
        except DocumentNotFound:  # deleted under us: start over
            continue
    raise DependencyFailed(f"Could not claim a value of {counter_id}: it is too contended.", code="counter_contended")


async def next_transaction_id(store: DocumentStore, clock: Clock) -> int:
    """Claim the next transaction id (1, 2, 3, ...), unique across every worker sharing the store."""
    try:
        return await next_counter_value(store, clock, COUNTER_ID, MAX_TRANSACTION_ID)
    except CounterExhausted as exc:
        raise TransactionIdsExhausted(
            f"OCPP transaction ids are exhausted: {MAX_TRANSACTION_ID} is the largest signed 32-bit integer"
        ) from exc


async def next_reservation_id(store: DocumentStore, clock: Clock) -> int:
    """Claim the next ReserveNow ``reservationId``: unique platform-wide, so unique on every charger too."""
    return await next_counter_value(store, clock, RESERVATION_COUNTER_ID, MAX_TRANSACTION_ID)

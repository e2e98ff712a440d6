"""Gapless invoice numbers: one sequence per provider and year, 1, 2, 3 ... with no gap and no repeat.

The last number given out lives in ``counters/invoice-number:<providerId>:<year>`` together with
the invoice it went to. A number is claimed by replacing that document under its ETag, so of
concurrent claimants exactly one wins each round. What makes the sequence *gapless* is the second
half: before the next number is given out, the previous holder is settled, i.e. the number is
written onto that invoice (``settle``, idempotent). So a worker that claims 5 and dies before it
stores 5 on its invoice leaves no gap: whoever claims 6 first writes 5 where it belongs, and the
dead worker's retry finds its invoice already numbered. A retry of the same invoice gets the
same number (the counter names its holder), never a second one.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.domain.errors import DependencyFailed
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, PreconditionFailed

__all__ = ["Lookup", "Numbered", "Settle", "assign_invoice_number", "counter_id"]

C = "counters"
_ATTEMPTS = 400  # each round of contention has one winner; the backoff spreads the rest out
_MAX_BACKOFF = 0.5  # seconds: issuing invoices is rare per provider; a wide spread keeps a burst cheap

# Writes ``number`` onto the invoice ``invoice_id`` unless it has one already (idempotent).
Settle = Callable[[str, int], Awaitable[None]]
# The number stored on the invoice ``invoice_id``, if any.
Lookup = Callable[[str], Awaitable[int | None]]


@dataclass(frozen=True, slots=True)
class Numbered:
    number: int
    fresh: bool  # False when this invoice already held the number (a retry)


def counter_id(provider_id: str, year: int) -> str:
    return f"invoice-number:{provider_id}:{year}"


async def assign_invoice_number(
    store: DocumentStore,
    clock: Clock,
    provider_id: str,
    year: int,
    invoice_id: str,
    *,
    settle: Settle,
    lookup: Lookup,
) -> Numbered:
    """The number of ``invoice_id`` in its provider's sequence for ``year``, claimed once and for all.

    ``lookup`` first: an invoice a later claimant already settled keeps that number. ``settle`` is
    called for the previous holder before a new number is claimed; the caller stores the returned one.
    """
    stored = await lookup(invoice_id)
    if stored is not None:
        return Numbered(stored, False)
    key = counter_id(provider_id, year)
    for attempt in range(_ATTEMPTS):
        now = clock.now().isoformat()
        try:
            doc = await store.read(C, key, key)
        except DocumentNotFound:
            first = {"id": key, "type": "invoiceCounter", "providerId": provider_id, "year": year,
                     "last": 1, "holder": invoice_id, "updatedAt": now}  # fmt: skip
            try:
                await store.create(C, first)
                return Numbered(1, True)
            except DocumentConflict:  # another invoice started the sequence: take the next number
                continue
        last: int = doc["last"]
        if doc.get("holder") == invoice_id:
            return Numbered(last, False)
        await settle(str(doc["holder"]), last)  # the previous number is on its invoice before the next is out
        claimed = {k: v for k, v in doc.items() if not k.startswith("_")}
        claimed |= {"last": last + 1, "holder": invoice_id, "updatedAt": now}
        try:
            await store.replace(C, claimed, etag=doc["_etag"])
            return Numbered(last + 1, True)
        except PreconditionFailed:
            await asyncio.sleep(random.uniform(0, min(_MAX_BACKOFF, 0.001 * 2 ** min(attempt, 10))))  # noqa: S311
    raise DependencyFailed(
        f"Could not number invoice {invoice_id}: the counter is too contended.", code="counter_contended"
    )

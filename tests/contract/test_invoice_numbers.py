"""Gapless invoice numbers on both stores: concurrent issues, crashes between claim and store, retries."""

from __future__ import annotations

import asyncio

import pytest

from shared.ports.store import DocumentStore
from shared.services.invoice_numbers import assign_invoice_number
from tests.fakes import FakeClock

C = "invoices"


class Invoices:
    """Invoice documents in the store (container ``invoices``, partition ``/providerId``) with a number or not."""

    def __init__(self, store: DocumentStore, provider_id: str) -> None:
        self.store, self.provider_id = store, provider_id

    async def add(self, invoice_id: str) -> None:
        await self.store.create(C, {"id": invoice_id, "providerId": self.provider_id, "type": "invoice"})

    async def lookup(self, invoice_id: str) -> int | None:
        doc = await self.store.read(C, invoice_id, self.provider_id)
        number = doc.get("number")
        return None if number is None else int(number)

    async def settle(self, invoice_id: str, number: int) -> None:
        from shared.ports.store import PreconditionFailed

        for _ in range(50):
            doc = await self.store.read(C, invoice_id, self.provider_id)
            if doc.get("number") is not None:
                assert doc["number"] == number, (invoice_id, doc["number"], number)
                return
            try:
                await self.store.replace(C, {**doc, "number": number}, etag=doc["_etag"])
                return
            except PreconditionFailed:
                continue
        raise AssertionError("could not settle")

    async def issue(self, invoice_id: str, clock: FakeClock, *, crash: bool = False) -> int:
        numbered = await assign_invoice_number(
            self.store, clock, self.provider_id, 2026, invoice_id, settle=self.settle, lookup=self.lookup
        )
        if not crash:
            await self.settle(invoice_id, numbered.number)
        return numbered.number


@pytest.mark.timeout(360)  # about 50 s on the Cosmos stand-in on a quiet 2-core machine; far more when it is busy
@pytest.mark.parametrize("count", [200])
async def test_concurrent_issues_get_distinct_gapless_numbers(store: DocumentStore, count: int) -> None:
    clock, invoices = FakeClock(), Invoices(store, "prv_numbers")
    ids = [f"inv_{i:04d}" for i in range(count)]
    for invoice_id in ids:
        await invoices.add(invoice_id)
    numbers = await asyncio.gather(*(invoices.issue(i, clock) for i in ids))
    assert sorted(numbers) == list(range(1, count + 1))
    stored = [await invoices.lookup(i) for i in ids]
    assert stored == numbers


async def test_a_crash_between_claim_and_store_leaves_no_gap(store: DocumentStore) -> None:
    clock, invoices = FakeClock(), Invoices(store, "prv_crash")
    for invoice_id in ("inv_a", "inv_b", "inv_c"):
        await invoices.add(invoice_id)
    assert await invoices.issue("inv_a", clock) == 1
    assert await invoices.issue("inv_b", clock, crash=True) == 2  # claimed 2, died before storing it
    assert await invoices.lookup("inv_b") is None
    assert await invoices.issue("inv_c", clock) == 3  # settles inv_b's 2 first
    assert await invoices.lookup("inv_b") == 2
    assert await invoices.issue("inv_b", clock) == 2  # the retry keeps its number
    assert [await invoices.lookup(i) for i in ("inv_a", "inv_b", "inv_c")] == [1, 2, 3]


async def test_a_retry_before_anyone_else_gets_the_same_number(store: DocumentStore) -> None:
    clock, invoices = FakeClock(), Invoices(store, "prv_retry")
    await invoices.add("inv_x")
    assert await invoices.issue("inv_x", clock, crash=True) == 1
    assert await invoices.issue("inv_x", clock) == 1
    await invoices.add("inv_y")
    assert await invoices.issue("inv_y", clock) == 2


async def test_sequences_are_per_provider_and_year(store: DocumentStore) -> None:
    clock = FakeClock()
    first, second = Invoices(store, "prv_one"), Invoices(store, "prv_two")
    await first.add("inv_1")
    await second.add("inv_2")
    assert await first.issue("inv_1", clock) == 1
    assert await second.issue("inv_2", clock) == 1
    await first.add("inv_3")
    numbered = await assign_invoice_number(
        store, clock, "prv_one", 2027, "inv_3", settle=first.settle, lookup=first.lookup
    )
    assert numbered.number == 1  # a new year starts again at 1

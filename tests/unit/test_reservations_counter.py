"""ReserveNow reservation ids: their own counter, beside the transaction ids, through the generalised counter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.services.transaction_ids import (
    COUNTER_ID,
    RESERVATION_COUNTER_ID,
    CounterExhausted,
    next_counter_value,
    next_reservation_id,
    next_transaction_id,
)
from tests.fakes import FakeClock


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteDocumentStore]:
    opened = SqliteDocumentStore(str(tmp_path / "ids.db"))
    yield opened
    await opened.close()


async def test_reservation_ids_count_apart_from_transaction_ids(store: SqliteDocumentStore) -> None:
    clock = FakeClock()
    assert [await next_transaction_id(store, clock) for _ in range(3)] == [1, 2, 3]
    assert [await next_reservation_id(store, clock) for _ in range(2)] == [1, 2]
    assert await next_transaction_id(store, clock) == 4
    assert (await store.read("counters", RESERVATION_COUNTER_ID, RESERVATION_COUNTER_ID))["last"] == 2
    assert (await store.read("counters", COUNTER_ID, COUNTER_ID))["last"] == 4


async def test_concurrent_reservation_ids_are_distinct(store: SqliteDocumentStore) -> None:
    ids = await asyncio.gather(*(next_reservation_id(store, FakeClock()) for _ in range(30)))
    assert sorted(ids) == list(range(1, 31))


async def test_a_counter_stops_at_its_maximum(store: SqliteDocumentStore) -> None:
    assert [await next_counter_value(store, FakeClock(), "small", 2) for _ in range(2)] == [1, 2]
    with pytest.raises(CounterExhausted, match="small is exhausted"):
        await next_counter_value(store, FakeClock(), "small", 2)
    assert (await store.read("counters", "small", "small"))["last"] == 2

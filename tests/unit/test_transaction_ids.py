"""Transaction ids from the counter document: consecutive, unique under contention, 32-bit."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import AsyncIterator
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.clock import SystemClock
from shared.ports.store import Query
from shared.services.transaction_ids import (
    COUNTER_ID,
    MAX_TRANSACTION_ID,
    TransactionIdsExhausted,
    next_transaction_id,
)
from tests.fakes import FakeClock
from tests.processes import race

PER_PROCESS = 50
WAIT = 30.0  # seconds a process waits for the other before the test fails


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteDocumentStore]:
    opened = SqliteDocumentStore(str(tmp_path / "ids.db"))
    yield opened
    await opened.close()


async def test_ids_start_at_one_and_follow_each_other(store: SqliteDocumentStore) -> None:
    clock = FakeClock()
    assert [await next_transaction_id(store, clock) for _ in range(5)] == [1, 2, 3, 4, 5]
    counter = await store.read("counters", COUNTER_ID, COUNTER_ID)
    assert counter["last"] == 5 and counter["updatedAt"] == clock.now().isoformat()


async def test_concurrent_calls_get_distinct_consecutive_ids(store: SqliteDocumentStore) -> None:
    ids = await asyncio.gather(*(next_transaction_id(store, FakeClock()) for _ in range(50)))
    assert sorted(ids) == list(range(1, 51))


async def test_ids_stop_before_overflowing_a_signed_32_bit_integer(store: SqliteDocumentStore) -> None:
    await store.create("counters", {"id": COUNTER_ID, "type": "counter", "last": MAX_TRANSACTION_ID - 1})
    assert await next_transaction_id(store, FakeClock()) == 2**31 - 1
    with pytest.raises(TransactionIdsExhausted, match="exhausted"):
        await next_transaction_id(store, FakeClock())
    assert (await store.read("counters", COUNTER_ID, COUNTER_ID))["last"] == MAX_TRANSACTION_ID


async def _draw(path: str, barrier: Barrier) -> list[int]:
    store = SqliteDocumentStore(path)
    try:
        barrier.wait(WAIT)  # both start together, the counter not yet created: the create race too
        return [await next_transaction_id(store, SystemClock()) for _ in range(PER_PROCESS)]
    finally:
        await store.close()


def _worker(path: str, name: str, barrier: Barrier, results: multiprocessing.Queue[tuple[str, list[int]]]) -> None:
    results.put((name, asyncio.run(_draw(path, barrier))))


async def _prepare(path: str) -> None:
    # The file and its table exist before the workers open it (a fresh file's first open is
    # raced in test_sqlite_fresh_file.py); the counter document does not, so the workers race to create it.
    store = SqliteDocumentStore(path)
    assert (await store.query("counters", Query())).items == []
    await store.close()


def test_two_processes_on_one_sqlite_file_never_share_an_id(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    asyncio.run(_prepare(path))
    drawn = race(_worker, path, ("a", "b"))
    assert all(ids == sorted(ids) for ids in drawn.values())  # each process sees its ids rise
    assert sorted(drawn["a"] + drawn["b"]) == list(range(1, 2 * PER_PROCESS + 1))

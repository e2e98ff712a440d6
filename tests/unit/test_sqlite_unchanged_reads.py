"""The SQLite store's remembered ``read_if_changed`` answers: never stale once something else could have changed
the document (a write of this store, another store on the file, another process, its TTL)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.containers import CONTAINERS
from shared.ports.store import ContainerSpec, DocumentNotFound
from tests.fakes import FakeClock

C, STATION = "sessions", "stn_1"
EXPIRING = ContainerSpec("throttles", "id", default_ttl=-1)


def statements(store: SqliteDocumentStore) -> list[str]:
    """Every statement the store's event-loop connection runs from now on."""
    seen: list[str] = []
    store._loop_connection().set_trace_callback(seen.append)
    return seen


async def next_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[SqliteDocumentStore]:
    opened = SqliteDocumentStore(tmp_path / "store.db", clock=clock)
    yield opened
    await opened.close()


@pytest.fixture
async def other(tmp_path: Path, store: SqliteDocumentStore) -> AsyncIterator[SqliteDocumentStore]:
    """A second store on the same file: another connection, as another host process has."""
    opened = SqliteDocumentStore(tmp_path / "store.db")
    yield opened
    await opened.close()


async def session(store: SqliteDocumentStore, energy: int = 1) -> str:
    created = await store.create(C, {"id": "ses_1", "stationId": STATION, "energyWh": energy})
    await store.read(C, "ses_1", STATION)  # the table is known to the loop's connection from now on
    return str(created["_etag"])


async def test_an_unchanged_answer_is_remembered_until_the_next_turn_brings_nothing_new(
    store: SqliteDocumentStore,
) -> None:
    etag = await session(store)
    seen = statements(store)
    assert await store.read_if_changed(C, "ses_1", STATION, etag) is None
    assert [s for s in seen if s.startswith("SELECT")] != []  # the first one is read
    seen.clear()
    for _ in range(3):  # asked again, in this turn and the next ones: no statement but one data_version a turn
        assert await store.read_if_changed(C, "ses_1", STATION, etag) is None
        assert await store.read_if_changed(C, "ses_1", STATION, etag) is None
        await next_turn()
    assert not [s for s in seen if not s.startswith("PRAGMA data_version")]
    assert 1 <= len(seen) <= 3


async def test_a_write_of_this_store_is_seen_at_once(store: SqliteDocumentStore) -> None:
    etag = await session(store)
    assert await store.read_if_changed(C, "ses_1", STATION, etag) is None
    newer = await store.replace(C, {"id": "ses_1", "stationId": STATION, "energyWh": 2})
    assert await store.read_if_changed(C, "ses_1", STATION, etag) == newer  # same turn
    assert await store.read_if_changed(C, "ses_1", STATION, newer["_etag"]) is None
    await store.delete(C, "ses_1", STATION)
    with pytest.raises(DocumentNotFound):
        await store.read_if_changed(C, "ses_1", STATION, newer["_etag"])


async def test_a_write_of_another_connection_is_seen_from_the_next_turn(
    store: SqliteDocumentStore, other: SqliteDocumentStore
) -> None:
    etag = await session(store)
    assert await store.read_if_changed(C, "ses_1", STATION, etag) is None
    await next_turn()
    newer = await other.replace(C, {"id": "ses_1", "stationId": STATION, "energyWh": 2})
    await next_turn()
    assert await store.read_if_changed(C, "ses_1", STATION, etag) == newer


def test_a_write_of_another_process_is_seen(tmp_path: Path) -> None:
    async def run() -> None:
        store = SqliteDocumentStore(tmp_path / "store.db")
        try:
            etag = await session(store)
            assert await store.read_if_changed(C, "ses_1", STATION, etag) is None
            await next_turn()
            # a plain connection, as another process's would be: the body changes under the same ETag's row
            with sqlite3.connect(tmp_path / "store.db", isolation_level=None) as db:
                db.execute(f"UPDATE {C} SET etag = 'changed-elsewhere', body = json_set(body, '$.energyWh', 7)")
            await next_turn()
            changed = await store.read_if_changed(C, "ses_1", STATION, etag)
            assert changed is not None and changed["energyWh"] == 7 and changed["_etag"] == "changed-elsewhere"
        finally:
            await store.close()

    asyncio.run(run())


async def test_a_document_with_a_ttl_is_never_remembered(tmp_path: Path, clock: FakeClock) -> None:
    store = SqliteDocumentStore(tmp_path / "ttl.db", {**CONTAINERS, EXPIRING.name: EXPIRING}, clock=clock)
    try:
        created = await store.create(EXPIRING.name, {"id": "t1", "ttl": 60})
        await store.read(EXPIRING.name, "t1", "t1")
        assert await store.read_if_changed(EXPIRING.name, "t1", "t1", created["_etag"]) is None
        assert await store.read_if_changed(EXPIRING.name, "t1", "t1", created["_etag"]) is None
        clock.advance(seconds=61)  # expired: no write, no other connection, in the same turn
        with pytest.raises(DocumentNotFound):
            await store.read_if_changed(EXPIRING.name, "t1", "t1", created["_etag"])
    finally:
        await store.close()


async def test_only_the_same_etag_and_partition_are_answered_from_memory(store: SqliteDocumentStore) -> None:
    etag = await session(store)
    assert await store.read_if_changed(C, "ses_1", STATION, etag) is None
    whole = await store.read_if_changed(C, "ses_1", STATION, "another-etag")
    assert whole is not None and whole["_etag"] == etag
    with pytest.raises(DocumentNotFound):
        await store.read_if_changed(C, "ses_1", "stn_2", etag)

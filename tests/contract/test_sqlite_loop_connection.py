"""The SQLite store's event-loop connection: point reads and uncontended writes skip the store's thread.

When another connection (another process sharing the file) holds the write lock, a write must not fail
and must not block the event loop: it waits its turn on the store's thread instead.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore


async def test_a_write_waits_off_the_loop_while_another_connection_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SqliteDocumentStore(path)
    await store.create("counters", {"id": "a", "n": 1})  # the table exists: later calls may run on the loop
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        writing = asyncio.create_task(store.create("counters", {"id": "b", "n": 2}))
        ticks = 0
        for _ in range(20):  # the loop keeps running while the write waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not writing.done()
        assert (await store.read("counters", "a", "a"))["n"] == 1  # WAL: reads do not wait for the writer
        other.execute("COMMIT")
        created = await asyncio.wait_for(writing, 10)
        assert created["n"] == 2 and ticks == 20
    finally:
        other.close()
        await store.close()


async def test_writes_on_the_loop_keep_etags_and_conflicts(tmp_path: Path) -> None:
    from shared.ports.store import DocumentConflict, PreconditionFailed

    store = SqliteDocumentStore(tmp_path / "store.db")
    try:
        first = await store.create("counters", {"id": "c", "n": 1})
        second = await store.replace("counters", {"id": "c", "n": 2}, etag=first["_etag"])
        assert second["_etag"] != first["_etag"]
        with pytest.raises(PreconditionFailed):
            await store.replace("counters", {"id": "c", "n": 3}, etag=first["_etag"])
        with pytest.raises(DocumentConflict):
            await store.create("counters", {"id": "c", "n": 4})
        assert (await store.read("counters", "c", "c"))["n"] == 2
    finally:
        await store.close()

"""The SQLite store's group commit: the creates of one event-loop turn share one transaction.

Each caller must resume only once its document is committed (another connection sees it), a
conflict must fail only its own create, and a group that cannot take the write lock must fall
back to writing each create on the store's thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import DocumentConflict


def _committed_ids(path: Path) -> set[str]:
    other = sqlite3.connect(path)
    try:
        return {row[0] for row in other.execute('SELECT id FROM "counters"')}
    finally:
        other.close()


async def test_creates_of_one_turn_are_committed_together_before_any_caller_resumes(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SqliteDocumentStore(path)
    try:
        await store.create("counters", {"id": "seed", "n": 0})  # the table exists: creates go through the group
        seen: dict[str, set[str]] = {}

        async def create(doc_id: str) -> None:
            await store.create("counters", {"id": doc_id, "n": 1})
            seen[doc_id] = _committed_ids(path)  # what another process sees the moment this caller resumes

        ids = [f"d{i}" for i in range(20)]
        await asyncio.gather(*(create(i) for i in ids))
        for doc_id in ids:
            assert set(ids) <= seen[doc_id], doc_id  # the whole group was durable before anyone resumed
    finally:
        await store.close()


async def test_a_conflict_in_a_group_fails_only_its_own_create(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "store.db")
    try:
        await store.create("counters", {"id": "taken", "n": 0})
        results = await asyncio.gather(
            store.create("counters", {"id": "a", "n": 1}),
            store.create("counters", {"id": "taken", "n": 2}),
            store.create("counters", {"id": "b", "n": 3}),
            store.create("counters", {"id": "b", "n": 4}),  # the same id twice in one group: the first wins
            return_exceptions=True,
        )
        assert isinstance(results[1], DocumentConflict) and isinstance(results[3], DocumentConflict)
        first, third = results[0], results[2]
        assert isinstance(first, dict) and isinstance(third, dict)
        assert (await store.read("counters", "a", "a"))["_etag"] == first["_etag"]
        assert (await store.read("counters", "b", "b"))["n"] == 3
        assert (await store.read("counters", "taken", "taken"))["n"] == 0
    finally:
        await store.close()


async def test_a_bad_document_fails_alone_before_the_group(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "store.db")
    try:
        await store.create("counters", {"id": "seed"})
        results = await asyncio.gather(
            store.create("counters", {"id": "bad/id"}),
            store.create("counters", {"id": "good"}),
            return_exceptions=True,
        )
        assert isinstance(results[0], ValueError) and isinstance(results[1], dict)
        assert (await store.read("counters", "good", "good"))["id"] == "good"
    finally:
        await store.close()


async def test_a_group_finding_the_lock_taken_writes_each_create_on_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SqliteDocumentStore(path)
    await store.create("counters", {"id": "seed"})
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        writing = asyncio.gather(*(store.create("counters", {"id": f"w{i}"}) for i in range(3)))
        for _ in range(10):
            await asyncio.sleep(0.01)  # the loop is free while the group waits for the lock
        assert not writing.done()
        assert "w0" not in _committed_ids(path)
        other.execute("COMMIT")
        created = await asyncio.wait_for(writing, 10)
        assert [c["id"] for c in created] == ["w0", "w1", "w2"]
        assert {"w0", "w1", "w2"} <= _committed_ids(path)
    finally:
        other.close()
        await store.close()


async def test_a_cancelled_create_does_not_hold_up_its_group(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "store.db")
    try:
        await store.create("counters", {"id": "seed"})
        cancelled = asyncio.ensure_future(store.create("counters", {"id": "gone"}))
        kept = asyncio.ensure_future(store.create("counters", {"id": "kept"}))
        await asyncio.sleep(0)  # both are waiting for the group
        cancelled.cancel()
        assert (await kept)["id"] == "kept"
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    finally:
        await store.close()

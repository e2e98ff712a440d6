"""The SQLite store checkpoints the WAL of the event loop's commits on a thread of its own.

The loop's connection has SQLite's automatic checkpoint off (it ran inside a COMMIT, on the event loop, every
1,000 pages); after its commits a PASSIVE checkpoint runs on the checkpoint thread instead, one at a time and
at most every ``_CHECKPOINT_EVERY_SECONDS``. The WAL must stay bounded as it did, and closing must be clean.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from shared.adapters.embedded import sqlite_store
from shared.adapters.embedded.sqlite_store import SqliteDocumentStore

BODY = "x" * 2000  # about half a page per document
DOCS = 6000  # about 12 MB of documents: without checkpoints the WAL holds all of it


async def _write_many(store: SqliteDocumentStore) -> None:
    await store.create("counters", {"id": "seed", "n": 0})  # the table exists: later creates go through the group
    for start in range(0, DOCS, 50):  # 50 concurrent creates: one group commit on the loop's connection
        await asyncio.gather(*(store.create("counters", {"id": f"d{n}", "b": BODY}) for n in range(start, start + 50)))
        for _ in range(200):  # bounded: let the checkpoint thread catch up, as time would
            if not store._checkpointing:
                break
            await asyncio.sleep(0.005)


def _wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_the_wal_stays_bounded_with_checkpoints_on_their_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_store, "_CHECKPOINT_EVERY_SECONDS", 0.0)
    path = tmp_path / "store.db"
    store = SqliteDocumentStore(path)
    try:
        await _write_many(store)
        loop_conn = store._loop_connection()
        assert loop_conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        assert _wal_bytes(path) < 4_000_000, _wal_bytes(path)
    finally:
        await store.close()
    with sqlite3.connect(path) as db:  # everything committed is there, and the file is sound
        assert db.execute('SELECT count(*) FROM "counters"').fetchone() == (DOCS + 1,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_without_those_checkpoints_the_wal_would_grow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the check above can fail: the loop's commits alone never checkpoint any more
    monkeypatch.setattr(SqliteDocumentStore, "_after_loop_commit", lambda self: None)
    path = tmp_path / "store.db"
    store = SqliteDocumentStore(path)
    try:
        await _write_many(store)
        assert _wal_bytes(path) > 8_000_000, _wal_bytes(path)
    finally:
        await store.close()


async def test_writes_on_the_loop_connection_start_one_checkpoint_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    real = SqliteDocumentStore._checkpoint_sync

    def counted(self: SqliteDocumentStore) -> None:
        started.append(1)
        real(self)

    monkeypatch.setattr(SqliteDocumentStore, "_checkpoint_sync", counted)
    monkeypatch.setattr(sqlite_store, "_CHECKPOINT_EVERY_SECONDS", 60.0)  # however slow this machine is
    store = SqliteDocumentStore(tmp_path / "store.db")
    try:
        await store.create("counters", {"id": "a", "n": 0})
        for n in range(20):  # within the interval: only the first commit starts one
            await store.replace("counters", {"id": "a", "n": n})
        for _ in range(200):
            if not store._checkpointing:
                break
            await asyncio.sleep(0.005)
        assert started == [1]
    finally:
        await store.close()

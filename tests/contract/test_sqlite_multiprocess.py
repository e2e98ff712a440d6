"""Two OS processes, one SQLite file: an ETag-guarded replace has exactly one winner.

Each round both processes read the same version of one counter document, wait
for each other (so both hold the same ETag), then both try a conditional
replace. Exactly one may win each round; the counter must equal the number of
wins, and its history must record each round once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
from contextlib import closing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import PreconditionFailed
from tests.processes import race

ROUNDS = 50
WAIT = 30.0  # seconds a process waits for the other before the test fails


async def _contend(path: str, name: str, barrier: Barrier) -> list[int]:
    store = SqliteDocumentStore(path)
    won: list[int] = []
    try:
        for round_no in range(ROUNDS):
            doc = await store.read("counters", "shared", "shared")
            barrier.wait(WAIT)  # both now hold the same version
            update = {**doc, "value": doc["value"] + 1, "history": [*doc["history"], [round_no, name]]}
            try:
                await store.replace("counters", update, etag=doc["_etag"])
                won.append(round_no)
            except PreconditionFailed:
                pass
            barrier.wait(WAIT)  # both writes settled before the next read
    finally:
        await store.close()
    return won


def _worker(path: str, name: str, barrier: Barrier, results: multiprocessing.Queue[tuple[str, list[int]]]) -> None:
    results.put((name, asyncio.run(_contend(path, name, barrier))))


async def test_conditional_replace_has_one_winner_per_round(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    seed = SqliteDocumentStore(path)
    await seed.create("counters", {"id": "shared", "value": 0, "history": []})
    await seed.close()

    wins = race(_worker, path, ("a", "b"))

    assert sorted(wins["a"] + wins["b"]) == list(range(ROUNDS))  # one winner each round, never two
    check = SqliteDocumentStore(path)
    final = await check.read("counters", "shared", "shared")
    await check.close()
    assert final["value"] == ROUNDS
    assert [entry[0] for entry in final["history"]] == list(range(ROUNDS))
    assert {name for _, name in final["history"]} <= {"a", "b"}
    with closing(sqlite3.connect(path)) as conn:  # WAL is what lets readers run beside the writer
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)

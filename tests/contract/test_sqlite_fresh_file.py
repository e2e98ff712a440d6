"""Several processes opening one fresh SQLite file at the same moment all get a working store."""

from __future__ import annotations

import asyncio
import os
import tempfile

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import Query
from tests.processes import race

PROCESSES = 4
ROUNDS = 15  # the race (the switch to WAL finding the file locked) showed in about 1 round in 20


def _open_and_query(path: str, name: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    async def run() -> str:
        store = SqliteDocumentStore(path)
        barrier.wait()
        try:
            await store.query("counters", Query())
            return "ok"
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            return repr(exc)
        finally:
            await store.close()

    results.put((name, asyncio.run(run())))


def test_processes_racing_through_the_first_open():
    outcomes = []
    for _ in range(ROUNDS):
        path = os.path.join(tempfile.mkdtemp(), "fresh.db")
        names = [f"p{n}" for n in range(PROCESSES)]
        outcomes += race(_open_and_query, path, names, start="fork", timeout=60).values()
    assert outcomes == ["ok"] * (PROCESSES * ROUNDS)

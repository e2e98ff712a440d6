"""Several processes opening one fresh SQLite file at the same moment all get a working store."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import tempfile

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import Query

PROCESSES = 4
ROUNDS = 15  # the race (the switch to WAL finding the file locked) showed in about 1 round in 20


def _open_and_query(path: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
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

    results.put(asyncio.run(run()))


def test_processes_racing_through_the_first_open():
    ctx = mp.get_context("fork")
    outcomes = []
    for _ in range(ROUNDS):
        path = os.path.join(tempfile.mkdtemp(), "fresh.db")
        barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
        procs = [ctx.Process(target=_open_and_query, args=(path, barrier, results)) for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        outcomes += [results.get(timeout=5) for _ in procs]
    assert outcomes == ["ok"] * (PROCESSES * ROUNDS)

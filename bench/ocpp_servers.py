"""The three central systems bench/ocpp_ingest.py measures, each run in a child process of its own.

- ``bare``: a ``websockets`` server that parses each frame with ``json`` and inserts one
  SQLite row (WAL, synchronous=NORMAL, as the project's store), then replies ``[3, id, {}]``;
- ``reference``: the ``ocpp`` package's ``ChargePoint`` on a ``websockets`` server, the
  usual way: an ``@on(Action.meter_values)`` handler returning ``call_result.MeterValues()``,
  schema validation as the package does it, no persistence;
- ``wattsup``: the local host (``LocalHost`` with the OCPP relay, as ``python -m local_host``
  runs it) on a scratch store and bus, seeded by bench/ocpp_seed.py.

A child binds 127.0.0.1 on a free port, sends ``("ready", port, logins)`` on its pipe
(or ``("failed", traceback)``) and serves until the parent sends anything or goes away.
All three run on the standard asyncio event loop, as the local host does.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import logging
import os
import secrets
import sqlite3
import threading
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, closing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ocpp.routing import on  # type: ignore[import-untyped]
from ocpp.v16 import ChargePoint, call_result  # type: ignore[import-untyped]
from ocpp.v16.enums import Action  # type: ignore[import-untyped]
from ocpp_load import ChargerLogin
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

__all__ = ["KINDS", "count_rows", "run_server", "wattsup_server"]

SUBPROTOCOL = Subprotocol("ocpp1.6")
BARE_TABLE = "meter_frames"
Serving = AbstractAsyncContextManager[tuple[int, list[ChargerLogin]]]


def _charger_of(ws: ServerConnection) -> str:
    return ws.request.path.rsplit("/", 1)[-1] if ws.request is not None else ""


@asynccontextmanager
async def _bare(chargers: int, work: Path) -> AsyncIterator[tuple[int, list[ChargerLogin]]]:
    db = sqlite3.connect(work / "bare.db", isolation_level=None)  # autocommit: one transaction per row
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(
        f"CREATE TABLE {BARE_TABLE} (id INTEGER PRIMARY KEY, charger TEXT NOT NULL, message_id TEXT NOT NULL, "
        "transaction_id INTEGER, timestamp TEXT, frame TEXT NOT NULL)"
    )
    insert = f"INSERT INTO {BARE_TABLE} (charger, message_id, transaction_id, timestamp, frame) VALUES (?, ?, ?, ?, ?)"

    async def handler(ws: ServerConnection) -> None:
        charger = _charger_of(ws)
        async for text in ws:
            frame = json.loads(text)
            payload = frame[3]
            row = (charger, frame[1], payload.get("transactionId"), payload["meterValue"][0]["timestamp"], text)
            db.execute(insert, row)
            await ws.send(json.dumps([3, frame[1], {}]))

    try:
        async with serve(handler, "127.0.0.1", 0, subprotocols=[SUBPROTOCOL], compression=None) as server:
            yield server.sockets[0].getsockname()[1], _logins(chargers)
    finally:
        db.close()


class ReferenceCentralSystem(ChargePoint):  # type: ignore[misc]
    """The ``ocpp`` package's documented central system, answering MeterValues and storing nothing."""

    @on(Action.meter_values)  # type: ignore[untyped-decorator]
    async def on_meter_values(self, connector_id: int, meter_value: list[dict[str, Any]], **kwargs: Any) -> Any:
        return call_result.MeterValues()


@asynccontextmanager
async def _reference(chargers: int, work: Path) -> AsyncIterator[tuple[int, list[ChargerLogin]]]:
    async def handler(ws: ServerConnection) -> None:
        try:
            await ReferenceCentralSystem(_charger_of(ws), ws).start()
        except ConnectionClosed:
            pass

    async with serve(handler, "127.0.0.1", 0, subprotocols=[SUBPROTOCOL], compression=None) as server:
        yield server.sockets[0].getsockname()[1], _logins(chargers)


def _logins(chargers: int) -> list[ChargerLogin]:
    # these servers check no password: any will do
    return [ChargerLogin(f"BENCH-CP-{n:03d}", secrets.token_urlsafe(16)) for n in range(1, chargers + 1)]


@asynccontextmanager
async def wattsup_server(
    chargers: int, work: Path, timers: bool = True
) -> AsyncIterator[tuple[int, list[ChargerLogin]]]:
    from ocpp_seed import bench_deps, bench_settings, seed_network

    import function_app
    from local_host.__main__ import ocpp_mount
    from local_host.heap import settle_heap
    from local_host.server import LocalHost
    from shared import bootstrap

    settings = bench_settings(work)
    try:
        deps = await bench_deps(settings)
        logins = await seed_network(deps, chargers)
        mount = ocpp_mount(function_app.app, settings)
        if mount is None:
            raise RuntimeError("the app has no charger function or no WEBPUBSUB_ACCESS_KEYS: no OCPP endpoint")
        # as `python -m local_host` runs it: bus polling and timers on (timers off only for a count of the frames)
        async with LocalHost(function_app.app, settings, "127.0.0.1", 0, timers=timers, ocpp=mount) as host:
            settle_heap()
            yield host.port, logins
    finally:
        await bootstrap.close()


KINDS: dict[str, Callable[[int, Path], Serving]] = {"bare": _bare, "reference": _reference, "wattsup": wattsup_server}


async def _serve(kind: str, chargers: int, work: Path, conn: Connection) -> None:
    loop, stop = asyncio.get_running_loop(), asyncio.Event()

    def wait_for_parent() -> None:
        try:
            conn.recv()  # "stop", or EOFError when the parent is gone
        except (EOFError, OSError):
            pass
        loop.call_soon_threadsafe(stop.set)

    async with KINDS[kind](chargers, work) as (port, logins):
        conn.send(("ready", port, logins))
        threading.Thread(target=wait_for_parent, name="stop-signal", daemon=True).start()
        await stop.wait()


def run_server(kind: str, chargers: int, workdir: str, conn: Connection, loop: str = "uvloop") -> None:
    """The child process's entry point (multiprocessing, spawn); every kind runs on the same ``loop``."""
    work = Path(workdir)
    logging.basicConfig(
        filename=work / f"{kind}.log", level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    profile_to = os.environ.get("OCPP_BENCH_PROFILE")  # a directory: write <kind>.prof there (cProfile)
    profiler = cProfile.Profile() if profile_to else None
    try:
        if profiler is not None:
            profiler.enable()
        factory = None
        if loop == "uvloop":
            import uvloop

            factory = uvloop.new_event_loop
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(_serve(kind, chargers, work, conn))
        if profiler is not None and profile_to:
            profiler.disable()
            profiler.dump_stats(str(Path(profile_to) / f"{kind}.prof"))
    except BaseException:
        logging.getLogger("bench").exception("the %s server failed", kind)
        try:
            conn.send(("failed", traceback.format_exc()))
        except OSError:
            pass
        raise SystemExit(1) from None


def count_rows(path: Path, sql: str) -> int | None:
    """A count from a server's SQLite file after it stopped; None if the file or table is not there."""
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute(sql).fetchone()
    except sqlite3.Error:
        return None
    return int(row[0]) if row and row[0] is not None else 0

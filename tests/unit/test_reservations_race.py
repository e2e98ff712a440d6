"""Overlapping bookings of one connector from several OS processes sharing one SQLite file: one reservation."""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

from shared import bootstrap
from shared.domain.errors import DomainError
from shared.domain.principal import Principal, Role
from shared.domain.reservations import ReservationCreate
from shared.domain.station_api import StationCreate
from shared.domain.stations import ConnectorStandard, PowerType, StationConnector
from shared.ports.store import Filter, Query
from shared.repositories.reservations import read_ledger
from shared.repositories.stations import save_station
from shared.services.reservations import book
from shared.services.stations import create_station
from tests.conftest import make_settings
from tests.fakes import RecordingLink
from tests.processes import race
from tests.providers_fixture import create_provider, station_body

KEY = "CP-1/1"
PER_PROCESS = 5  # concurrent bookings within each process, on top of the processes racing
WAIT = 60.0  # seconds a process waits for the others before the test fails


async def _attempts(folder: str, name: str, barrier: Barrier) -> list[str]:
    deps = bootstrap.build(make_settings(Path(folder)))
    deps.link = RecordingLink()
    try:
        station_id = Path(folder, "station-id").read_text()
        start = deps.clock.now() + timedelta(hours=1)

        async def attempt(i: int) -> str:
            who = Principal(f"usr_{name}_{i}", f"{name}{i}@example.com", frozenset({Role.DRIVER}))
            cmd = ReservationCreate(
                station_id=station_id, connector_key=KEY, starts_at=start + timedelta(minutes=i), duration_minutes=30
            )
            try:
                return (await book(cmd, who=who, deps=deps)).id
            except DomainError as refused:
                return refused.code

        barrier.wait(WAIT)
        return list(await asyncio.gather(*(attempt(i) for i in range(PER_PROCESS))))
    finally:
        await deps.store.close()
        await deps.bus.close()


def _worker(folder: str, name: str, barrier: Barrier, results: multiprocessing.Queue[tuple[str, list[str]]]) -> None:
    results.put((name, asyncio.run(_attempts(folder, name, barrier))))


async def _prepare(folder: Path) -> None:
    deps = bootstrap.build(make_settings(folder))
    try:
        team = await create_provider(deps, "acme")
        cmd = StationCreate.model_validate(station_body(lifecycle="active"))
        station = await create_station(cmd, provider_id=team.id, who=team.admin.principal, deps=deps)
        plug = StationConnector(
            charger_id="CP-1",
            connector_id=1,
            standard=ConnectorStandard.TYPE_2,
            power_type=PowerType.AC,
            max_power_kw=22,
        )
        await save_station(deps.store, station.model_copy(update={"connectors": [plug]}), station.etag)
        (folder / "station-id").write_text(station.id)
        # A booking far from the racers' windows: the ledger exists, so they replace one version of it.
        early = Principal("usr_early", "early@example.com", frozenset({Role.DRIVER}))
        start = deps.clock.now() + timedelta(hours=5)
        await book(
            ReservationCreate(station_id=station.id, connector_key=KEY, starts_at=start, duration_minutes=30),
            who=early,
            deps=deps,
        )
    finally:
        await deps.store.close()
        await deps.bus.close()


async def _stored(folder: Path) -> tuple[list[str], list[str]]:
    deps = bootstrap.build(make_settings(folder))
    try:
        page = await deps.store.query("reservations", Query((Filter("type", "eq", "reservation"),)))
        ledger = await read_ledger(deps.store, KEY)
        return [d["id"] for d in page.items], [w.reservation_id for w in ledger.windows] if ledger else []
    finally:
        await deps.store.close()
        await deps.bus.close()


def test_processes_racing_for_one_connector_make_exactly_one_reservation(tmp_path: Path) -> None:
    asyncio.run(_prepare(tmp_path))
    outcomes = race(_worker, str(tmp_path), ("a", "b", "c", "d"))
    every = [o for results in outcomes.values() for o in results]
    won = [o for o in every if o.startswith("res_")]
    assert len(every) == 4 * PER_PROCESS and len(won) == 1
    assert sorted(set(every) - set(won)) == ["reservation_overlap"]
    reservations, windows = asyncio.run(_stored(tmp_path))
    assert len(reservations) == 2 and won[0] in reservations
    assert windows[0] == won[0] and len(windows) == 2

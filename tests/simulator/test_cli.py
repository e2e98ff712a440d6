"""The command line: demo chargers derived from the demo network, arguments, the interactive console."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from shared.services.demo import DEMO_CHARGER_PASSWORD, DEMO_ID_TAG
from shared.services.demo_network import demo_network
from simulator import Options
from simulator.cli import parse_args
from simulator.console import Console
from simulator.fleet import ChargerLogin, DemoSimulation, Fleet, demo_chargers
from tests.simulator.central_system import STEP, CentralSystem
from tests.simulator.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def test_demo_chargers_are_the_seeded_ones_one_per_station_provider_by_provider() -> None:
    chargers = demo_chargers(4)
    assert [c.charger_id for c in chargers] == ["SPREE-000-1", "HAUPTSTADT-000-1", "VOLTWERK-000-1", "SPREE-001-1"]
    assert demo_chargers(4) == chargers  # the same every time
    network = demo_network()
    seeded = network[0].stations[1].chargers[0]
    assert [(c.max_kw, c.kind) for c in chargers[3].connectors] == [(kw, kind) for _, kind, kw in seeded.connectors]
    assert {c.password for c in chargers} == {DEMO_CHARGER_PASSWORD}
    with pytest.raises(ValueError, match="only"):
        demo_chargers(3 * len(network[0].stations) + 1)
    # a smaller demo network (DEMO_STATIONS_PER_PROVIDER) has the same first stations
    assert demo_chargers(4, stations_per_provider=2) == chargers
    with pytest.raises(ValueError, match="only 6"):
        demo_chargers(7, stations_per_provider=2)


def test_arguments() -> None:
    args = parse_args(["--charger", "A:secret", "--charger", "B", "--connectors", "11,150", "--interval", "0.5"])
    assert [(x.charger_id, x.password) for x in args.logins] == [("A", "secret"), ("B", DEMO_CHARGER_PASSWORD)]
    assert [(c.max_kw, c.kind) for c in args.logins[0].connectors] == [(11.0, "AC"), (150.0, "DC")]
    assert args.interval == 0.5 and not args.kwh_unit and args.url == "ws://127.0.0.1:7071/ocpp"
    demo = parse_args(["--demo", "2", "--kwh-unit"])
    assert [x.charger_id for x in demo.logins] == ["SPREE-000-1", "HAUPTSTADT-000-1"] and demo.kwh_unit
    for wrong in (["--demo", "2", "--charger", "A"], [], ["--demo", "0"], ["--charger", "A", "--connectors", "0"]):
        with pytest.raises(SystemExit):
            parse_args(wrong)


async def test_the_console_drives_the_chargers(cs: CentralSystem) -> None:
    login = ChargerLogin("SIM-1", PASSWORD, parse_args(["--charger", "x"]).logins[0].connectors)
    fleet = Fleet(cs.url, [login, ChargerLogin("SIM-404", "nope", login.connectors)], Options(meter_interval=0.05))
    errors = await fleet.start()
    try:
        assert [e.charger_id for e in errors] == ["SIM-404"]  # type: ignore[attr-defined]
        console = Console(fleet)
        await fleet.chargers[0].wait_for_boot()
        assert await console.execute("swipe 1 1 GOOD") == "SIM-1 card GOOD: Accepted"
        await fleet.chargers[0].wait_for_transaction(1)
        assert "1: Charging tx 100 GOOD" in await console.execute("status SIM-1")
        assert await console.execute("drop SIM-1") == "SIM-1 offline"
        assert "2: Faulted HighTemperature" in await console.execute("fault 1 2 HighTemperature")
        assert "1: Finishing" in await console.execute("stop 1 1")
        assert await console.execute("reconnect 1") == "SIM-1 online"
        (stop,) = await cs.wait_for("StopTransaction")
        assert stop["reason"] == "Local" and stop["transaction_id"] == 100
        assert (await console.execute("dance 1")).startswith("error: unknown command")
        assert (await console.execute("swipe 1 1")).startswith("error: usage: swipe <charger> <connector> <idTag>")
        assert (await console.execute("stop 7 1")).startswith("error: no simulated charger '7'")
        assert (await console.execute("stop 1 9")).startswith("error: SIM-1 has no connector 9")
    finally:
        await fleet.close()


async def test_the_command_line_runs_interactively(cs: CentralSystem) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--url", cs.url, "--charger", f"SIM-1:{PASSWORD}", "--interval", "0.05",
        "--kwh-unit", "-i", cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None
    try:
        await cs.wait_for("StatusNotification", lambda s: s["connector_id"] == 2, timeout=3 * STEP)
        process.stdin.write(b"swipe SIM-1 1 GOOD\n")
        await process.stdin.drain()
        (frame,) = await cs.wait_for("MeterValues")
        assert frame["meter_value"][0]["sampled_value"][0]["unit"] == "kWh"
        process.stdin.write(b"stop 1 1\nquit\n")
        async with asyncio.timeout(STEP):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert "simulating: SIM-1" in out.decode() and "SIM-1 card GOOD: Accepted" in out.decode()
    assert "SIM-1 connector 1 Charging" in err.decode()  # the event log, one line per event
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["reason"] == "Local"


async def test_a_refused_charger_makes_the_command_line_fail(cs: CentralSystem) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--url", cs.url, "--charger", "SIM-1:wrong", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(3 * STEP):
        _, err = await process.communicate()
    assert process.returncode == 2
    assert "HTTP 401" in err.decode() and "check the charger id and its password" in err.decode()


async def test_the_demo_simulation_starts_after_seeding_and_the_first_charger_charges() -> None:
    ids = [x.charger_id for x in demo_chargers(2)]
    central = CentralSystem(passwords=dict.fromkeys(ids, DEMO_CHARGER_PASSWORD), tags={DEMO_ID_TAG: "Accepted"})
    await central.start()
    waiting, seeded = asyncio.Event(), asyncio.Event()

    async def seeding() -> None:
        waiting.set()
        await seeded.wait()

    simulation = DemoSimulation(central.url, 2, ready=seeding(), id_tag=DEMO_ID_TAG)
    try:
        simulation.start()
        await asyncio.wait_for(waiting.wait(), STEP)
        assert central.connections == 0  # the simulation waits for the demo data
        released = datetime.now(UTC)
        seeded.set()
        (start,) = await central.wait_for("StartTransaction")
        assert start["id_tag"] == DEMO_ID_TAG and start["connector_id"] == 1
        assert [r.charger_id for r in central.received if r.action == "StartTransaction"] == [ids[0]]
        await central.wait_until(lambda: {r.charger_id for r in central.received} == set(ids))
        assert min(r.at for r in central.received) >= released  # nothing before the demo data was there
    finally:
        await simulation.stop()
        await central.stop()
    assert all(not cp.online for cp in simulation.fleet.chargers)


async def test_the_local_host_option_prints_the_simulated_chargers(capsys: pytest.CaptureFixture[str]) -> None:
    from local_host.__main__ import _simulation

    relay = SimpleNamespace(host="127.0.0.1", port=7071, ocpp=object())
    settings = SimpleNamespace(demo_stations_per_provider=2)
    assert _simulation(relay, None, 0, settings, None) is None and capsys.readouterr().out == ""  # type: ignore[arg-type]
    assert _simulation(relay, None, 3, settings, None) is None  # type: ignore[arg-type]
    assert "--simulate skipped" in capsys.readouterr().out  # no demo data: nothing to log in as

    seeding = asyncio.ensure_future(asyncio.Event().wait())  # never done: the chargers never connect
    simulation = _simulation(relay, seeding, 3, settings, 0.5)  # type: ignore[arg-type]
    try:
        assert simulation is not None
        assert "simulated chargers: SPREE-000-1, HAUPTSTADT-000-1, VOLTWERK-000-1" in capsys.readouterr().out
        assert [cp.url for cp in simulation.fleet.chargers][0] == "ws://127.0.0.1:7071/ocpp/SPREE-000-1"
        assert {cp.options.meter_interval for cp in simulation.fleet.chargers} == {0.5}  # --meter-interval
    finally:
        if simulation is not None:
            await simulation.stop()
        seeding.cancel()
    assert all(not cp.online for cp in simulation.fleet.chargers)

"""``python -m simulator``: simulated OCPP 1.6J chargers against a Watt's Up central system, one log line per event."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading

from simulator.connector import ConnectorSpec
from simulator.console import COMMANDS, Console
from simulator.fleet import ChargerLogin, Fleet, demo_chargers
from simulator.options import Options

__all__ = ["main", "parse_args", "logins_from"]

DEFAULT_URL = "ws://127.0.0.1:7071/ocpp"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Simulated OCPP 1.6J chargers for Watt's Up (boot, statuses, heartbeats, sessions, faults, "
        "offline queue), one log line per event.",
        epilog=COMMANDS + "\n\nexample: python -m simulator --demo 3 --interval 5 --rfid DEMO0001 -i",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"OCPP endpoint without the charger id ({DEFAULT_URL})")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--charger", action="append", metavar="ID[:PASSWORD]",
                     help="a charger to simulate (repeatable); without a password, the demo chargers' one")  # fmt: skip
    who.add_argument("--demo", type=int, metavar="N", help="the first N chargers of the demo network (make run)")
    parser.add_argument("--connectors", default="22,22", metavar="KW[,KW...]",
                        help="each --charger's connectors, max kW each (default 22,22; over 22 kW is DC)")  # fmt: skip
    parser.add_argument("--interval", type=float, default=10.0, metavar="SECONDS",
                        help="MeterValues interval while charging (default 10; fractions allowed)")  # fmt: skip
    parser.add_argument("--speed", type=float, default=1.0, help="simulated charging seconds per real second")
    parser.add_argument("--rfid", metavar="TAG", help="once booted, each charger swipes TAG at connector 1")
    parser.add_argument("--kwh-unit", action="store_true", help="energy in kWh and power in kW (default Wh, W)")
    parser.add_argument("--unplug-after", type=float, default=15.0, metavar="SECONDS",
                        help="the driver unplugs this long after a session (default 15; negative: never)")  # fmt: skip
    parser.add_argument("-i", "--interactive", action="store_true", help="read the commands below from stdin")
    parser.add_argument("--frames", action="store_true", help="also log every OCPP frame")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.demo is not None and args.demo < 1:
        parser.error("--demo needs a positive number")
    try:
        args.logins = logins_from(args)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def logins_from(args: argparse.Namespace) -> list[ChargerLogin]:
    if args.demo is not None:
        return demo_chargers(args.demo)
    from shared.services.demo import DEMO_CHARGER_PASSWORD

    kws = [float(kw) for kw in str(args.connectors).split(",") if kw.strip()]
    if not kws or min(kws) <= 0:
        raise ValueError("--connectors needs positive kW values, like 22,50")
    connectors = tuple(ConnectorSpec(max_kw=kw) for kw in kws)
    logins = []
    for spec in args.charger:
        charger_id, _, password = str(spec).partition(":")
        if not charger_id:
            raise ValueError(f"--charger {spec!r} has no id")
        logins.append(ChargerLogin(charger_id, password or DEMO_CHARGER_PASSWORD, connectors))
    return logins


async def run(args: argparse.Namespace) -> int:
    options = Options(meter_interval=args.interval, speed=args.speed, kwh_unit=args.kwh_unit,
                      unplug_after=args.unplug_after if args.unplug_after >= 0 else None)  # fmt: skip
    fleet = Fleet(args.url, args.logins, options)
    errors = await fleet.start(rfid=args.rfid)
    try:
        if not fleet.chargers:
            print(f"no charger could connect ({len(errors)} refused or unreachable)", file=sys.stderr)
            return 2
        print("simulating: " + ", ".join(cp.charger_id for cp in fleet.chargers), flush=True)
        if args.interactive:
            await _console(Console(fleet))
        else:
            await _until_stopped()
        return 0
    finally:
        await fleet.close()


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _console(console: Console) -> None:
    """Commands from stdin until ``quit`` (or Ctrl-C); at the end of input the chargers keep running."""
    loop, lines = asyncio.get_running_loop(), asyncio.Queue[str | None]()

    def read() -> None:  # a daemon thread: a blocked readline never holds up the exit
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="simulator-stdin", daemon=True).start()
    stopped = asyncio.ensure_future(_until_stopped())
    try:
        while True:
            next_line = asyncio.ensure_future(lines.get())
            await asyncio.wait({next_line, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if stopped.done():
                next_line.cancel()
                return
            line = next_line.result()
            if line is None:
                await stopped  # end of input: run on until Ctrl-C
                return
            if line.strip().lower() in ("quit", "exit"):
                return
            output = await console.execute(line)
            if output:
                print(output, flush=True)
    finally:
        stopped.cancel()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("simulator.frames").setLevel(logging.INFO if args.frames else logging.WARNING)
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:
        return 130

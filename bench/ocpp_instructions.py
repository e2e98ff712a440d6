"""Instructions per MeterValues frame through Watt's Up's charger path, counted by valgrind: free of the VM's speed.

The ingest bench's figures move by a quarter from one run to the next on a shared VM. This
counts what the code does instead: C chargers (default 20), each in session as in
bench/ocpp_ingest.py, send frames concurrently through the local relay's ``message`` event
(the signed CloudEvents request, the charger function, the router, the handler, the store's
group commit); after a warm-up, valgrind's callgrind counts the user-space instructions of
the measured frames only (instrumentation switched on and off around them with
``callgrind_control``). Sockets, uvicorn and the host's bus polls and timers are not in it.

``--socket`` counts the whole server instead: the bench's Watt's Up local host (bench/ocpp_servers.py, as
bench/ocpp_ingest.py runs it: uvicorn, the relay's WebSockets, the host's bus polls, the heap settled; but
no timers, whose sweeps would land in some windows and not in others) under valgrind, driven by the ingest
bench's raw-frame load generator over loopback for ``--seconds`` (default 30) after a warm-up of 10; the
count is of that window, divided by the frames answered in it. The kernel's share (the socket and file
system calls) is not counted, only the server's user space.

    .venv/bin/python bench/ocpp_instructions.py [--frames 50] [--chargers 20] [--settle-heap]
    .venv/bin/python bench/ocpp_instructions.py --socket [--seconds 30] [--chargers 20]

``--frames``: per charger (50 x 20 = 1,000 frames). ``--settle-heap``: as ``python -m local_host``
does after start (local_host/heap.py). Needs valgrind (``apt-get install valgrind``). About 40 s
(``--socket``: about 90 s). Deterministic but for the store's thread hops and its clock: runs of the
same code agree within about 1 % (run them one at a time, or two side by side, the same way for both
sides of a comparison); ``--socket`` within about 2 % (how many frames a loop turn gathers moves a little).
``--out FILE`` keeps callgrind's output, for ``callgrind_annotate FILE`` (where the instructions go by C
function and library).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [p for p in (str(ROOT), str(ROOT / "bench")) if p not in sys.path]

WARM_UP = 20  # frames per charger before counting


async def _frames(chargers: int, frames: int, settle: bool, go: Path, done: Path) -> None:
    """The child, under valgrind: seed, warm up, say READY, wait for ``go``, send, create ``done``."""
    import azure.functions as func
    from ocpp_load import Clock, meter_values_frame
    from ocpp_seed import bench_deps, bench_settings, seed_network, start_session

    import function_app  # noqa: F401 - registers the charger function
    from functions.chargers.webpubsub import ocpp_webpubsub
    from local_host.heap import settle_heap
    from local_host.invoke import call_user_function
    from local_host.ocpp_relay import OcppRelay
    from shared import bootstrap
    from shared.services.ocpp_handlers import OcppContext

    with tempfile.TemporaryDirectory(prefix="wattsup-bench-instructions-") as tmp:
        settings = bench_settings(Path(tmp))
        deps = await bench_deps(settings)

        async def invoke(req: func.HttpRequest) -> object:
            return await call_user_function(ocpp_webpubsub, "req", req, "ocpp_webpubsub")

        relay = OcppRelay(invoke, settings.webpubsub_hub, settings.webpubsub_access_key_list[0], "/api/ocpp/webpubsub")
        sessions = []
        for login in await seed_network(deps, chargers):
            clock, ctx = Clock(), OcppContext(login.charger_id, f"conn-{login.charger_id}", deps)
            transaction_id = await start_session(ctx, login.id_tag or "", login.meter_start_wh, clock.stamp()[1])
            headers = relay._message_headers(str(uuid.uuid4()), {"userId": login.charger_id, "subprotocol": "ocpp1.6"})
            sessions.append((login.meter_start_wh, clock, transaction_id, headers))
        zero, sent = sessions[0][1].last_ms, 0

        async def charger(
            meter_start: int, clock: Clock, transaction_id: int, headers: Callable[[str], dict[str, str]], count: int
        ) -> None:
            nonlocal sent
            for _ in range(count):
                sent += 1
                ms, stamp = clock.stamp()
                elapsed = (ms - zero) / 1000
                text = meter_values_frame(
                    str(sent), transaction_id, stamp, meter_start + 50_000 * elapsed / 3600, elapsed
                )
                status, _, answer = await relay._message(headers("text/plain"), text.encode())
                if status != 200 or not answer.startswith(b"[3,"):
                    raise SystemExit(f"the relay's message event answered {status} {answer[:200]!r}")

        await asyncio.gather(*(charger(*s, WARM_UP) for s in sessions))
        if settle:
            settle_heap()
        print("READY", flush=True)
        while not go.exists():
            time.sleep(0.05)
        await asyncio.gather(*(charger(*s, frames) for s in sessions))
        done.touch()
        await bootstrap.close()


async def _serve(chargers: int, ready: Path, stop: Path) -> None:
    """The ``--socket`` child, under valgrind: the bench's Watt's Up server until ``stop`` exists."""
    from dataclasses import asdict

    from ocpp_servers import wattsup_server

    with tempfile.TemporaryDirectory(prefix="wattsup-bench-instructions-") as tmp:
        async with wattsup_server(chargers, Path(tmp), timers=False) as (port, logins):
            ready.write_text(json.dumps({"port": port, "logins": [asdict(login) for login in logins]}))
            while not stop.exists():
                await asyncio.sleep(0.2)


def _valgrind(out: Path) -> list[str]:
    """This script under callgrind, counting nothing until ``callgrind_control -i on``."""
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    return [*valgrind, sys.executable, __file__]


def _run_child(command: list[str], log: Path, until: Callable[[], bool], what: str) -> subprocess.Popen[bytes]:
    """Start ``command`` (valgrind) with its output in ``log``; wait, bounded, until ``until()``."""
    with log.open("w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 600  # seeding under valgrind takes a while; bounded
    while not until():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise SystemExit(f"{what}:\n{log.read_text()[-2000:]}")
        time.sleep(0.5)
    return child


def _instrument(child: subprocess.Popen[bytes], state: str) -> None:
    """Switch callgrind's counting ``on`` or ``off`` in the child."""
    subprocess.run(["callgrind_control", "-i", state, str(child.pid)], check=True, capture_output=True)


def _collected(log: Path) -> int:
    collected = [line for line in log.read_text().splitlines() if "Collected" in line]
    if not collected:
        raise SystemExit(f"valgrind reported no count:\n{log.read_text()[-2000:]}")
    return int(collected[-1].split()[-1])


def _socket(args: argparse.Namespace, work: Path) -> int:
    """``--socket``: the whole server under valgrind, this process the load generator."""
    from ocpp_load import ChargerLogin, run_load

    ready, stop, log = work / "ready", work / "stop", work / "valgrind.log"
    command = [*_valgrind(args.out or work / "out"), "--chargers", str(args.chargers), "--serve", str(ready), str(stop)]
    child = _run_child(command, log, ready.exists, "the server did not get ready")
    try:
        served = json.loads(ready.read_text())
        logins = [ChargerLogin(**login) for login in served["logins"]]

        states = iter(("on", "off"))

        def window() -> None:  # as the window opens, then as it closes: blocks the load generator for a moment
            _instrument(child, next(states))

        url = f"ws://127.0.0.1:{served['port']}/ocpp"
        result = asyncio.run(run_load(url, logins, 10.0, args.seconds, on_window=window))
        stop.touch()
        child.wait(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
    if result.error_count or result.setup_errors or not result.ok:
        raise SystemExit(f"the load failed: {result.errors} {result.setup_errors[:3]}")
    print(
        f"{_collected(log) / result.ok:,.0f} instructions per frame, whole server ({result.ok:,} frames in "
        f"{args.seconds:g} s under valgrind, {args.chargers} chargers)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=50, help="measured frames per charger (default 50)")
    parser.add_argument("--chargers", type=int, default=20, help="concurrent chargers (default 20)")
    parser.add_argument("--settle-heap", action="store_true", help="settle_heap() after the warm-up")
    parser.add_argument("--socket", action="store_true", help="the whole server over loopback (see above)")
    parser.add_argument("--seconds", type=float, default=30.0, help="--socket: the counted window (default 30)")
    parser.add_argument("--out", type=Path, help="keep callgrind's output there (for callgrind_annotate)")
    parser.add_argument("--child", nargs=2, metavar=("GO", "DONE"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, metavar=("READY", "STOP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(_frames(args.chargers, args.frames, args.settle_heap, Path(args.child[0]), Path(args.child[1])))
        return 0
    if args.serve:
        import uvloop  # as the ingest bench's servers run

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_serve(args.chargers, Path(args.serve[0]), Path(args.serve[1])))
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is needed (apt-get install valgrind)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="wattsup-callgrind-") as tmp:
        work = Path(tmp)
        if args.socket:
            return _socket(args, work)
        go, done, log = work / "go", work / "done", work / "valgrind.log"
        command = [*_valgrind(args.out or work / "out"), "--frames", str(args.frames), "--chargers", str(args.chargers),
                   *(["--settle-heap"] if args.settle_heap else []), "--child", str(go), str(done)]  # fmt: skip
        child = _run_child(command, log, lambda: "READY" in log.read_text(), "the measured process did not get ready")
        try:
            _instrument(child, "on")
            go.touch()
            deadline = time.monotonic() + 600
            while not done.exists():
                if child.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the measured process stopped:\n{log.read_text()[-2000:]}")
                time.sleep(0.2)
            _instrument(child, "off")
            child.wait(timeout=300)
        finally:
            if child.poll() is None:
                child.kill()
        total = _collected(log)
    frames = args.frames * args.chargers
    print(
        f"{total / frames:,.0f} instructions per frame ({frames:,} frames, {args.chargers} chargers concurrent"
        f"{', heap settled' if args.settle_heap else ''})"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")  # the child inherits it: dict and set layouts as alike as can be
    raise SystemExit(main())

"""OCPP MeterValues ingest: Watt's Up's whole charger path against a bare baseline and the ocpp package, in one run.

Simulated chargers (default 20) send MeterValues CALLs as raw text frames at full
speed, one outstanding call per connection, for a warm-up (default 2 s) and a
measured window (default 10 s) per target; messages per second and latency p50/p95/p99
(send to reply) are measured against three central systems, one after another, each
in a child process of its own so that it and the load generator do not share a GIL:

  (a) bare       a websockets server: json parse, one SQLite row (WAL), ``[3, id, {}]``
  (b) reference  the ocpp package's ChargePoint with an @on(MeterValues) handler, no persistence
  (c) wattsup    the local host: WebSocket relay -> Web PubSub event function -> schema
                 validation -> handler -> store -> events; each charger first boots and
                 starts a session (StartTransaction) with a driver's RFID tag

A CALLERROR reply is an error, counted apart and never a result. Targets: (c) >= 0.25 x (a),
(c) > (b), (c) p99 < 50 ms at 20 chargers. See bench/README.md.

    .venv/bin/python bench/ocpp_ingest.py [--chargers 20] [--seconds 10] [--warmup 2] [--rounds 1]
        [--only a,b,c] [--frame full|energy] [--client wire|websockets] [--client-loop uvloop|asyncio]
        [--server-loop uvloop|asyncio] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path[:0] = [p for p in (str(ROOT), str(BENCH)) if p not in sys.path]  # spawned children inherit the path

from ocpp_load import LoadResult, run_load  # noqa: E402
from ocpp_servers import count_rows, run_server  # noqa: E402

__all__ = ["main"]

T = TypeVar("T")
TARGETS = {  # --only letter -> (server kind, label)
    "a": ("bare", "(a) bare websockets + SQLite"),
    "b": ("reference", "(b) ocpp ChargePoint reference"),
    "c": ("wattsup", "(c) Watt's Up local host"),
}
READY_TIMEOUT = 120.0  # seconds for a child to import, seed and listen
MIN_BASELINE_RATIO, MAX_P99_MS, P99_CHARGERS = 0.25, 50.0, 20


@dataclass
class Measured:
    kind: str
    label: str
    result: LoadResult | None = None
    failure: str | None = None  # the server did not start, or the run could not be made
    server_cpu: float | None = None  # share of one core over the measured window
    client_cpu: float | None = None
    stored: dict[str, int | None] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)  # the server's warnings and errors

    @property
    def valid(self) -> bool:
        r = self.result
        return self.failure is None and r is not None and r.ok > 0 and not r.errors and not r.setup_errors

    def problem(self) -> str | None:
        """Why this is not a result, in one line; None if it is one."""
        if self.failure is not None:
            return self.failure.strip().splitlines()[-1][:300]
        r = self.result
        if r is None or self.valid:
            return None
        parts = []
        if r.setup_errors:
            parts.append(f"{len(r.setup_errors)} setup failures, first: {r.setup_errors[0]}")
        if r.errors:
            codes = ", ".join(f"{code} x{count:,}" for code, count in sorted(r.errors.items(), key=lambda kv: -kv[1]))
            parts.append(f"{r.error_count:,} errors ({codes}) against {r.answered:,} CALLRESULTs to MeterValues")
        if r.ok == 0 and not r.errors:
            parts.append("no reply in the measured window")
        return "; ".join(parts)


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (all its threads), from /proc; None where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(coro: Coroutine[Any, Any, T], loop: str) -> T:
    if loop == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    return asyncio.run(coro)


async def _load_with_cpu(url: str, args: argparse.Namespace, logins: list[Any], pid: int, out: Measured) -> LoadResult:
    """The load, and each process's CPU share over the measured window (sampled as it opens and closes)."""
    samples: list[tuple[float, float | None, float]] = []

    def sample() -> None:
        samples.append((time.perf_counter(), _process_cpu(pid), time.process_time()))

    result = await run_load(
        url, logins, args.warmup, args.seconds, client=args.client, frame=args.frame, on_window=sample
    )
    if len(samples) == 2:
        (t0, s0, c0), (t1, s1, c1) = samples
        out.server_cpu = (s1 - s0) / (t1 - t0) if s0 is not None and s1 is not None else None
        out.client_cpu = (c1 - c0) / (t1 - t0)
    return result


def measure(kind: str, label: str, args: argparse.Namespace, work: Path) -> Measured:
    """Start the ``kind`` server in a child process, run the load against it, stop it, read what it stored."""
    out = Measured(kind, label)
    work.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of this process's state
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=run_server, args=(kind, args.chargers, str(work), child, args.server_loop), name=f"bench-{kind}"
    )
    proc.start()
    child.close()
    try:
        if not parent.poll(READY_TIMEOUT):
            out.failure = f"the {kind} server was not ready within {READY_TIMEOUT:g} s"
        else:
            message = parent.recv()
            if message[0] != "ready":
                out.failure = str(message[1])
            else:
                _, port, logins = message
                assert proc.pid is not None
                load = _load_with_cpu(f"ws://127.0.0.1:{port}/ocpp", args, logins, proc.pid, out)
                out.result = _run(load, args.client_loop)
    except EOFError:
        out.failure = f"the {kind} server exited with {proc.exitcode} before it was ready"
    finally:
        try:
            parent.send("stop")
        except OSError:
            pass
        proc.join(30)
        if proc.is_alive():
            proc.terminate()
            proc.join(10)
        parent.close()
    _after(out, work)
    return out


def _after(out: Measured, work: Path) -> None:
    if out.kind == "bare":
        out.stored["rows"] = count_rows(work / "bare.db", "SELECT count(*) FROM meter_frames")
    elif out.kind == "wattsup":
        out.stored["meter_samples"] = count_rows(work / "store.db", "SELECT count(*) FROM meter_samples")
        out.stored["bus_messages"] = count_rows(
            work / "bus.db", "SELECT seq FROM sqlite_sequence WHERE name = 'messages'"
        )
    log = work / f"{out.kind}.log"
    if log.exists():
        out.log = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]


def _best(rounds: list[Measured]) -> Measured:
    valid = [m for m in rounds if m.valid]
    if valid:
        return max(valid, key=lambda m: m.result.rate if m.result else 0.0)
    return rounds[-1]


def _figures(m: Measured) -> dict[str, Any]:
    r = m.result
    cuts = r.percentiles() if r is not None else None
    return {
        "label": m.label,
        "valid": m.valid,
        "problem": m.problem(),
        "msgs_per_s": round(r.rate, 1) if r is not None else None,
        "replies_ok": r.ok if r is not None else None,
        "answered_incl_warmup": r.answered if r is not None else None,
        "p50_ms": round(cuts[0], 3) if cuts else None,
        "p95_ms": round(cuts[1], 3) if cuts else None,
        "p99_ms": round(cuts[2], 3) if cuts else None,
        "errors": r.errors if r is not None else None,
        "setup_errors": len(r.setup_errors) if r is not None else None,
        "server_calls": r.server_calls if r is not None else None,
        "server_cpu": round(m.server_cpu, 3) if m.server_cpu is not None else None,
        "client_cpu": round(m.client_cpu, 3) if m.client_cpu is not None else None,
        "stored": m.stored,
        "server_log_lines": len(m.log),
    }


def verdicts(results: dict[str, Measured], chargers: int) -> dict[str, Any]:
    """The ratios and the three targets: True (met), False (missed) or None (not measured in this run)."""

    def rate(kind: str) -> float | None:
        m = results.get(kind)
        return m.result.rate if m is not None and m.valid and m.result is not None else None

    ours, bare, ref = rate("wattsup"), rate("bare"), rate("reference")
    to_bare = ours / bare if ours is not None and bare else None
    to_ref = ours / ref if ours is not None and ref else None
    cuts = results["wattsup"].result.percentiles() if ours is not None and results["wattsup"].result else None
    p99 = cuts[2] if cuts else None
    return {
        "wattsup_p99_ms": round(p99, 3) if p99 is not None else None,
        "wattsup_to_baseline": round(to_bare, 3) if to_bare is not None else None,
        "wattsup_to_reference": round(to_ref, 3) if to_ref is not None else None,
        "baseline_target_met": to_bare >= MIN_BASELINE_RATIO if to_bare is not None else None,
        "reference_target_met": to_ref > 1 if to_ref is not None else None,
        "p99_target_met": p99 < MAX_P99_MS if p99 is not None else None,
        "p99_at_target_load": chargers == P99_CHARGERS,
    }


def _mark(met: bool | None) -> str:
    return "not measured" if met is None else ("met" if met else "NOT MET")


def report(results: dict[str, Measured], args: argparse.Namespace, checks: dict[str, Any]) -> None:
    print(
        f"OCPP MeterValues ingest: {args.chargers} chargers, one outstanding call each, raw {args.frame} frames; "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per target, {args.rounds} round(s), best counts; "
        f"{args.client} client on {args.client_loop}; servers on {args.server_loop}; {os.cpu_count()} CPUs"
    )
    print(f"\n{'target':32} {'msgs/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>8} {'CPU srv/cli':>12}")
    for m in results.values():
        f = _figures(m)
        errors = sum((f["errors"] or {}).values()) + (f["setup_errors"] or 0)
        cpu = f"{f['server_cpu']:.0%}/{f['client_cpu']:.0%}" if f["server_cpu"] is not None else "-"
        if f["msgs_per_s"] is None:
            print(f"{m.label:32} {'-':>9} {'-':>8} {'-':>8} {'-':>8} {'-':>8} {cpu:>12}")
        else:
            p50, p95, p99 = (f"{f[k]:.2f}" if f[k] is not None else "-" for k in ("p50_ms", "p95_ms", "p99_ms"))
            print(f"{m.label:32} {f['msgs_per_s']:>9,.0f} {p50:>8} {p95:>8} {p99:>8} {errors:>8,} {cpu:>12}")
    for m in results.values():
        problem = m.problem()
        if problem:
            print(f"  ! {m.label}: NOT A RESULT: {problem}")
        if m.stored:
            stored = ", ".join(f"{k} {v if v is not None else 'n/a'}" for k, v in m.stored.items())
            answered = f" for {m.result.answered:,} MeterValues answered (warm-up included)" if m.result else ""
            print(f"    {m.label} stored: {stored}{answered}")
        if m.log:
            print(f"    {m.label} server log: {len(m.log)} lines at WARNING or above, first: {m.log[0][:200]}")
    if "wattsup" not in results:
        return
    at = "" if checks["p99_at_target_load"] else f" (the target is set at {P99_CHARGERS} chargers)"
    lines = [
        ("Watt's Up / baseline", checks["wattsup_to_baseline"], f">= {MIN_BASELINE_RATIO:g}", "baseline_target_met"),
        ("Watt's Up / reference", checks["wattsup_to_reference"], "> 1", "reference_target_met"),
        ("Watt's Up p99 ms", checks["wattsup_p99_ms"], f"< {MAX_P99_MS:g}{at}", "p99_target_met"),
    ]
    print()
    for name, value, target, key in lines:
        shown = f"{value:.3f}" if value is not None else "-"
        print(f"{name:22} {shown:>8}   target {target}: {_mark(checks[key])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chargers", type=int, default=20, help="concurrent simulated chargers (default 20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per target (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up before the window (default 2)")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds per target; the best counts")
    parser.add_argument("--only", default="a,b,c", help="targets to run, of a (bare), b (reference), c (Watt's Up)")
    parser.add_argument(
        "--client-loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="the load generator's event loop (default uvloop: the cheaper client)",
    )
    parser.add_argument(
        "--server-loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="every server's event loop, the same for all three (default uvloop: what python -m local_host and "
        "uvicorn run on where it is installed)",
    )
    parser.add_argument(
        "--client",
        choices=["wire", "websockets"],
        default="wire",
        help="wire: websockets' protocol on a bare asyncio transport, the cheaper client (default); "
        "websockets: websockets.asyncio.client.connect, to cross-check",
    )
    parser.add_argument(
        "--frame",
        choices=["full", "energy"],
        default="full",
        help="full: energy register, power, current and SoC (default); energy: the register alone",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    args = parser.parse_args(argv)
    letters = list(dict.fromkeys(x.strip() for x in args.only.split(",") if x.strip()))
    unknown = [x for x in letters if x not in TARGETS]
    if unknown or not letters or args.chargers < 1 or args.seconds <= 0 or args.warmup < 0 or args.rounds < 1:
        parser.error(f"--only takes a comma-separated subset of a,b,c (got {args.only!r}); counts must be positive")

    rounds: dict[str, list[Measured]] = {TARGETS[x][0]: [] for x in letters}
    with tempfile.TemporaryDirectory(prefix="wattsup-bench-ocpp-") as tmp:
        for n in range(args.rounds):
            for x in letters:
                kind, label = TARGETS[x]
                if not args.json:
                    print(f"running {label} (round {n + 1}) ...", file=sys.stderr, flush=True)
                rounds[kind].append(measure(kind, label, args, Path(tmp) / f"{kind}-{n}"))
    results = {kind: _best(ms) for kind, ms in rounds.items()}
    checks = verdicts(results, args.chargers)
    if args.json:
        figures = {kind: _figures(m) for kind, m in results.items()}
        names = ("chargers", "seconds", "warmup", "rounds", "frame", "client", "client_loop", "server_loop")
        settings = {name: getattr(args, name) for name in names}
        print(json.dumps({**settings, "cpus": os.cpu_count(), "targets": figures, **checks}))
    else:
        report(results, args, checks)
    return 0 if all(m.valid for m in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

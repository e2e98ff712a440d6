"""Requests per second of ``GET /api/health``: the local host against a bare uvicorn app.

Both servers run as their own processes on 127.0.0.1 and are measured in the
same run by the same client (keep-alive connections, modest concurrency), in
alternating fixed-duration rounds; the best round of each counts. Prints both
figures and the ratio (target >= 0.5). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

__all__ = ["main", "measure"]

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PATH = "/api/health"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch(cmd: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [*cmd, "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{cmd[2]} exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + PATH, timeout=5).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(proc)
    raise SystemExit(f"{' '.join(cmd)} did not answer {PATH} with 200 within 60 s:\n{log.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _raw_connection(port: int, deadline: float) -> int:
    """One keep-alive HTTP/1.1 connection, sequential GETs until the deadline."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    done = 0
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if head[9:12] != b"200":
                raise RuntimeError(f"{PATH} answered {head[:40]!r}")
            length = next(int(h[15:]) for h in head.split(b"\r\n") if h[:15].lower() == b"content-length:")
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
        await writer.wait_closed()
    return done


async def _httpx_client(url: str, concurrency: int, deadline: float) -> int:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> int:
            done = 0
            while time.perf_counter() < deadline:
                response = await client.get(PATH)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}{PATH} answered {response.status_code}")
                done += 1
            return done

        return sum(await asyncio.gather(*(worker() for _ in range(concurrency))))


async def measure(url: str, seconds: float, concurrency: int, client: str = "raw") -> float:
    """Requests per second over ``seconds``, every answer checked for 200."""
    started = time.perf_counter()
    deadline = started + seconds
    if client == "httpx":
        done = await _httpx_client(url, concurrency, deadline)
    else:
        port = int(url.rsplit(":", 1)[1])
        done = sum(await asyncio.gather(*(_raw_connection(port, deadline) for _ in range(concurrency))))
    return done / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="function_app:app", help="module:attribute served by the local host")
    parser.add_argument("--seconds", type=float, default=2.5, help="length of one round (default 2.5)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per server (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="raw: a minimal asyncio HTTP/1.1 client, fast enough that the servers are the bottleneck "
        "(default); httpx: httpx.AsyncClient, itself the bottleneck on 2 cores, so the ratio nears 1",
    )
    parser.add_argument("--min-ratio", type=float, default=0.0, help="exit 1 below this ratio (target 0.5)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="wattsup-bench-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
            # a scratch store and bus: the bench never touches the developer's .data/
            "SQLITE_PATH": str(work / "store.db"),
            "LOCAL_BUS_PATH": str(work / "bus.db"),
            "PAYMENT_SIMULATOR_PATH": str(work / "payments.db"),
            "BLOB_ROOT": str(work / "blobs"),
        }
        host_cmd = [sys.executable, "-m", "local_host", "--app", args.app, "--log-level", "WARNING"]
        host, host_url = launch(host_cmd, env, work / "host.log")
        try:
            body = httpx.get(host_url + PATH).content
            # the baseline sends the very bytes the host sent; asyncio loop on both sides
            base_cmd = [sys.executable, "-m", "uvicorn", "baseline_app:app", "--app-dir", str(BENCH)]
            base_cmd += ["--host", "127.0.0.1", "--loop", "asyncio", "--no-access-log", "--log-level", "warning"]
            baseline, base_url = launch(base_cmd, {**env, "BENCH_BODY": body.decode()}, work / "baseline.log")
            try:
                best_base = best_host = 0.0
                for _ in range(args.rounds):
                    for url in (base_url, host_url):
                        rps = asyncio.run(measure(url, args.seconds, args.concurrency, args.client))
                        if url == base_url:
                            best_base = max(best_base, rps)
                        else:
                            best_host = max(best_host, rps)
            finally:
                stop(baseline)
        finally:
            stop(host)

    ratio = best_host / best_base
    result = {
        "app": args.app,
        "client": args.client,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "baseline_rps": round(best_base, 1),
        "local_host_rps": round(best_host, 1),
        "ratio": round(ratio, 3),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"GET {PATH}: {args.rounds} rounds x {args.seconds:g} s per server, "
            f"{args.concurrency} keep-alive connections, {args.client} client (best round counts)"
        )
        print(f"  bare uvicorn + Starlette      {best_base:9.1f} req/s")
        print(f"  local host, {args.app:<17} {best_host:9.1f} req/s")
        print(f"  ratio                         {ratio:9.3f}   (target >= 0.5)")
    return 1 if ratio < args.min_ratio else 0


if __name__ == "__main__":
    sys.exit(main())

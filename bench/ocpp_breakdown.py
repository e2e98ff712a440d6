"""Where one MeterValues frame's time goes in Watt's Up, layer by layer, in one process and without sockets.

A companion to bench/ocpp_ingest.py: on a scratch store seeded as there (one charger,
booted, in a session), it times the same frames, one at a time, through ever more of
the path: ``json.loads``; the schema check (``validate_request``); the router with the
handler and the store (``handle_frame``); the charger function as Web PubSub calls it (a
signed CloudEvents request to ``ocpp_webpubsub``); the local relay's ``message`` event
around it (headers, request, the function, the reply read off its response). What uvicorn
and the socket add is the ingest bench's server CPU per frame minus the last line. Wall time
includes the store's thread hops; CPU is the whole process's (the store thread included).

    .venv/bin/python bench/ocpp_breakdown.py [--frames 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [p for p in (str(ROOT), str(ROOT / "bench")) if p not in sys.path]

import azure.functions as func  # noqa: E402
from ocpp_load import Clock, meter_values_frame  # noqa: E402
from ocpp_seed import bench_deps, bench_settings, seed_network, start_session  # noqa: E402

from shared import bootstrap  # noqa: E402
from shared.http import webpubsub as wps  # noqa: E402
from shared.ocpp.actions import Action  # noqa: E402
from shared.ocpp.router import handle_frame  # noqa: E402
from shared.ocpp.validation import validate_request  # noqa: E402
from shared.services.ocpp_handlers import OcppContext, router  # noqa: E402

Stage = Callable[[str], Awaitable[object]]


def _function_call(charger_id: str, key: str, hub: str) -> Callable[[str], func.HttpRequest]:
    connection_id = str(uuid.uuid4())
    signature = wps.sign(connection_id, [key])

    def request(text: str) -> func.HttpRequest:
        headers = {"content-type": "text/plain", "ce-specversion": "1.0", "ce-type": wps.MESSAGE,
                   "ce-source": f"/hubs/{hub}/client/{connection_id}", "ce-id": uuid.uuid4().hex,
                   "ce-time": "2026-01-01T00:00:00Z", "ce-signature": signature, "ce-connectionid": connection_id,
                   "ce-hub": hub, "ce-eventname": "message", "ce-userid": charger_id, "ce-subprotocol": "ocpp1.6",
                   "webhook-request-origin": "localhost"}  # fmt: skip
        return func.HttpRequest(
            "POST", "http://127.0.0.1/api/ocpp/webpubsub", headers=headers, params={}, body=text.encode()
        )

    return request


async def _time(stage: Stage, frames: list[str]) -> tuple[float, float, float]:
    """Mean and median wall time and mean CPU time per frame, in microseconds."""
    walls = []
    cpu = time.process_time()
    for text in frames:
        start = time.perf_counter()
        await stage(text)
        walls.append((time.perf_counter() - start) * 1e6)
    return statistics.mean(walls), statistics.median(walls), (time.process_time() - cpu) * 1e6 / len(frames)


async def main(frames: int) -> None:
    import function_app  # noqa: F401 - registers the charger function
    from functions.chargers.webpubsub import ocpp_webpubsub

    with tempfile.TemporaryDirectory(prefix="wattsup-bench-ocpp-") as tmp:
        settings = bench_settings(Path(tmp))
        deps = await bench_deps(settings)
        (login,) = await seed_network(deps, 1)
        clock, ctx = Clock(), OcppContext(login.charger_id, "bench-connection", deps)
        transaction_id = await start_session(ctx, login.id_tag or "", login.meter_start_wh, clock.stamp()[1])
        zero, sent = clock.last_ms, 0

        def next_frames(count: int) -> list[str]:
            nonlocal sent
            out = []
            for _ in range(count):
                sent += 1
                ms, stamp = clock.stamp()
                elapsed = (ms - zero) / 1000
                wh = login.meter_start_wh + 50_000 * elapsed / 3600
                out.append(meter_values_frame(str(sent), transaction_id, stamp, wh, elapsed))
            return out

        request = _function_call(login.charger_id, settings.webpubsub_access_key_list[0], settings.webpubsub_hub)

        async def parse(text: str) -> object:
            return json.loads(text)

        async def validate(text: str) -> object:
            validate_request(Action.meter_values, json.loads(text)[3])
            return None

        async def route(text: str) -> object:
            reply = await handle_frame(router, text, ctx)
            if reply is None or not reply.startswith("[3,"):
                raise SystemExit(f"MeterValues was answered {reply}")
            return reply

        from local_host.invoke import call_user_function
        from local_host.ocpp_relay import OcppRelay

        async def invoke(req: func.HttpRequest) -> object:
            return await call_user_function(ocpp_webpubsub, "req", req, "ocpp_webpubsub")

        key, hub = settings.webpubsub_access_key_list[0], settings.webpubsub_hub
        relay = OcppRelay(invoke, hub, key, "/api/ocpp/webpubsub")
        message_headers = relay._message_headers(
            str(uuid.uuid4()), {"userId": login.charger_id, "subprotocol": "ocpp1.6"}
        )

        async def relayed(text: str) -> object:
            status, _, reply = await relay._message(message_headers("text/plain"), text.encode())
            if status != 200 or not reply.startswith(b"[3,"):
                raise SystemExit(f"the relay's message event answered {status} {reply[:200]!r}")
            return reply

        async def function(text: str) -> object:
            answer = await ocpp_webpubsub(request(text))
            if answer.status_code != 200 or not answer.get_body().startswith(b"[3,"):
                raise SystemExit(f"the function answered {answer.status_code} {answer.get_body()[:200]!r}")
            return answer

        stages: list[tuple[str, Stage]] = [
            ("json.loads of the frame", parse),
            ("+ schema check (validate_request)", validate),
            ("router + handler + store (handle_frame)", route),
            ("the charger function (CloudEvents in, reply out)", function),
            ("+ the relay's message event (OcppRelay._message)", relayed),
        ]
        print(f"{frames:,} MeterValues frames per line, one at a time ({len(next_frames(1)[0])} bytes each)\n")
        print(f"{'layer':50} {'wall mean':>10} {'wall p50':>9} {'CPU mean':>9}   (us per frame)")
        for name, stage in stages:
            await _time(stage, next_frames(max(20, frames // 10)))  # warm-up: caches, statements
            mean, p50, cpu = await _time(stage, next_frames(frames))
            print(f"{name:50} {mean:>10.0f} {p50:>9.0f} {cpu:>9.0f}")
        await bootstrap.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000, help="frames timed per layer (default 2000)")
    arguments = parser.parse_args()
    asyncio.run(main(max(1, arguments.frames)))

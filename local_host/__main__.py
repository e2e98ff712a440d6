"""``python -m local_host [--host 127.0.0.1] [--port 7071] [--app function_app:app] [--simulate N]``.

Stands in for ``func start`` (Core Tools cannot be installed here). Ctrl-C or
SIGTERM stops the poll loops and timers, lets running functions finish and
closes the bus.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import azure.functions as func

from local_host.discovery import functions_of
from local_host.heap import settle_heap
from local_host.ocpp_relay import OcppMount
from local_host.server import LocalHost
from local_host.web_app import WebApp
from shared.config import Settings, load_settings, project_root

if TYPE_CHECKING:
    from simulator.fleet import DemoSimulation

__all__ = ["CHARGER_FUNCTION", "load_app", "main", "ocpp_mount"]

CHARGER_FUNCTION = "ocpp_webpubsub"  # functions/chargers/webpubsub.py: the Web PubSub event handler


def load_app(spec: str) -> tuple[func.FunctionApp, Path | None]:
    """The FunctionApp named by ``module:attribute``, and the directory of its module."""
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attribute or "app")
    if not isinstance(app, func.FunctionApp):
        raise SystemExit(f"{spec} is a {type(app).__name__}, not an azure.functions.FunctionApp")
    file = getattr(module, "__file__", None)
    return app, Path(file).parent if file else None


def ocpp_mount(app: func.FunctionApp, settings: Settings) -> OcppMount | None:
    """The relay for ws://<host>/ocpp/<chargerId> when the app has the charger function (DESIGN section 6)."""
    names = {f.get_function_name().lower() for f in functions_of(app) if f.is_http_function()}
    keys = settings.webpubsub_access_key_list
    if CHARGER_FUNCTION not in names or not keys:
        return None
    return OcppMount(function=CHARGER_FUNCTION, access_key=keys[0], hub=settings.webpubsub_hub)


async def serve(args: argparse.Namespace) -> None:
    app, directory = load_app(args.app)
    host_json = (directory or project_root()) / "host.json"
    try:
        settings = load_settings()
        ocpp = ocpp_mount(app, settings)
        web = [WebApp(project_root() / "web" / "dist")]  # the built web app at / (local_host/web_app.py)
        host = LocalHost(app, settings, args.host, args.port, host_json=host_json, ocpp=ocpp, extra_routes=web)
        await host.start()
    except (ValueError, KeyError, OSError) as exc:  # not loopback, unknown %Setting%, port in use
        raise SystemExit(f"local host: {exc}") from exc
    settle_heap()  # what lives now lives as long as the host (local_host/heap.py)
    seeding = await _warm_up(host)
    simulation = _simulation(host, seeding, args.simulate, settings, args.meter_interval)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        logging.getLogger("local_host").info("stopping")
        if simulation is not None:
            await simulation.stop()
        if seeding is not None and not seeding.done():
            seeding.cancel()
        await host.stop()
        from shared import bootstrap

        await bootstrap.close()


async def _warm_up(host: LocalHost) -> asyncio.Task[None] | None:
    """Build the app's dependencies now (first admin), print where to go, and seed demo data in the background."""
    from shared import bootstrap
    from shared.services.demo import DEMO_ACCOUNTS, seed_demo_data

    deps = await bootstrap.ready()
    lines = [f"Watt's Up is running on {host.url}  (API: {host.url}/api, health: {host.url}/api/health)"]
    if host.ocpp is not None:
        lines.append(f"  chargers (OCPP 1.6J): ws://{host.host}:{host.port}/ocpp/<chargerId>")
    if not (deps.settings.demo_data and deps.settings.environment == "development"):
        print("\n".join(lines), flush=True)
        return None
    lines.append(f"  admin:          {deps.settings.admin_email} / {deps.settings.admin_password}")
    lines += [f"  {who + ':':<15} {email} / {password}" for who, email, password in DEMO_ACCOUNTS]
    lines.append("  (the demo network around Berlin is being seeded in the background; see the log)")
    print("\n".join(lines), flush=True)

    async def seed() -> None:
        try:
            await seed_demo_data(deps)
        except Exception:
            logging.getLogger("local_host").exception("seeding the demo data failed")

    return asyncio.create_task(seed())


def _simulation(
    host: LocalHost, seeding: asyncio.Task[None] | None, count: int, settings: Settings, meter_interval: float | None
) -> DemoSimulation | None:
    """``--simulate N``: N simulated demo chargers against this host's own OCPP endpoint, once the demo is seeded."""
    if count <= 0:
        return None
    if host.ocpp is None or seeding is None:
        print("  --simulate skipped: it needs the OCPP endpoint and the demo data (DEMO_DATA in development)")
        return None
    from shared.services.demo import DEMO_ID_TAG
    from simulator.fleet import DemoSimulation

    address = f"[{host.host}]" if ":" in host.host else host.host
    try:
        simulation = DemoSimulation(
            f"ws://{address}:{host.port}/ocpp",
            count,
            ready=seeding,
            id_tag=DEMO_ID_TAG,
            stations_per_provider=settings.demo_stations_per_provider,
            meter_interval=meter_interval,
        )
    except ValueError as exc:  # more chargers than the demo network has
        print(f"  --simulate skipped: {exc}")
        return None
    ids = ", ".join(login.charger_id for login in simulation.logins)
    print(f"  simulated chargers: {ids}\n  (the first one charges with the demo card {DEMO_ID_TAG} once seeded)")
    simulation.start()
    return simulation


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local_host", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--app", default="function_app:app", help="module:attribute of the FunctionApp")
    parser.add_argument("--log-level", default="INFO")
    simulate = "also run N simulated demo chargers (OCPP 1.6J) against this host once seeded (default 0)"
    parser.add_argument("--simulate", type=int, default=0, metavar="N", help=simulate)
    interval = "seconds between the simulated chargers' MeterValues while charging (default 10)"
    parser.add_argument("--meter-interval", type=float, default=None, metavar="SECONDS", help=interval)
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # the app module lives at the project root, whichever directory we were started from
    sys.path.insert(0, str(project_root()))
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(serve(args))


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (uvicorn's own default, ``loop="auto"``), else asyncio's loop.

    The host is I/O all the way down (sockets, the charger relay); uvloop carries a charger
    frame through it about a fifth faster (bench/README.md, OCPP MeterValues ingest).
    """
    try:
        import uvloop
    except ImportError:  # e.g. on Windows
        return None
    return uvloop.new_event_loop


if __name__ == "__main__":
    main()

"""Several simulated chargers at once: the demo network's chargers, started and stopped together.

``demo_chargers(n)`` derives the chargers from the demo network definition
(``shared.services.demo_network``), in the order ``make run`` seeds them, so
no store is needed: the ids and connectors are the same every time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace

from simulator.battery import Car
from simulator.charger import SimulatedCharger
from simulator.connector import ConnectorSpec
from simulator.errors import SimulatorError
from simulator.options import Options

__all__ = ["ChargerLogin", "DemoSimulation", "Fleet", "demo_chargers"]

log = logging.getLogger("simulator")
BOOT_WAIT = 120.0  # how long an auto-swipe waits for its charger's boot
AC_CAR = Car(capacity_kwh=60.0, start_soc=35.0, target_soc=100.0, max_kw=11.0)
DC_CAR = Car(capacity_kwh=77.0, start_soc=15.0, target_soc=90.0, max_kw=175.0)


@dataclass(frozen=True)
class ChargerLogin:
    charger_id: str
    password: str
    connectors: tuple[ConnectorSpec, ...]


def demo_chargers(count: int, stations_per_provider: int = 50) -> list[ChargerLogin]:
    """The first charger of the demo network's stations, ``count`` of them, taking the providers in turn."""
    from shared.services.demo import DEMO_CHARGER_PASSWORD
    from shared.services.demo_network import demo_network

    providers = demo_network(stations_per_provider)
    logins: list[ChargerLogin] = []
    for n in range(count):
        provider = providers[n % len(providers)]
        if n // len(providers) >= len(provider.stations):
            raise ValueError(f"the demo network has only {len(providers) * len(provider.stations)} stations")
        charger = provider.stations[n // len(providers)].chargers[0]
        connectors = tuple(
            ConnectorSpec(max_kw=kw, power_type="DC" if kind == "DC" else "AC", car=DC_CAR if kind == "DC" else AC_CAR)
            for _, kind, kw in charger.connectors
        )
        logins.append(ChargerLogin(charger.identity, DEMO_CHARGER_PASSWORD, connectors))
    return logins


class Fleet:
    def __init__(self, url: str, logins: Sequence[ChargerLogin], options: Options) -> None:
        self.chargers = [SimulatedCharger(url, x.charger_id, x.password, x.connectors, options=options) for x in logins]
        self._all = list(self.chargers)
        frames = logging.getLogger("simulator.frames")
        if frames.level == logging.NOTSET:
            frames.setLevel(logging.WARNING)  # the ocpp package logs every frame at INFO

    async def start(self, *, rfid: str | None = None, rfid_chargers: int | None = None) -> list[SimulatorError]:
        """Connect every charger; those that fail are left out (their errors returned, and logged).

        With ``rfid``, the first ``rfid_chargers`` (default all) swipe that card at connector 1 once booted.
        """
        outcomes = await asyncio.gather(*(cp.start() for cp in self.chargers), return_exceptions=True)
        errors: list[SimulatorError] = []
        started = []
        for cp, outcome in zip(self.chargers, outcomes, strict=True):
            if isinstance(outcome, SimulatorError):
                log.error("%s", outcome)
                errors.append(outcome)
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                started.append(cp)
        self.chargers = started
        if rfid is not None:
            for cp in started[:rfid_chargers]:
                cp.follow(self._swipe_after_boot(cp, rfid))
        return errors

    @staticmethod
    async def _swipe_after_boot(cp: SimulatedCharger, id_tag: str) -> None:
        await cp.wait_for_boot(BOOT_WAIT)
        status = await cp.swipe(1, id_tag)
        if status != "Accepted":
            log.warning("%s card %s was refused (%s): no session", cp.charger_id, id_tag, status)

    def find(self, key: str) -> SimulatedCharger:
        """A charger by its id, or by its number in the fleet (from 1)."""
        for cp in self.chargers:
            if cp.charger_id == key:
                return cp
        if key.isdigit() and 1 <= int(key) <= len(self.chargers):
            return self.chargers[int(key) - 1]
        raise KeyError(f"no simulated charger {key!r} (have: {', '.join(c.charger_id for c in self.chargers)})")

    async def close(self) -> None:
        await asyncio.gather(*(cp.close() for cp in self._all))


class DemoSimulation:
    """``make run``'s simulated chargers: started in the background once ``ready`` (the demo seeding) is done.

    The first charger swipes ``id_tag`` (the demo driver's card) so the demo shows a live session; the
    others wait for remote starts from the app. Sessions end with the driver unplugging after a while.
    """

    OPTIONS = Options(meter_interval=10.0, unplug_after=15.0)

    def __init__(
        self,
        url: str,
        count: int,
        *,
        ready: Awaitable[object] | None,
        id_tag: str | None,
        stations_per_provider: int = 50,
        meter_interval: float | None = None,
    ) -> None:
        self.logins = demo_chargers(count, stations_per_provider)
        options = self.OPTIONS if meter_interval is None else replace(self.OPTIONS, meter_interval=meter_interval)
        self.fleet = Fleet(url, self.logins, options)
        self._ready, self._id_tag = ready, id_tag
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="simulated-chargers")

    async def _run(self) -> None:
        if self._ready is not None:
            await self._ready
        await self.fleet.start(rfid=self._id_tag, rfid_chargers=1)

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await self.fleet.close()

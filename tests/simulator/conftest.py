"""Fixtures: a central system on a free loopback port, and simulated chargers connected to it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest

from simulator import ConnectorSpec, SimulatedCharger
from tests.simulator.central_system import CentralSystem

PASSWORD = "sim-secret-1"
FAST: dict[str, Any] = {
    "meter_interval": 0.05,
    "speed": 600.0,
    "response_timeout": 2.0,
    "open_timeout": 2.0,
}  # 22 kW: ~180 Wh a tick

MakeCharger = Callable[..., Awaitable[SimulatedCharger]]


@pytest.fixture
async def cs() -> AsyncIterator[CentralSystem]:
    central = CentralSystem(passwords={"SIM-1": PASSWORD, "SIM-2": PASSWORD}, tags={"GOOD": "Accepted"})
    await central.start()
    yield central
    await central.stop()


@pytest.fixture
async def charger(cs: CentralSystem, caplog: pytest.LogCaptureFixture) -> AsyncIterator[MakeCharger]:
    """``await charger(connectors=[...], **options)``: a booted SimulatedCharger, closed after the test.

    A task of the charger that failed unexpectedly (logged at ERROR) fails the test.
    """
    made: list[SimulatedCharger] = []

    async def make(
        charger_id: str = "SIM-1", connectors: Sequence[ConnectorSpec | float] = (22.0, 50.0), **changes: Any
    ) -> SimulatedCharger:
        cp = SimulatedCharger(cs.url, charger_id, PASSWORD, connectors, **(FAST | changes))
        made.append(cp)
        return await cp.__aenter__()

    yield make
    for cp in made:
        await cp.close()
    failures = [r for r in caplog.records if r.name.startswith("simulator") and r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]


def sampled(meter_value: dict[str, Any], measurand: str) -> tuple[float, str, str]:
    """(value, unit, context) of one measurand in a MeterValue entry as the central system received it."""
    (found,) = [s for s in meter_value["sampled_value"] if s["measurand"] == measurand]
    return float(found["value"]), found["unit"], found["context"]

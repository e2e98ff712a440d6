"""A simulated OCPP 1.6J charger fleet for tests, demos and `make run` (built on ``ocpp.v16.ChargePoint``).

``python -m simulator --help`` runs chargers from the command line; tests use
``SimulatedCharger`` directly (see ``simulator.charger``).
"""

from __future__ import annotations

from simulator.base import WAIT, Exchange
from simulator.battery import Car, CarBattery
from simulator.charger import SimulatedCharger
from simulator.connector import Connector, ConnectorSpec, Reservation, Transaction
from simulator.errors import (
    CallFailed,
    ChargerRefused,
    ChargerUnreachable,
    ConnectorError,
    Offline,
    SimulatorError,
)
from simulator.options import Options

__all__ = [
    "WAIT",
    "CallFailed",
    "Car",
    "CarBattery",
    "ChargerRefused",
    "ChargerUnreachable",
    "Connector",
    "ConnectorError",
    "ConnectorSpec",
    "Exchange",
    "Offline",
    "Options",
    "Reservation",
    "SimulatedCharger",
    "SimulatorError",
    "Transaction",
]

"""MeterValue entries as OCPP 1.6 puts them on the wire (values are strings, each with its unit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.wire import ocpp_time

__all__ = ["Reading", "meter_value"]

PERIODIC = "Sample.Periodic"
BEGIN, END, TRIGGER = "Transaction.Begin", "Transaction.End", "Trigger"


@dataclass(frozen=True)
class Reading:
    """What the connector's meter shows at one moment."""

    energy_wh: float
    power_w: float
    current_a: float
    soc: float | None  # None when no car reports it


def _value(value: str, measurand: str, unit: str, context: str) -> dict[str, str]:
    return {"value": value, "context": context, "measurand": measurand, "location": "Outlet", "unit": unit}


def meter_value(
    at: datetime, reading: Reading, context: str, *, kwh: bool, register_only: bool = False
) -> dict[str, Any]:
    """One ``MeterValue``: the energy register, and unless ``register_only`` power, current and SoC."""
    energy = f"{reading.energy_wh / 1000:.3f}" if kwh else f"{reading.energy_wh:.0f}"
    sampled = [_value(energy, "Energy.Active.Import.Register", "kWh" if kwh else "Wh", context)]
    if not register_only:
        power = f"{reading.power_w / 1000:.2f}" if kwh else f"{reading.power_w:.0f}"
        sampled.append(_value(power, "Power.Active.Import", "kW" if kwh else "W", context))
        sampled.append(_value(f"{reading.current_a:.1f}", "Current.Import", "A", context))
    if reading.soc is not None:
        sampled.append(_value(f"{reading.soc:.0f}", "SoC", "Percent", context) | {"location": "EV"})
    return {"timestamp": ocpp_time(at), "sampledValue": sampled}

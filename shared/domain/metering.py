"""Meter readings from OCPP MeterValues, and the energy a session is owed from them: pure functions.

A charger reports its energy *register* (a counter that only ever grows, in Wh
or kWh), not the energy of the session. The session's energy is therefore read
off the register against ``meterStart``, and these rules keep it honest when
chargers misbehave (DESIGN section 6):

- a duplicated reading changes nothing (the energy is a function of the register,
  never a sum of reported deltas, so nothing is counted twice);
- a reading older than the newest one already applied (late, out of order) is
  stored but does not move the totals;
- a register that goes backwards (a glitch, a reset, a swapped meter) counts
  nothing for that step and becomes the new baseline, so the energy never
  falls and never goes negative; the drop is recorded as an anomaly;
- ``meterStop`` below the last register (or below ``meterStart``) is ignored in
  favour of the samples, and recorded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "EnergyState",
    "Reading",
    "advance",
    "ocpp_instant",
    "parse_meter_values",
    "reconcile",
]

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
SOC = "SoC"
_PHASES_TOTAL = (None, "")  # a value without a phase is the charger's own total


# Not frozen, and never changed after it is built: one of these per frame (or reading) on the MeterValues path,
# where frozen dataclasses' __init__ (object.__setattr__ per field) cost about 5 % of a frame (bench/README.md).
@dataclass(slots=True)
class Reading:
    """One MeterValue entry, normalised: register in Wh, power in W, current in A, state of charge in %."""

    at: datetime
    register_wh: int | None = None
    power_w: float | None = None
    current_a: float | None = None
    soc: float | None = None
    context: str = "Sample.Periodic"


@dataclass(slots=True)
class EnergyState:
    """Where a session's energy stands: ``energy_wh`` = ``base_energy_wh`` + (register - ``base_register_wh``)."""

    base_energy_wh: int
    base_register_wh: int
    register_wh: int
    register_at: datetime | None = None

    @classmethod
    def start(cls, meter_start_wh: int, at: datetime | None = None) -> EnergyState:
        return cls(0, meter_start_wh, meter_start_wh, at)

    @property
    def energy_wh(self) -> int:
        return max(0, self.base_energy_wh + self.register_wh - self.base_register_wh)


@dataclass(frozen=True, slots=True)
class Anomaly:
    code: str
    at: datetime
    detail: str


def _number(raw: Any) -> float | None:
    # floats, not Decimal: a register is rounded to whole Wh and power to W; this runs for every reading
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _scaled(value: float, unit: str | None, base: str) -> float:
    """Wh/kWh, W/kW to the base unit (the schema allows only the units listed in OCPP 1.6)."""
    return value * 1000 if unit == f"k{base}" else value


def ocpp_instant(raw: str) -> datetime:
    """An OCPP date-time (validated as RFC 3339 before any handler runs, so it has an offset) in UTC."""
    return datetime.fromisoformat(raw).astimezone(UTC)


def parse_meter_values(meter_value: Iterable[dict[str, Any]]) -> tuple[list[Reading], list[str]]:
    """The readings of a MeterValues (or StopTransaction transactionData) list, and what could not be read.

    Any sampling context is accepted. Power and current reported per phase are
    added up (power) or the largest taken (current) when no total is given.
    """
    readings: list[Reading] = []
    problems: list[str] = []
    for entry in meter_value:
        at = ocpp_instant(entry["timestamp"])
        register: float | None = None
        power: dict[str | None, float] = {}
        current: dict[str | None, float] = {}
        soc: float | None = None
        context = "Sample.Periodic"
        for sampled in entry.get("sampledValue", []):
            value = _number(sampled.get("value"))
            measurand = sampled.get("measurand", ENERGY)
            context = sampled.get("context", context)
            if value is None:
                problems.append(f"{measurand} value {sampled.get('value')!r} is not a number")
                continue
            phase = sampled.get("phase")
            unit = sampled.get("unit")
            if measurand == ENERGY and sampled.get("location", "Outlet") in ("Outlet", "Cable", "EV", "Inlet"):
                if phase in _PHASES_TOTAL:
                    register = _scaled(value, unit or "Wh", "Wh")
            elif measurand == POWER:
                power[phase] = _scaled(value, unit or "W", "W")
            elif measurand == CURRENT:
                current[phase] = value
            elif measurand == SOC:
                soc = value
        readings.append(
            Reading(
                at=at,
                register_wh=None if register is None else round(register),
                power_w=_total(power, sum_phases=True),
                current_a=_total(current, sum_phases=False),
                soc=None if soc is None else float(soc),
                context=context,
            )
        )
    return readings, problems


def _total(values: dict[str | None, float], *, sum_phases: bool) -> float | None:
    if not values:
        return None
    for total_key in _PHASES_TOTAL:
        if total_key in values:
            return float(values[total_key])
    # per phase: L1/L2/L3, else L1-N/L2-N/L3-N; line-to-line values (L1-L2 ...) would count twice
    phases = [values[p] for p in ("L1", "L2", "L3") if p in values]
    phases = phases or [values[p] for p in ("L1-N", "L2-N", "L3-N") if p in values]
    if not phases:
        return None
    return float(sum(phases) if sum_phases else max(phases))


def advance(state: EnergyState, reading: Reading) -> tuple[EnergyState, Anomaly | None]:
    """Apply one reading in arrival order; returns the new state and the anomaly it shows, if any."""
    if reading.register_wh is None:
        return state, None
    if state.register_at is not None and reading.at < state.register_at:
        if reading.register_wh > state.register_wh:
            return state, Anomaly(
                "register_not_monotonic",
                reading.at,
                f"a reading from {reading.at.isoformat()} shows {reading.register_wh} Wh, more than the "
                f"{state.register_wh} Wh read later at {state.register_at.isoformat()}",
            )
        return state, Anomaly("late_sample", reading.at, "a reading arrived after a newer one; totals unchanged")
    if reading.register_wh >= state.register_wh:  # the constructor, not dataclasses.replace: once per reading
        return EnergyState(state.base_energy_wh, state.base_register_wh, reading.register_wh, reading.at), None
    # the register fell: count nothing for this step, continue from the new value
    rebased = EnergyState(state.energy_wh, reading.register_wh, reading.register_wh, reading.at)
    return rebased, Anomaly(
        "meter_reset",
        reading.at,
        f"the energy register fell from {state.register_wh} Wh to {reading.register_wh} Wh",
    )


def reconcile(
    meter_start_wh: int,
    started_at: datetime | None,
    readings: Sequence[Reading],
    meter_stop_wh: int | None = None,
    stopped_at: datetime | None = None,
) -> tuple[EnergyState, list[Anomaly]]:
    """The authoritative energy from every reading, put in time order (used at stop and on review)."""
    state = EnergyState.start(meter_start_wh, started_at)
    anomalies: list[Anomaly] = []
    ordered = sorted((r for r in readings if r.register_wh is not None), key=lambda r: r.at)
    seen: set[tuple[datetime, int | None]] = set()
    for reading in ordered:
        if (reading.at, reading.register_wh) in seen:
            continue
        seen.add((reading.at, reading.register_wh))
        if started_at is not None and reading.at < started_at:
            continue  # Transaction.Begin samples are stamped at the start; earlier ones are not this session's
        state, anomaly = advance(state, reading)
        if anomaly is not None:
            anomalies.append(anomaly)
    if meter_stop_wh is not None:
        at = stopped_at or state.register_at or started_at or datetime.now(UTC)
        if meter_stop_wh >= state.register_wh:
            state = replace(state, register_wh=meter_stop_wh, register_at=max(at, state.register_at or at))
        elif meter_stop_wh < meter_start_wh and state.base_register_wh == meter_start_wh:  # no reset seen
            detail = f"meterStop {meter_stop_wh} Wh < meterStart {meter_start_wh} Wh"
            anomalies.append(Anomaly("meter_stop_below_start", at, detail))
        else:
            detail = f"meterStop {meter_stop_wh} Wh < last reading {state.register_wh} Wh"
            anomalies.append(Anomaly("meter_stop_below_register", at, detail))
    return state, anomalies

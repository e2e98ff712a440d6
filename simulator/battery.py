"""The car at the end of the cable: a battery that takes less power as it fills, then none.

Power follows the usual CC/CV shape: the car draws its maximum up to 80 % state
of charge, then linearly less down to a tenth of it at 100 %. At its target
state of charge the car stops drawing ("car full"): the session goes on, idle.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Car", "CarBattery"]

TAPER_FROM = 80.0  # percent
TAPER_FLOOR = 0.1  # share of the car's maximum still drawn just below 100 %
STEP_SECONDS = 30.0  # integration step: keeps the taper smooth when time runs fast


@dataclass(frozen=True)
class Car:
    """What arrives at a connector for each session: a battery and how much power it accepts."""

    capacity_kwh: float = 60.0
    start_soc: float = 20.0
    target_soc: float = 100.0
    max_kw: float = 150.0

    def __post_init__(self) -> None:
        if self.capacity_kwh <= 0 or self.max_kw <= 0:
            raise ValueError("a car needs a positive battery capacity and maximum power")
        if not 0 <= self.start_soc <= self.target_soc <= 100:
            raise ValueError("state of charge must satisfy 0 <= start <= target <= 100")

    def plug_in(self) -> CarBattery:
        return CarBattery(self, self.start_soc)


@dataclass
class CarBattery:
    car: Car
    soc: float

    @property
    def full(self) -> bool:
        return self.soc >= self.car.target_soc - 1e-9

    def acceptance_kw(self) -> float:
        """The power the car draws at its present state of charge."""
        if self.full:
            return 0.0
        if self.soc < TAPER_FROM:
            return self.car.max_kw
        return self.car.max_kw * max(TAPER_FLOOR, 1 - (1 - TAPER_FLOOR) * (self.soc - TAPER_FROM) / (100 - TAPER_FROM))

    def draw(self, offered_kw: float, seconds: float) -> float:
        """Charge for ``seconds`` from a connector offering ``offered_kw``; the energy taken, in kWh."""
        taken = 0.0
        while seconds > 1e-9 and not self.full:
            step = min(seconds, STEP_SECONDS)
            kwh = min(offered_kw, self.acceptance_kw()) * step / 3600
            room = (self.car.target_soc - self.soc) / 100 * self.car.capacity_kwh
            if kwh >= room:
                kwh, self.soc = room, self.car.target_soc
            else:
                self.soc += kwh / self.car.capacity_kwh * 100
            taken += kwh
            seconds -= step
        return taken

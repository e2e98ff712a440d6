"""Pricing, part of ``shared.domain.pricing``: one moment of a session judged by the tariff's restrictions.

Internal to the pricing function (its rules are in ``pricing``'s docstring): what a restriction is judged
against (``Moment``), whether it matches, which component prices a dimension there, and the constants
the pricing modules share. Pure; nothing here is for use outside ``pricing*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from shared.domain.tariffs import DayOfWeek, PriceComponent, TariffDimension, TariffRestrictions, TariffTerms

if TYPE_CHECKING:
    from shared.domain.pricing import UsagePeriod

__all__ = [
    "ORDER", "PER_UNIT", "TIMES", "US", "ZERO", "Moment", "clock_matches", "component", "has_calendar",
    "in_utc", "matches", "micros", "moment_at", "parse_clock", "period_power", "within",
]  # fmt: skip

US = 1_000_000
ZERO = Decimal(0)
# Quantities are kept in Wh and microseconds; these turn them into kWh and hours.
PER_UNIT = {
    TariffDimension.ENERGY: Decimal(1000),
    TariffDimension.TIME: Decimal(3600 * US),
    TariffDimension.PARKING_TIME: Decimal(3600 * US),
    TariffDimension.FLAT: Decimal(1),
}
ORDER = list(TariffDimension)
TIMES = (TariffDimension.TIME, TariffDimension.PARKING_TIME)
WEEKDAYS = list(DayOfWeek)
_ONE_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Moment:
    """Where the session stands at one instant: what restrictions are judged against."""

    local: datetime | None  # in the station's zone; None: unknown (no period and no session start)
    elapsed_s: Decimal
    energy_wh: Decimal  # charged in the session so far
    power_kw: Decimal | None
    current_a: Decimal | None


def within(value: Decimal | None, low: Decimal | int | None, high: Decimal | int | None) -> bool:
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value < high)


# "HH:MM" as a time, parsed once: there are 1,440 of them.
parse_clock = lru_cache(maxsize=2048)(time.fromisoformat)


def clock_matches(r: TariffRestrictions, clock: time) -> bool:
    start = parse_clock(r.start_time) if r.start_time else time(0)
    if r.end_time is None:
        return clock >= start
    end = parse_clock(r.end_time)
    return start <= clock < end if start < end else clock >= start or clock < end


def has_calendar(r: TariffRestrictions) -> bool:
    return bool(r.start_time or r.end_time or r.start_date or r.end_date or r.day_of_week)


def matches(r: TariffRestrictions | None, m: Moment) -> bool:
    if r is None:
        return True
    if r.reservation is not None:
        return False
    if has_calendar(r):
        if m.local is None:
            return False
        day = m.local.date()
        if (r.start_time or r.end_time) and not clock_matches(r, m.local.time()):
            return False
        if (r.start_date and day < r.start_date) or (r.end_date and day >= r.end_date):
            return False
        if r.day_of_week and WEEKDAYS[day.weekday()] not in r.day_of_week:
            return False
    kwh = (r.min_kwh * 1000 if r.min_kwh is not None else None, r.max_kwh * 1000 if r.max_kwh is not None else None)
    return (
        within(m.energy_wh, *kwh)
        and within(m.elapsed_s, r.min_duration, r.max_duration)
        and within(m.power_kw, r.min_power, r.max_power)
        and within(m.current_a, r.min_current, r.max_current)
    )


def component(terms: TariffTerms, dimension: TariffDimension, m: Moment) -> PriceComponent | None:
    for element in terms.elements:
        for c in element.price_components:
            if c.type is dimension and matches(element.restrictions, m):
                return c
    return None


def in_utc(t: datetime) -> datetime:
    return t if t.tzinfo is UTC else t.astimezone(UTC)


def micros(span: timedelta) -> int:
    return span // _ONE_US


def period_power(p: UsagePeriod) -> Decimal | None:
    """The period's power as reported, else its average (energy / time); unknown for an instant."""
    span = micros(p.end - p.start)
    return p.power_kw if p.power_kw is not None or not span else p.energy_wh * 3600 * US / 1000 / span


def moment_at(start: datetime | None, first: UsagePeriod | None, zone: ZoneInfo) -> Moment:
    local = start.astimezone(zone) if start else None
    if first is None:
        return Moment(local, ZERO, ZERO, None, None)
    return Moment(local, ZERO, ZERO, period_power(first), first.current_a)

"""Pricing a 24-hour session: 1,440 one-minute meter periods against a 6-element OCPI tariff.

The live view, the hold, the capture and the invoice all call ``price_session`` (issue 5's target:
under 2 ms for this session). In one process, a fixed number of calls of each variant, alternating:

- ``1,440 periods``: the session as the meter reports it, one-minute ``UsagePeriod``s: DC charging for
  the first 100 minutes at a varying power (a ramp, then a taper through the tariff's 50 kW threshold),
  then idle (plugged in, not charging; the car draws 3 Wh every half hour) until 24 hours have passed;
- ``merged``, the reference point: the same session merged into the fewest periods that keep the same
  cost (one per run of equal state, power class, local day and clock window: 9 periods);
- ``piece by piece``, the baseline: the straightforward evaluation the function used before it was
  optimised (kept as ``_price(..., fast=False)``, the reference of the tests), same session;
- ``samples +17 s`` and ``+17 s by piece``: the same readings 17 s later, so that every clock and
  duration cut falls inside a reading (those readings cut into prorated pieces);
- ``parsed times``: the 1,440 readings with their timestamps parsed by pydantic, as read from stored
  documents (each with its own ``tzinfo`` object, which ``price_session`` converts to ``datetime.UTC``);
- ``10 % off``: the 1,440 periods with a promo code of 10 % (``Discount``).

All but the discounted one must cost exactly the same (Decimal equality), and the totals must be the ones
expected for this session, or the script exits 1. The session starts on a Friday at 20:40 in Berlin (summer time): DC
energy at full power, then under 50 kW, the night price from 22:00, the weekend price from midnight (the
idle car's few Wh), time after the first hour, parking from 08:00 to 20:00 on Saturday.
Usage: ``.venv/bin/python bench/pricing.py [--calls N] [--reference-calls N] [--rounds N]``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.domain.pricing import Cost, Discount, UsagePeriod, _price, price_session  # noqa: E402
from shared.domain.tariff_rules import check_tariff  # noqa: E402
from shared.domain.tariffs import TariffTerms, TariffVersionCreate  # noqa: E402

ZONE = "Europe/Berlin"
START = datetime(2026, 6, 12, 18, 40, tzinfo=UTC)  # Friday 20:40 CEST
CHARGING_MINUTES = 100
POWER_THRESHOLD_KW = 50
CLOCK_CUTS = [dtime(6), dtime(8), dtime(20), dtime(22)]  # the tariff's clock times
EXPECTED_TOTAL = Decimal("85.93")  # the figure the code before the optimisation gave: a wrong result shows
# 10 % off: 72.21372 x 0.9 = 64.992348 -> 64.99 and 13.7206068 x 0.9 = 12.34854612 -> 12.35
EXPECTED_DISCOUNTED = Decimal("77.34")
PROMO = Discount("BENCH10", "percent", percent=Decimal(10))

# Six elements, first match per dimension wins; VAT 19 % on every component.
TARIFF = {
    "currency": "EUR",
    "elements": [
        # Weekend energy, all day (Saturday and Sunday in the station's zone).
        {
            "priceComponents": [{"type": "ENERGY", "price": "0.39", "vat": "19", "stepSize": 100}],
            "restrictions": {"dayOfWeek": ["SATURDAY", "SUNDAY"]},
        },
        # Night energy on weekdays, across midnight.
        {
            "priceComponents": [{"type": "ENERGY", "price": "0.35", "vat": "19", "stepSize": 100}],
            "restrictions": {"startTime": "22:00", "endTime": "06:00"},
        },
        # Below 50 kW (AC, or a DC session tapering off) the cheaper energy price.
        {
            "priceComponents": [{"type": "ENERGY", "price": "0.49", "vat": "19", "stepSize": 100}],
            "restrictions": {"maxPower": POWER_THRESHOLD_KW},
        },
        # Charging time is free for the first hour, then 6.00 an hour, by the minute.
        {
            "priceComponents": [{"type": "TIME", "price": "6.00", "vat": "19", "stepSize": 60}],
            "restrictions": {"minDuration": 3600},
        },
        # Parking (idle) time costs 2.40 an hour in the daytime, in 5-minute steps.
        {
            "priceComponents": [{"type": "PARKING_TIME", "price": "2.40", "vat": "19", "stepSize": 300}],
            "restrictions": {"startTime": "08:00", "endTime": "20:00"},
        },
        # The default: DC energy, free time and night parking, and a session fee.
        {
            "priceComponents": [
                {"type": "ENERGY", "price": "0.59", "vat": "19", "stepSize": 100},
                {"type": "TIME", "price": "0", "vat": "19"},
                {"type": "PARKING_TIME", "price": "0", "vat": "19"},
                {"type": "FLAT", "price": "1.00", "vat": "19"},
            ]
        },
    ],
    "maxPrice": {"exclVat": "250.00"},
}


def tariff() -> TariffTerms:
    terms = TariffVersionCreate.model_validate(TARIFF)
    check_tariff(terms)  # a tariff the API would store
    return terms


def power_at(minute: int) -> Decimal:
    """A DC charging curve with meter noise: ramp to ~100 kW, hold, taper to ~7 kW; kW, 1 decimal."""
    if minute < 5:
        kw = 30 + minute * 14
    elif minute < 15:
        kw = 100
    else:
        kw = max(7, 100 - (minute - 15) * 2)
    noise = ((minute * 7919) % 41 - 20) / 10  # deterministic, -2.0 to +2.0 kW
    return Decimal(str(round(kw + noise, 1)))


def session() -> list[UsagePeriod]:
    """1,440 one-minute periods: charging (energy = power x 1 min, in whole Wh), then idle, where the
    car draws a few Wh every half hour (12 V battery, battery management), priced as energy."""
    periods = []
    for minute in range(24 * 60):
        start = START + timedelta(minutes=minute)
        if minute < CHARGING_MINUTES:
            kw = power_at(minute)
            wh = (kw * 1000 / 60).to_integral_value()
            periods.append(UsagePeriod(start, start + timedelta(minutes=1), wh, "charging", power_kw=kw))
        else:
            wh = Decimal(3 if minute % 30 == 0 else 0)
            periods.append(UsagePeriod(start, start + timedelta(minutes=1), wh, "idle"))
    return periods


def merged(periods: list[UsagePeriod]) -> list[UsagePeriod]:
    """Adjacent periods of the same state, power class, local day and clock window as one (energy
    summed, power of the first).

    Valid for this tariff and session only: inside a merged run no restriction changes an energy price,
    so the linear proration of its energy cannot move energy across a price; its time is priced by the
    cuts as before. The script checks that the cost is the same.
    """
    out: list[UsagePeriod] = []
    for p in periods:
        last = out[-1] if out else None
        if last is not None and last.end == p.start and _class(last) == _class(p) and _window(last) == _window(p):
            out[-1] = UsagePeriod(last.start, p.end, last.energy_wh + p.energy_wh, last.state, last.power_kw)
        else:
            out.append(p)
    return out


def _window(p: UsagePeriod) -> tuple[date, int]:
    local = p.start.astimezone(ZoneInfo(ZONE))
    return local.date(), bisect_right(CLOCK_CUTS, local.time())


def _class(p: UsagePeriod) -> tuple[str, bool | None]:
    return p.state, None if p.power_kw is None else p.power_kw < POWER_THRESHOLD_KW


Pricer = Callable[[list[UsagePeriod]], Cost]


def fast(terms: TariffTerms, start: datetime, discount: Discount | None = None) -> Pricer:
    return lambda periods: price_session(terms, periods, time_zone=ZONE, session_start=start, discount=discount)


def piece_by_piece(terms: TariffTerms, start: datetime) -> Pricer:
    """The evaluation before the optimisation, kept in the module as the reference the tests compare with."""
    return lambda periods: _price(terms, periods, ZONE, start, fast=False)


def timed(price: Pricer, periods: list[UsagePeriod], calls: int) -> tuple[list[float], Cost]:
    times, cost = [], price(periods)  # one warm-up call (zone cache, first imports)
    for _ in range(calls):
        began = time.perf_counter()
        cost = price(periods)
        times.append((time.perf_counter() - began) * 1000)
    return times, cost


def summary(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=100, method="inclusive")[94]
    return f"p50 {statistics.median(times):.3f} ms, p95 {p95:.3f} ms, mean {statistics.mean(times):.3f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per variant and round (bounded)")
    parser.add_argument("--reference-calls", type=int, default=30, help="the same for piece by piece")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the variants alternate within each")
    args = parser.parse_args()
    terms, full = tariff(), session()
    # The same meter samples 17 s later: every clock and duration cut now falls inside a period.
    late = START + timedelta(seconds=17)
    shifted = [
        UsagePeriod(p.start + (late - START), p.end + (late - START), p.energy_wh, p.state, p.power_kw) for p in full
    ]
    energy = sum((p.energy_wh for p in full), Decimal(0))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load}")
    print(f"session: {len(full)} periods, {energy / 1000} kWh in {CHARGING_MINUTES} min")
    print(f"merged: {len(merged(full))} periods")
    # The same readings with timestamps as parsed from stored documents: pydantic gives each its own tzinfo.
    parse = TypeAdapter(datetime).validate_python
    parsed = [
        UsagePeriod(parse(p.start.isoformat()), parse(p.end.isoformat()), p.energy_wh, p.state, p.power_kw)
        for p in full
    ]
    variants: list[tuple[str, Pricer, list[UsagePeriod], int]] = [
        ("1,440 periods", fast(terms, START), full, args.calls),
        ("merged", fast(terms, START), merged(full), args.calls),
        ("piece by piece", piece_by_piece(terms, START), full, args.reference_calls),
        ("samples +17 s", fast(terms, late), shifted, args.calls),
        ("parsed times", fast(terms, START), parsed, args.calls),
        ("+17 s by piece", piece_by_piece(terms, late), shifted, args.reference_calls),
        ("10 % off", fast(terms, START, PROMO), full, args.calls),
    ]
    times: dict[str, list[float]] = {name: [] for name, *_ in variants}
    costs: dict[str, Cost] = {}
    gc.collect()
    for _ in range(args.rounds):
        for name, price, periods, calls in variants:
            more, costs[name] = timed(price, periods, calls)
            times[name] += more
    for name, *_ in variants:
        print(f"{name:>14}: {summary(times[name])} over {len(times[name])} calls; total {costs[name].total} EUR")
    for line in costs["1,440 periods"].lines:
        print(f"    {line.dimension:<12} {line.quantity:>28} x {line.unit_price} = {line.amount_excl_vat}")
    same = costs["1,440 periods"] == costs["merged"] == costs["piece by piece"] == costs["parsed times"]
    ok = same and costs["samples +17 s"] == costs["+17 s by piece"] and costs["merged"].total == EXPECTED_TOTAL
    ok = ok and costs["10 % off"].total == EXPECTED_DISCOUNTED
    print("results: identical, expected total" if ok else f"RESULTS DIFFER (expected total {EXPECTED_TOTAL})")
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

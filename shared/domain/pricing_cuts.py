"""Pricing, part of ``shared.domain.pricing``: where a session is cut, and the pieces a period is cut into.

A restriction can change its verdict only at a cut: a clock time or local midnight in the station's zone
(both folds, and where the zone's offset changes), session start + min/max_duration, or where the energy so
far crosses min/max_kwh. Between two cuts every restriction judges alike, which is what lets the sweep
(``pricing_sweep``) judge a class of pieces once. Internal to the pricing function.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from shared.domain.pricing_rules import US, Moment, has_calendar, micros, parse_clock, period_power
from shared.domain.tariffs import TariffTerms

if TYPE_CHECKING:
    from shared.domain.pricing import UsagePeriod

__all__ = ["Cuts", "Piece", "cut_pieces"]


class Cuts:
    """The instants and energies at which some restriction of the terms can change its verdict.

    The instants are worked out once for the whole session (``start`` to ``end``), then looked up per period.
    """

    def __init__(self, terms: TariffTerms, zone: ZoneInfo, start: datetime, end: datetime) -> None:
        rs = [e.restrictions for e in terms.elements if e.restrictions is not None]
        seconds = {d for r in rs for d in (r.min_duration, r.max_duration) if d is not None}
        self.energy_wh = sorted({k * 1000 for r in rs for k in (r.min_kwh, r.max_kwh) if k is not None})
        self.zone = zone
        clock = {parse_clock(t) for r in rs for t in (r.start_time, r.end_time) if t}
        local = local_cuts(sorted(clock | {time(0)}), zone, start, end) if any(has_calendar(r) for r in rs) else []
        self.instants = sorted({*local, *(start + timedelta(seconds=d) for d in seconds)})

    def inside(self, start: datetime, end: datetime) -> list[datetime]:
        return self.instants[bisect_right(self.instants, start) : bisect_left(self.instants, end)]


def local_cuts(clock: list[time], zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in (start, end) where a wall clock in ``zone`` shows one of ``clock`` or jumps."""
    every = calendar_cuts(zone, tuple(clock), start.astimezone(zone).date(), end.astimezone(zone).date())
    return list(every[bisect_right(every, start) : bisect_left(every, end)])


@lru_cache(maxsize=512)
def calendar_cuts(zone: ZoneInfo, clock: tuple[time, ...], first: date, last: date) -> tuple[datetime, ...]:
    """Where a wall clock in ``zone`` shows one of ``clock`` (either fold) or jumps, sorted, in UTC: from the
    local day before ``first`` to the day after ``last``, which covers every instant of those days.

    Cached (pure, and small): a session is priced again and again (live view, caps, stop), and sessions at
    one station on one day share their days' cuts. A zone's offset changes months apart, so between two
    clock times of the list (a day apart at most) there is at most one change, found by ``offset_change``.
    """
    days = [first + timedelta(days=n) for n in range(-1, (last - first).days + 2)]
    cuts = sorted({clock_instant(d, c, fold, zone) for d in days for c in clock for fold in (0, 1)})
    # Where the offset changes, the wall clock jumps: a clock time inside the jump takes effect there.
    shifts = {offset_change(a, b, zone) for a, b in pairwise(cuts) if utc_offset(a, zone) != utc_offset(b, zone)}
    return tuple(sorted({*cuts, *shifts}))


def clock_instant(day: date, clock: time, fold: int, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, clock.hour, clock.minute, tzinfo=zone, fold=fold).astimezone(UTC)


def utc_offset(t: datetime, zone: ZoneInfo) -> timedelta | None:
    return t.astimezone(zone).utcoffset()


def offset_change(a: datetime, b: datetime, zone: ZoneInfo) -> datetime:
    """The whole second in (a, b] where the zone's offset changes (one change between them)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    low, high = micros(a - epoch) // US, -(-micros(b - epoch) // US)
    before = utc_offset(a, zone)
    while high - low > 1:
        mid = (low + high) // 2
        if utc_offset(epoch + timedelta(seconds=mid), zone) == before:
            low = mid
        else:
            high = mid
    return epoch + timedelta(seconds=high)


@dataclass(frozen=True, slots=True)
class Piece:
    state: Literal["charging", "idle"]
    us: int
    wh: Decimal
    moment: Moment  # at the piece's midpoint


def cut_pieces(p: UsagePeriod, before_wh: Decimal, cuts: Cuts, session_start: datetime) -> Iterator[Piece]:
    span, e = micros(p.end - p.start), p.energy_wh
    points = [(p.start, before_wh), (p.end, before_wh + e)]
    points += [(t, before_wh + e * micros(t - p.start) / span) for t in cuts.inside(p.start, p.end)]
    for k in cuts.energy_wh:
        if before_wh < k < before_wh + e:
            points.append((p.start + timedelta(microseconds=round(span * (k - before_wh) / e)), k))
    power = period_power(p)
    points.sort()
    t0, wh0 = points[0]
    for t, wh in points[1:]:
        wh = max(wh, wh0)
        if (t, wh) == (t0, wh0):
            continue
        mid = t0 + (t - t0) / 2
        elapsed = Decimal(micros(mid - session_start)) / US
        moment = Moment(mid.astimezone(cuts.zone), elapsed, (wh0 + wh) / 2, power, p.current_a)
        yield Piece(p.state, micros(t - t0), wh - wh0, moment)
        t0, wh0 = t, wh

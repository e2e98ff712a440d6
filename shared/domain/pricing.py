"""The one pricing function: a session's usage priced by OCPI 2.2.1 tariff terms, pure and exact.

The live view, the payment hold (``estimate``), the capture and the invoice all call ``price_session``
so they agree to the cent. The rules, OCPI where it is precise and a written choice where it is not:

- Cuts: each period is cut wherever a restriction can change its verdict: the elements' clock times and
  local midnight in the station's zone (both folds of a repeated or skipped local time, and the zone's
  offset changes), session start + min/max_duration, and where the energy so far crosses min/max_kwh
  (energy is prorated linearly by time inside a period). A piece is judged at its midpoint, so rounding
  a cut to the microsecond never flips a verdict.
- Per piece and dimension the first element with a component of it whose restrictions all match sets
  the price (minima inclusive, maxima exclusive; no match: not priced). ENERGY prices every piece's
  energy, TIME the charging pieces' hours, PARKING_TIME the idle ones'. FLAT once, judged at the session
  start. Unknown power is the period's average (energy / time); an unknown current matches no current
  restriction; a reservation restriction matches no charging or idle period.
- Step sizes: a dimension's total (Wh or seconds) is rounded up to a multiple of the step size of the
  component that priced its last piece with a quantity, and the extra is priced by that component.
- VAT per component. Limits: min/max_price compare with the total excl. VAT (it does not depend on VAT
  rates). When one applies, excl. VAT becomes its ``excl_vat`` and the total its ``incl_vat`` when given
  (VAT is the difference), else VAT at the session's effective rate (VAT / excl. VAT; with nothing
  priced, the highest rate in the terms).
- Decimal throughout; half-up to the currency's minor unit once, at the end: total = excl. VAT + VAT,
  both rounded, so an invoice adds up. Nothing is ever negative.
- Speed (a day of one-minute readings in under 2 ms, bench/pricing.py): ``price_session`` judges each
  class of alike pieces once and adds quantities up per component (``_Sweep``); ``_price(..., fast=False)``
  judges and adds every piece on its own, the reference the tests hold it equal to, to the last digit.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, Rounded, getcontext, localcontext
from itertools import compress, count, pairwise, repeat
from operator import attrgetter, gt, lt, ne, sub
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, PlainSerializer

from shared.domain import iso, tariff_rules
from shared.domain.model import ApiModel
from shared.domain.tariffs import DayOfWeek, PriceComponent, TariffDimension, TariffRestrictions, TariffTerms

__all__ = ["Cost", "CostLine", "UsagePeriod", "estimate", "minor_unit", "money", "price_session"]

# ISO 4217 list one: every other national currency has 2 decimals.
_NO_DECIMALS = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split())
_THREE_DECIMALS = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
# Enough digits that no realistic session loses one before the final rounding, whatever the caller's context.
_EXACT = Context(prec=40, rounding=ROUND_HALF_EVEN)
_US = 1_000_000
_ZERO = Decimal(0)
# Quantities are kept in Wh and microseconds; these turn them into kWh and hours.
_PER_UNIT = {
    TariffDimension.ENERGY: Decimal(1000),
    TariffDimension.TIME: Decimal(3600 * _US),
    TariffDimension.PARKING_TIME: Decimal(3600 * _US),
    TariffDimension.FLAT: Decimal(1),
}
_ORDER = list(TariffDimension)
_TIMES = (TariffDimension.TIME, TariffDimension.PARKING_TIME)
_WEEKDAYS = list(DayOfWeek)
_START, _END = attrgetter("start"), attrgetter("end")
_ENERGY = attrgetter("energy_wh")
_ALIKE = attrgetter("state", "power_kw", "current_a")
_TWO_US = timedelta(microseconds=2)
_STRETCH = 64  # idle readings looked at in one go by ``_stretch``
_NEVER = datetime.max.replace(tzinfo=UTC)
_INFINITY = Decimal("Infinity")


def _plain(value: Decimal) -> str:
    return format(value, "f")


Amount = Annotated[Decimal, PlainSerializer(_plain, return_type=str, when_used="json")]


@dataclass(frozen=True, slots=True)
class UsagePeriod:
    start: datetime  # aware UTC
    end: datetime
    energy_wh: Decimal  # charged in this period
    state: Literal["charging", "idle"]  # idle: plugged in, not charging (parking time)
    power_kw: Decimal | None = None  # average or max power in the period, if known
    current_a: Decimal | None = None

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("A usage period needs aware datetimes.")
        if self.end < self.start or self.energy_wh < 0:
            raise ValueError("A usage period needs end >= start and energy >= 0.")


class CostLine(ApiModel):
    model_config = ConfigDict(frozen=True)

    dimension: TariffDimension
    quantity: Amount  # kWh for ENERGY, hours for TIME/PARKING_TIME, 1 for FLAT; after step sizes
    unit_price: Amount | None  # excl. VAT; None when several prices applied (the amount tells)
    amount_excl_vat: Amount  # unrounded
    vat_rate: Amount  # percent
    vat: Amount  # unrounded


class Cost(ApiModel):
    currency: str
    lines: list[CostLine]
    excl_vat: Amount  # rounded to the currency's minor unit, like vat and total
    vat: Amount
    total: Amount  # excl_vat + vat
    min_price_applied: bool = False
    max_price_applied: bool = False


def minor_unit(currency: str) -> int:
    """The decimals of an ISO 4217 currency: JPY 0, EUR 2, KWD 3."""
    if currency in _NO_DECIMALS:
        return 0
    if currency in _THREE_DECIMALS:
        return 3
    if currency in tariff_rules.CURRENCIES or currency in iso.CURRENCIES:
        return 2
    raise ValueError(f"{currency!r} is not an ISO 4217 currency code.")


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), ROUND_HALF_UP)


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """``{"amount": "12.40", "currency": "EUR"}``: rounded half-up to the minor unit, as stored and sent."""
    return {"amount": _plain(_round(amount, currency)), "currency": currency}


@dataclass(frozen=True, slots=True)
class _Moment:
    """Where the session stands at one instant: what restrictions are judged against."""

    local: datetime | None  # in the station's zone; None: unknown (no period and no session start)
    elapsed_s: Decimal
    energy_wh: Decimal  # charged in the session so far
    power_kw: Decimal | None
    current_a: Decimal | None


def _within(value: Decimal | None, low: Decimal | int | None, high: Decimal | int | None) -> bool:
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value < high)


def _clock_matches(r: TariffRestrictions, clock: time) -> bool:
    start = time.fromisoformat(r.start_time) if r.start_time else time(0)
    if r.end_time is None:
        return clock >= start
    end = time.fromisoformat(r.end_time)
    return start <= clock < end if start < end else clock >= start or clock < end


def _calendar(r: TariffRestrictions) -> bool:
    return bool(r.start_time or r.end_time or r.start_date or r.end_date or r.day_of_week)


def _matches(r: TariffRestrictions | None, m: _Moment) -> bool:
    if r is None:
        return True
    if r.reservation is not None:
        return False
    if _calendar(r):
        if m.local is None:
            return False
        day = m.local.date()
        if (r.start_time or r.end_time) and not _clock_matches(r, m.local.time()):
            return False
        if (r.start_date and day < r.start_date) or (r.end_date and day >= r.end_date):
            return False
        if r.day_of_week and _WEEKDAYS[day.weekday()] not in r.day_of_week:
            return False
    kwh = (r.min_kwh * 1000 if r.min_kwh is not None else None, r.max_kwh * 1000 if r.max_kwh is not None else None)
    return (
        _within(m.energy_wh, *kwh)
        and _within(m.elapsed_s, r.min_duration, r.max_duration)
        and _within(m.power_kw, r.min_power, r.max_power)
        and _within(m.current_a, r.min_current, r.max_current)
    )


def _component(terms: TariffTerms, dimension: TariffDimension, m: _Moment) -> PriceComponent | None:
    for element in terms.elements:
        for c in element.price_components:
            if c.type is dimension and _matches(element.restrictions, m):
                return c
    return None


def _in_utc(t: datetime) -> datetime:
    return t if t.tzinfo is UTC else t.astimezone(UTC)


def _us(span: timedelta) -> int:
    return span // timedelta(microseconds=1)


class _Cuts:
    """The instants and energies at which some restriction of the terms can change its verdict.

    The instants are worked out once for the whole session (``start`` to ``end``), then looked up per period.
    """

    def __init__(self, terms: TariffTerms, zone: ZoneInfo, start: datetime, end: datetime) -> None:
        rs = [e.restrictions for e in terms.elements if e.restrictions is not None]
        seconds = {d for r in rs for d in (r.min_duration, r.max_duration) if d is not None}
        self.energy_wh = sorted({k * 1000 for r in rs for k in (r.min_kwh, r.max_kwh) if k is not None})
        self.zone = zone
        clock = {time.fromisoformat(t) for r in rs for t in (r.start_time, r.end_time) if t}
        local = _local_cuts(sorted(clock | {time(0)}), zone, start, end) if any(_calendar(r) for r in rs) else set()
        self.instants = sorted(local | {start + timedelta(seconds=d) for d in seconds})

    def inside(self, start: datetime, end: datetime) -> list[datetime]:
        return self.instants[bisect_right(self.instants, start) : bisect_left(self.instants, end)]


def _local_cuts(clock: list[time], zone: ZoneInfo, start: datetime, end: datetime) -> set[datetime]:
    """The instants in (start, end) where a wall clock in ``zone`` shows one of ``clock`` or jumps."""
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range(-1, (last - first).days + 2)]
    cuts = {_at(d, c, fold, zone) for d in days for c in clock for fold in (0, 1)}
    cuts = {t for t in cuts if start < t < end}
    # Where the offset changes, the wall clock jumps: a clock time inside the jump takes effect there.
    samples = sorted(cuts | {start, end})
    shifts = {_shift(a, b, zone) for a, b in pairwise(samples) if _offset(a, zone) != _offset(b, zone)}
    return cuts | {t for t in shifts if start < t < end}


def _at(day: date, clock: time, fold: int, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, clock.hour, clock.minute, tzinfo=zone, fold=fold).astimezone(UTC)


def _offset(t: datetime, zone: ZoneInfo) -> timedelta | None:
    return t.astimezone(zone).utcoffset()


def _shift(a: datetime, b: datetime, zone: ZoneInfo) -> datetime:
    """The whole second in (a, b] where the zone's offset changes (one change between them)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    low, high = _us(a - epoch) // _US, -(-_us(b - epoch) // _US)
    before = _offset(a, zone)
    while high - low > 1:
        mid = (low + high) // 2
        if _offset(epoch + timedelta(seconds=mid), zone) == before:
            low = mid
        else:
            high = mid
    return epoch + timedelta(seconds=high)


@dataclass(frozen=True, slots=True)
class _Piece:
    state: Literal["charging", "idle"]
    us: int
    wh: Decimal
    moment: _Moment  # at the piece's midpoint


def _pieces(p: UsagePeriod, before_wh: Decimal, cuts: _Cuts, session_start: datetime) -> Iterator[_Piece]:
    span, e = _us(p.end - p.start), p.energy_wh
    points = [(p.start, before_wh), (p.end, before_wh + e)]
    points += [(t, before_wh + e * _us(t - p.start) / span) for t in cuts.inside(p.start, p.end)]
    for k in cuts.energy_wh:
        if before_wh < k < before_wh + e:
            points.append((p.start + timedelta(microseconds=round(span * (k - before_wh) / e)), k))
    power = _power(p)
    points.sort()
    t0, wh0 = points[0]
    for t, wh in points[1:]:
        wh = max(wh, wh0)
        if (t, wh) == (t0, wh0):
            continue
        mid = t0 + (t - t0) / 2
        elapsed = Decimal(_us(mid - session_start)) / _US
        moment = _Moment(mid.astimezone(cuts.zone), elapsed, (wh0 + wh) / 2, power, p.current_a)
        yield _Piece(p.state, _us(t - t0), wh - wh0, moment)
        t0, wh0 = t, wh


@dataclass(slots=True)
class _Tally:
    base: Decimal = _ZERO  # Wh, microseconds or sessions
    value: Decimal = _ZERO  # sum of base x price
    prices: set[Decimal] = field(default_factory=set)

    def add(self, base: Decimal, price: Decimal) -> None:
        self.base += base
        self.value += base * price
        self.prices.add(price)


class _Bill:
    def __init__(self, flat: PriceComponent | None) -> None:
        self.tallies: dict[tuple[TariffDimension, Decimal], _Tally] = {}
        self.last: dict[TariffDimension, PriceComponent] = {}
        if flat is not None:
            self.add(TariffDimension.FLAT, flat, Decimal(1))

    def add(self, dimension: TariffDimension, c: PriceComponent, base: Decimal) -> None:
        self.tallies.setdefault((dimension, c.vat or _ZERO), _Tally()).add(base, c.price)
        self.last[dimension] = c

    def round_up_steps(self, totals: dict[TariffDimension, Decimal]) -> None:
        for dimension, c in self.last.items():
            step = Decimal(c.step_size * (_US if dimension in _TIMES else 1))
            billed = (totals[dimension] / step).to_integral_value(ROUND_CEILING) * step
            if billed > totals[dimension]:
                self.tallies[(dimension, c.vat or _ZERO)].add(billed - totals[dimension], c.price)

    def lines(self) -> list[CostLine]:
        lines = []
        for (dimension, rate), t in sorted(self.tallies.items(), key=lambda kv: _ORDER.index(kv[0][0])):
            amount = t.value / _PER_UNIT[dimension]
            price = next(iter(t.prices)) if len(t.prices) == 1 else None
            lines.append(
                CostLine(
                    dimension=dimension,
                    quantity=t.base / _PER_UNIT[dimension],
                    unit_price=price,
                    amount_excl_vat=amount,
                    vat_rate=rate,
                    vat=amount * rate / 100,
                )
            )
        return lines


def _power(p: UsagePeriod) -> Decimal | None:
    """The period's power as reported, else its average (energy / time); unknown for an instant."""
    span = _us(p.end - p.start)
    return p.power_kw if p.power_kw is not None or not span else p.energy_wh * 3600 * _US / 1000 / span


def _moment_at(start: datetime | None, first: UsagePeriod | None, zone: ZoneInfo) -> _Moment:
    local = start.astimezone(zone) if start else None
    if first is None:
        return _Moment(local, _ZERO, _ZERO, None, None)
    return _Moment(local, _ZERO, _ZERO, _power(first), first.current_a)


class _Run:
    """What one component prices: the quantities of its pieces, in order, summed only at the end."""

    __slots__ = ("component", "dimension", "length", "slot", "tally", "used", "wh")

    def __init__(self, component: PriceComponent) -> None:
        self.component, self.dimension = component, component.type
        self.tally = (component.type, component.vat or _ZERO)  # the reference's tally key
        self.slot = _ORDER.index(component.type)  # ENERGY, TIME, PARKING_TIME: 0, 1, 2
        self.wh: list[Decimal] = []  # ENERGY: each piece's energy, added up once at the end
        self.length = timedelta(0)  # TIME, PARKING_TIME: exact to the microsecond
        self.used = False


def _thresholds(terms: TariffTerms, low: str, high: str) -> list[Decimal]:
    rs = [e.restrictions for e in terms.elements if e.restrictions is not None]
    return sorted({v for r in rs for v in (getattr(r, low), getattr(r, high)) if v is not None})


_Verdict = tuple[_Run | None, _Run | None]  # the runs of the ENERGY and the time dimension


class _Sweep:
    """The bill of ``_bill_by_pieces``, each class of pieces judged once, the quantities added per component.

    A period with no cut inside is one piece, and its verdicts depend only on the stretch between two cut
    instants it falls in (clock, day and duration are constant there, as the cuts are made for), the energy,
    power and current thresholds it lies between, and its state: they are worked out on the first piece of
    each such class, by ``_component`` at its midpoint as the reference does, and reused. A period with a
    cut inside goes through ``_pieces`` and ``_component`` as in the reference. Each piece's quantities are
    the reference's, by the same Decimal operations; only their sums are regrouped (``_add_runs``). Idle
    stretches (consecutive periods alike and without energy, the bulk of a long session) are added up per
    stretch between two cuts, as one class.
    """

    def __init__(self, terms: TariffTerms, cuts: _Cuts, start: datetime) -> None:
        self.terms, self.cuts, self.start = terms, cuts, start
        self.instants, self.energy_cuts = cuts.instants, cuts.energy_wh
        self.power_cuts = _thresholds(terms, "min_power", "max_power")
        self.current_cuts = _thresholds(terms, "min_current", "max_current")
        self.zero_power = bisect_right(self.power_cuts, _ZERO)
        self.bounds, self.energy_bounds = [*self.instants, _NEVER], [*self.energy_cuts, _INFINITY]  # sentinels
        self.j = self.k = 0  # the next cut instant and energy: bounds[j], energy_bounds[k]
        self.so_far = _ZERO
        self.runs: dict[int, _Run] = {}
        self.order: list[_Run] = []  # in the order each first priced a piece: the reference's tally order
        self.energy_order: list[_Run] = []  # the run of each priced energy piece, in order
        self.last: list[_Run | None] = [None, None, None]  # the run of the last priced piece, by ``_Run.slot``
        self.verdicts: dict[tuple[int, int, int, int, str], _Verdict] = {}

    def bill(
        self,
        ordered: list[UsagePeriod],
        starts: list[datetime],
        ends: list[datetime],
        bill: _Bill,
        totals: dict[TariffDimension, Decimal],
    ) -> bool:
        """``False`` when adding up could differ from the reference (see ``_add_runs``). ``starts`` and ``ends``:
        the periods' instants, in ``datetime.UTC``."""
        self.periods(ordered, starts, ends)
        totals[TariffDimension.ENERGY] = self.so_far
        return _add_runs(self.order, self.energy_order, self.last, bill, totals)

    def run_of(self, c: PriceComponent | None) -> _Run | None:
        return None if c is None else self.runs.setdefault(id(c), _Run(c))

    def judge(self, p: UsagePeriod, mid_wh: Decimal) -> _Verdict:
        mid = p.start + (p.end - p.start) / 2
        elapsed = Decimal(_us(mid - self.start)) / _US
        moment = _Moment(mid.astimezone(self.cuts.zone), elapsed, mid_wh, _power(p), p.current_a)
        time_kind = TariffDimension.TIME if p.state == "charging" else TariffDimension.PARKING_TIME
        energy = _component(self.terms, TariffDimension.ENERGY, moment)
        return self.run_of(energy), self.run_of(_component(self.terms, time_kind, moment))

    def priced(self, run: _Run) -> None:
        if not run.used:
            run.used = True
            self.order.append(run)
        self.last[run.slot] = run

    def cut(self, p: UsagePeriod) -> None:
        """A period with a cut inside, piece by piece as the reference."""
        for piece in _pieces(p, self.so_far, self.cuts, self.start):
            time_kind = TariffDimension.TIME if piece.state == "charging" else TariffDimension.PARKING_TIME
            if piece.wh and (energy := self.run_of(_component(self.terms, TariffDimension.ENERGY, piece.moment))):
                energy.wh.append(piece.wh)
                self.energy_order.append(energy)
                self.priced(energy)
            if piece.us and (duration := self.run_of(_component(self.terms, time_kind, piece.moment))):
                duration.length += timedelta(microseconds=piece.us)
                self.priced(duration)

    def periods(self, ordered: list[UsagePeriod], starts: list[datetime], ends: list[datetime]) -> None:
        # The hot loop: state in locals, one flat body.
        instants, energy_cuts, bounds, energy_bounds = self.instants, self.energy_cuts, self.bounds, self.energy_bounds
        power_cuts, current_cuts, zero_power = self.power_cuts, self.current_cuts, self.zero_power
        verdicts, energy_order, last, priced = self.verdicts, self.energy_order, self.last, self.priced
        j, k, so_far = self.j, self.k, self.so_far
        next_cut, next_wh = bounds[j], energy_bounds[k]
        i, count = 0, len(ordered)
        while i < count:
            p, p_start, p_end = ordered[i], starts[i], ends[i]
            energy_wh = p.energy_wh
            i += 1
            while next_cut <= p_start:
                j += 1
                next_cut = bounds[j]
            while next_wh <= so_far:
                k += 1
                next_wh = energy_bounds[k]
            after = so_far + energy_wh
            if next_cut < p_end or next_wh < after:
                self.so_far = so_far
                self.cut(p)
                so_far = after
                continue
            length = p_end - p_start
            wh = after - so_far if energy_wh else _ZERO  # ``after`` is never below ``so_far``: energy >= 0
            if not length and not wh:
                so_far = after
                continue
            # A piece of under 2 us has its midpoint at its start, which may be a cut instant: a class of its own.
            segment = -j - 1 if length < _TWO_US and j and instants[j - 1] == p_start else j
            mid_wh = (so_far + after) / 2 if energy_cuts else _ZERO
            if not power_cuts:
                power_class = -1
            elif p.power_kw is not None:
                power_class = bisect_right(power_cuts, p.power_kw)
            elif not length:
                power_class = -1  # unknown for an instant, as ``_power`` says
            elif not energy_wh:
                power_class = zero_power  # ``_power`` gives a zero
            else:
                power_class = bisect_right(power_cuts, energy_wh * 3600 * _US / 1000 / _us(length))  # ``_power``
            key = (
                segment,
                bisect_right(energy_cuts, mid_wh) if energy_cuts else 0,
                power_class,
                -1 if not current_cuts or p.current_a is None else bisect_right(current_cuts, p.current_a),
                p.state,
            )
            found = verdicts.get(key)
            if found is None:
                found = verdicts[key] = self.judge(p, mid_wh)
            energy, duration = found
            if wh and energy is not None:
                energy.wh.append(wh)
                energy_order.append(energy)
                if not energy.used:
                    priced(energy)
                last[0] = energy
            if length and duration is not None:
                duration.length += length
                if not duration.used:
                    priced(duration)
                last[duration.slot] = duration
            so_far = after
            if not energy_wh and i < count and length >= _TWO_US and not ordered[i].energy_wh:
                i = _stretch(ordered, starts, ends, i, p, next_cut, duration)
        self.j, self.k, self.so_far = j, k, so_far


def _stretch(
    ordered: list[UsagePeriod],
    starts: list[datetime],
    ends: list[datetime],
    at: int,
    first: UsagePeriod,
    next_cut: datetime,
    duration: _Run | None,
) -> int:
    """Where the stretch of periods like ``first`` from ``at`` ends, their lengths added to ``duration``.

    ``first`` was one piece of at least 2 us, without energy. The periods after it that start and end before
    the next cut, also without energy, in the same state, at the same power and current, are each one piece
    of its class (the same stretch between cuts, at no cut instant, the same energy so far, power, current
    and state): no need to judge them one by one. Adding their zero energies to the energy so far changes
    nothing more.
    """
    window = min(at + _STRETCH, len(ordered))  # a stretch at a time, not the rest of the session each time
    below = bisect_left(starts, next_cut, at, window)  # these start before the next cut
    stop = below - 1 if below > at and ends[below - 1] > next_cut else below  # and end by it
    run = ordered[at:stop]
    run = run[: next(compress(count(), map(_ENERGY, run)), len(run))]
    alike = (first.state, first.power_kw, first.current_a)
    stop = at + next(compress(count(), map(ne, map(_ALIKE, run), repeat(alike))), len(run))
    if duration is not None:
        duration.length += sum(map(sub, ends[at:stop], starts[at:stop]), timedelta(0))
    return stop


def _add_runs(
    order: list[_Run],
    energy_order: list[_Run],
    last: list[_Run | None],
    bill: _Bill,
    totals: dict[TariffDimension, Decimal],
) -> bool:
    """Adds the runs to ``bill`` as the reference's tallies: each run's quantity summed, times its price.

    When no operation rounds, that is the reference's result exactly: quantities are never negative, so
    none of its partial sums or products has more digits than these totals (nor a smaller exponent). When
    an energy sum rounds (a prorated energy has 40 digits), energy is added piece by piece in the order of
    ``energy_order`` (the run of every priced energy piece), as the reference does. ``False`` if a time
    total rounds: not with prices of at most 14 digits, but then the caller prices piece by piece."""
    energy = [run for run in order if run.dimension is TariffDimension.ENERGY]
    context = getcontext()
    context.clear_flags()
    tallies: dict[tuple[TariffDimension, Decimal], _Tally] = {}
    for run in energy:
        tallies.setdefault(run.tally, _Tally()).add(sum(run.wh[1:], run.wh[0]), run.component.price)
    if context.flags[Rounded]:
        tallies, pieces = {}, {id(run): iter(run.wh) for run in energy}
        for run in energy_order:
            tallies.setdefault(run.tally, _Tally()).add(next(pieces[id(run)]), run.component.price)
    bill.tallies.update(tallies)  # lines are sorted by dimension, then keep this order, the reference's
    context.clear_flags()
    for run in order:
        if run.dimension is not TariffDimension.ENERGY:
            us = _us(run.length)
            bill.add(run.dimension, run.component, Decimal(us))
            totals[run.dimension] += us
    for final in last:
        if final is not None:
            bill.last[final.dimension] = final.component
    return not context.flags[Rounded]


def price_session(
    terms: TariffTerms, periods: Sequence[UsagePeriod], *, time_zone: str, session_start: datetime | None = None
) -> Cost:
    """What a session costs under ``terms``; ``time_zone`` is the station's IANA zone, e.g. Europe/Berlin."""
    return _price(terms, periods, time_zone, session_start, fast=True)


def _price(
    terms: TariffTerms, periods: Sequence[UsagePeriod], time_zone: str, session_start: datetime | None, *, fast: bool
) -> Cost:
    """``fast``: by ``_Sweep``; else piece by piece, the reference the tests compare with."""
    zone = ZoneInfo(time_zone)
    # The instants in UTC's own tzinfo: datetimes with different tzinfo objects (pydantic gives each parsed
    # one its own) compare and subtract through utcoffset() calls, several times slower. Same instants.
    starts = [t if t.tzinfo is UTC else t.astimezone(UTC) for t in map(_START, periods)]
    ends = [t if t.tzinfo is UTC else t.astimezone(UTC) for t in map(_END, periods)]
    ordered = list(periods)
    if any(map(gt, starts, starts[1:])):
        at = sorted(range(len(ordered)), key=starts.__getitem__)  # stable, as sorting the periods by start
        ordered, starts, ends = [ordered[i] for i in at], [starts[i] for i in at], [ends[i] for i in at]
    start = session_start or (ordered[0].start if ordered else None)
    if start is not None and ordered and ordered[0].start < start:
        raise ValueError("A usage period starts before the session.")
    if any(map(lt, starts[1:], ends)):
        raise ValueError("Usage periods overlap.")
    with localcontext(_EXACT):
        flat = _component(terms, TariffDimension.FLAT, _moment_at(start, ordered[0] if ordered else None, zone))
        bill, totals = _Bill(flat), dict.fromkeys(_ORDER, _ZERO)
        if ordered and start is not None:
            utc_start = _in_utc(start)
            cuts = _Cuts(terms, zone, utc_start, ends[-1])  # sorted, not overlapping: the last ends last
            if not (fast and _Sweep(terms, cuts, utc_start).bill(ordered, starts, ends, bill, totals)):
                bill, totals = _Bill(flat), dict.fromkeys(_ORDER, _ZERO)
                _bill_by_pieces(terms, ordered, cuts, start, bill, totals)
        bill.round_up_steps(totals)
        return _total(terms, bill.lines())


def _bill_by_pieces(
    terms: TariffTerms,
    ordered: list[UsagePeriod],
    cuts: _Cuts,
    start: datetime,
    bill: _Bill,
    totals: dict[TariffDimension, Decimal],
) -> None:
    """The straightforward evaluation: every piece judged and added on its own."""
    so_far = _ZERO
    for p in ordered:
        for piece in _pieces(p, so_far, cuts, start):
            time_kind = TariffDimension.TIME if piece.state == "charging" else TariffDimension.PARKING_TIME
            for dimension, base in ((TariffDimension.ENERGY, piece.wh), (time_kind, Decimal(piece.us))):
                c = _component(terms, dimension, piece.moment) if base else None
                if c is not None:
                    bill.add(dimension, c, base)
                    totals[dimension] += base if dimension in _TIMES else _ZERO
        so_far += p.energy_wh
    totals[TariffDimension.ENERGY] = so_far


def _total(terms: TariffTerms, lines: list[CostLine]) -> Cost:
    excl = sum((line.amount_excl_vat for line in lines), _ZERO)
    vat = sum((line.vat for line in lines), _ZERO)
    low, high = terms.min_price, terms.max_price
    limit = high if high is not None and excl > high.excl_vat else None
    if limit is None and low is not None and excl < low.excl_vat:
        limit = low
    if limit is not None:
        rates = [c.vat or _ZERO for e in terms.elements for c in e.price_components]
        rate = vat / excl * 100 if excl else max(rates)
        new_excl = limit.excl_vat
        vat = limit.incl_vat - new_excl if limit.incl_vat is not None else new_excl * rate / 100
        excl = new_excl
    excl_r, vat_r = _round(max(excl, _ZERO), terms.currency), _round(max(vat, _ZERO), terms.currency)
    return Cost(
        currency=terms.currency,
        lines=lines,
        excl_vat=excl_r,
        vat=vat_r,
        total=excl_r + vat_r,
        min_price_applied=limit is not None and limit is low,
        max_price_applied=limit is not None and limit is high,
    )


def estimate(
    terms: TariffTerms,
    *,
    kwh: Decimal | None,
    minutes: int | None,
    power_kw: Decimal,
    start: datetime,
    time_zone: str,
) -> Cost:
    """The price before a start: charging at ``power_kw`` for ``minutes`` or until ``kwh``, whichever
    ends first, no idle time. Sizes the payment hold."""
    if power_kw < 0 or (kwh is None and minutes is None) or (minutes is None and not power_kw):
        raise ValueError("An estimate needs minutes, or kWh and a positive power.")
    with localcontext(_EXACT):
        hours = [Decimal(minutes) / 60] if minutes is not None else []
        if kwh is not None and power_kw:
            hours.append(kwh / power_kw)
        charging = min(hours)
        energy_wh = power_kw * charging * 1000
        if kwh is not None:
            energy_wh = min(energy_wh, kwh * 1000)
        end = start + timedelta(microseconds=round(charging * 3600 * _US))
    period = UsagePeriod(start, end, energy_wh, "charging", power_kw)
    return price_session(terms, [period], time_zone=time_zone, session_start=start)

"""Pricing, part of ``shared.domain.pricing``: adding a session up, piece by piece or by classes of pieces.

``bill_by_pieces`` is the straightforward evaluation: every piece judged by every element and added on its
own, the reference. ``Sweep`` gives the same bill, to the last digit, judging each class of alike pieces
once and adding quantities per component (a day of one-minute readings in well under 2 ms,
bench/pricing.py). The tests hold the two equal. Internal to the pricing function.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal, Rounded, getcontext
from itertools import compress, count, repeat
from operator import ne, sub
from typing import TYPE_CHECKING

from shared.domain.pricing_cuts import Cuts, cut_pieces
from shared.domain.pricing_rules import ORDER, TIMES, US, ZERO, Moment, component, micros, period_power
from shared.domain.tariffs import PriceComponent, TariffDimension, TariffTerms

if TYPE_CHECKING:
    from shared.domain.pricing import UsagePeriod

__all__ = ["Bill", "Sweep", "Tally", "bill_by_pieces"]

TWO_US = timedelta(microseconds=2)
STRETCH = 32  # idle readings looked at first by ``stretch``
NEVER = datetime.max.replace(tzinfo=UTC)
INFINITY = Decimal("Infinity")


@dataclass(slots=True)
class Tally:
    base: Decimal = ZERO  # Wh, microseconds or sessions
    value: Decimal = ZERO  # sum of base x price
    prices: set[Decimal] = field(default_factory=set)

    def add(self, base: Decimal, price: Decimal) -> None:
        self.base += base
        self.value += base * price
        self.prices.add(price)


class Bill:
    def __init__(self, flat: PriceComponent | None) -> None:
        self.tallies: dict[tuple[TariffDimension, Decimal], Tally] = {}
        self.last: dict[TariffDimension, PriceComponent] = {}
        if flat is not None:
            self.add(TariffDimension.FLAT, flat, Decimal(1))

    def add(self, dimension: TariffDimension, c: PriceComponent, base: Decimal) -> None:
        self.tallies.setdefault((dimension, c.vat or ZERO), Tally()).add(base, c.price)
        self.last[dimension] = c

    def round_up_steps(self, totals: dict[TariffDimension, Decimal]) -> None:
        for dimension, c in self.last.items():
            step = Decimal(c.step_size * (US if dimension in TIMES else 1))
            billed = (totals[dimension] / step).to_integral_value(ROUND_CEILING) * step
            if billed > totals[dimension]:
                self.tallies[(dimension, c.vat or ZERO)].add(billed - totals[dimension], c.price)


def bill_by_pieces(
    terms: TariffTerms,
    ordered: list[UsagePeriod],
    cuts: Cuts,
    start: datetime,
    bill: Bill,
    totals: dict[TariffDimension, Decimal],
) -> None:
    """The straightforward evaluation: every piece judged and added on its own."""
    so_far = ZERO
    for p in ordered:
        for piece in cut_pieces(p, so_far, cuts, start):
            time_kind = TariffDimension.TIME if piece.state == "charging" else TariffDimension.PARKING_TIME
            for dimension, base in ((TariffDimension.ENERGY, piece.wh), (time_kind, Decimal(piece.us))):
                c = component(terms, dimension, piece.moment) if base else None
                if c is not None:
                    bill.add(dimension, c, base)
                    totals[dimension] += base if dimension in TIMES else ZERO
        so_far += p.energy_wh
    totals[TariffDimension.ENERGY] = so_far


class Run:
    """What one component prices: the quantities of its pieces, in order, summed only at the end."""

    __slots__ = ("component", "dimension", "length", "slot", "tally", "used", "wh")

    def __init__(self, component: PriceComponent) -> None:
        self.component, self.dimension = component, component.type
        self.tally = (component.type, component.vat or ZERO)  # the reference's tally key
        self.slot = ORDER.index(component.type)  # ENERGY, TIME, PARKING_TIME: 0, 1, 2
        self.wh: list[Decimal] = []  # ENERGY: each piece's energy, added up once at the end
        self.length = timedelta(0)  # TIME, PARKING_TIME: exact to the microsecond
        self.used = False


def thresholds(terms: TariffTerms, low: str, high: str) -> list[Decimal]:
    rs = [e.restrictions for e in terms.elements if e.restrictions is not None]
    return sorted({v for r in rs for v in (getattr(r, low), getattr(r, high)) if v is not None})


Verdict = tuple[Run | None, Run | None]  # the runs of the ENERGY and the time dimension


class Sweep:
    """The bill of ``bill_by_pieces``, each class of pieces judged once, the quantities added per component.

    A period with no cut inside is one piece, and its verdicts depend only on the stretch between two cut
    instants it falls in (clock, day and duration are constant there, as the cuts are made for), the energy,
    power and current thresholds it lies between, and its state: they are worked out on the first piece of
    each such class, by ``component`` at its midpoint as the reference does, and reused. A period with a
    cut inside goes through ``cut_pieces`` and ``component`` as in the reference. Each piece's quantities are
    the reference's, by the same Decimal operations; only their sums are regrouped (``add_runs``). Idle
    stretches (consecutive periods alike and without energy, the bulk of a long session) are added up per
    stretch between two cuts, as one class.
    """

    def __init__(self, terms: TariffTerms, cuts: Cuts, start: datetime, contiguous: bool) -> None:
        self.terms, self.cuts, self.start, self.contiguous = terms, cuts, start, contiguous
        self.instants, self.energy_cuts = cuts.instants, cuts.energy_wh
        self.power_cuts = thresholds(terms, "min_power", "max_power")
        self.current_cuts = thresholds(terms, "min_current", "max_current")
        self.zero_power = bisect_right(self.power_cuts, ZERO)
        self.bounds, self.energy_bounds = [*self.instants, NEVER], [*self.energy_cuts, INFINITY]  # sentinels
        self.j = self.k = 0  # the next cut instant and energy: bounds[j], energy_bounds[k]
        self.so_far = ZERO
        self.runs: dict[int, Run] = {}
        self.order: list[Run] = []  # in the order each first priced a piece: the reference's tally order
        self.energy_order: list[Run] = []  # the run of each priced energy piece, in order
        self.last: list[Run | None] = [None, None, None]  # the run of the last priced piece, by ``Run.slot``
        self.verdicts: dict[tuple[int, int, int, int, str], Verdict] = {}
        self.with_energy: list[int] | None = None  # the positions of the periods with energy, for ``stretch``

    def bill(
        self,
        ordered: list[UsagePeriod],
        starts: list[datetime],
        ends: list[datetime],
        bill: Bill,
        totals: dict[TariffDimension, Decimal],
    ) -> bool:
        """``False`` when adding up could differ from the reference (see ``add_runs``). ``starts`` and ``ends``:
        the periods' instants, in ``datetime.UTC``."""
        self.periods(ordered, starts, ends)
        totals[TariffDimension.ENERGY] = self.so_far
        return add_runs(self.order, self.energy_order, self.last, bill, totals)

    def run_of(self, c: PriceComponent | None) -> Run | None:
        if c is None:
            return None
        run = self.runs.get(id(c))
        if run is None:
            run = self.runs[id(c)] = Run(c)
        return run

    def judge(self, p: UsagePeriod, mid_wh: Decimal) -> Verdict:
        mid = p.start + (p.end - p.start) / 2
        elapsed = Decimal(micros(mid - self.start)) / US
        moment = Moment(mid.astimezone(self.cuts.zone), elapsed, mid_wh, period_power(p), p.current_a)
        time_kind = TariffDimension.TIME if p.state == "charging" else TariffDimension.PARKING_TIME
        energy = component(self.terms, TariffDimension.ENERGY, moment)
        return self.run_of(energy), self.run_of(component(self.terms, time_kind, moment))

    def priced(self, run: Run) -> None:
        if not run.used:
            run.used = True
            self.order.append(run)
        self.last[run.slot] = run

    def cut(self, p: UsagePeriod) -> None:
        """A period with a cut inside, piece by piece as the reference."""
        for piece in cut_pieces(p, self.so_far, self.cuts, self.start):
            time_kind = TariffDimension.TIME if piece.state == "charging" else TariffDimension.PARKING_TIME
            if piece.wh and (energy := self.run_of(component(self.terms, TariffDimension.ENERGY, piece.moment))):
                energy.wh.append(piece.wh)
                self.energy_order.append(energy)
                self.priced(energy)
            if piece.us and (duration := self.run_of(component(self.terms, time_kind, piece.moment))):
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
            while energy_cuts and next_wh <= so_far:
                k += 1
                next_wh = energy_bounds[k]
            after = so_far + energy_wh
            if next_cut < p_end or (energy_cuts and next_wh < after):
                self.so_far = so_far
                self.cut(p)
                so_far = after
                continue
            length = p_end - p_start
            wh = after - so_far if energy_wh else ZERO  # ``after`` is never below ``so_far``: energy >= 0
            if not length and not wh:
                so_far = after
                continue
            # A piece of under 2 us has its midpoint at its start, which may be a cut instant: a class of its own.
            segment = -j - 1 if length < TWO_US and j and instants[j - 1] == p_start else j
            mid_wh = (so_far + after) / 2 if energy_cuts else ZERO
            if not power_cuts:
                power_class = -1
            elif p.power_kw is not None:
                power_class = bisect_right(power_cuts, p.power_kw)
            elif not length:
                power_class = -1  # unknown for an instant, as ``period_power`` says
            elif not energy_wh:
                power_class = zero_power  # ``period_power`` gives a zero
            else:
                power_class = bisect_right(power_cuts, energy_wh * 3600 * US / 1000 / micros(length))  # as period_power
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
            if not energy_wh and i < count and length >= TWO_US and not ordered[i].energy_wh:
                i = stretch(self, ordered, starts, ends, i, p, next_cut, duration)
        self.j, self.k, self.so_far = j, k, so_far


def stretch(
    sweep: Sweep,
    ordered: list[UsagePeriod],
    starts: list[datetime],
    ends: list[datetime],
    at: int,
    first: UsagePeriod,
    next_cut: datetime,
    duration: Run | None,
) -> int:
    """Where the stretch of periods like ``first`` from ``at`` ends, their lengths added to ``duration``.

    ``first`` was one piece of at least 2 us, without energy. The periods after it that start and end before
    the next cut, also without energy, in the same state, at the same power and current (when the terms
    restrict them), are each one piece of its class (the same stretch between cuts, at no cut instant, the
    same energy so far, power, current and state): no need to judge them one by one. Adding their zero
    energies to the energy so far changes nothing more. Where the next period with energy and the next cut
    are: bisects. Whether periods are alike: a comprehension and ``list.count`` per attribute, over chunks of
    ``STRETCH`` periods, then 4 times as many each time: a stretch cut short early costs a chunk at most.
    """
    if sweep.with_energy is None:  # where the next period with energy is: worked out once, when first needed
        sweep.with_energy = [n for n, p in enumerate(ordered) if p.energy_wh]
    with_energy = sweep.with_energy
    at_energy = bisect_left(with_energy, at)
    bound = with_energy[at_energy] if at_energy < len(with_energy) else len(ordered)
    below = bisect_left(starts, next_cut, at, bound)  # these start before the next cut
    bound = below - 1 if below > at and ends[below - 1] > next_cut else below  # and end by it
    stop, size = at, STRETCH
    while stop < bound:
        chunk = ordered[stop : stop + size if stop + size < bound else bound]
        n = same_until([p.state for p in chunk], first.state)
        if sweep.power_cuts:
            n = same_until([p.power_kw for p in chunk[:n]], first.power_kw)
        if sweep.current_cuts:
            n = same_until([p.current_a for p in chunk[:n]], first.current_a)
        stop += n
        if n < len(chunk):
            break
        size *= 4
    if duration is not None and stop > at:
        if sweep.contiguous:  # each period ends where the next starts: their lengths add up to this
            duration.length += ends[stop - 1] - starts[at]
        else:
            duration.length += sum(map(sub, ends[at:stop], starts[at:stop]), timedelta(0))
    return stop


def same_until(values: list[object], value: object) -> int:
    """How many of ``values``, from the first, equal ``value``."""
    if values.count(value) == len(values):
        return len(values)
    return next(compress(count(), map(ne, values, repeat(value))))


def add_runs(
    order: list[Run],
    energy_order: list[Run],
    last: list[Run | None],
    bill: Bill,
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
    tallies: dict[tuple[TariffDimension, Decimal], Tally] = {}
    for run in energy:
        tallies.setdefault(run.tally, Tally()).add(sum(run.wh[1:], run.wh[0]), run.component.price)
    if context.flags[Rounded]:
        tallies, pieces = {}, {id(run): iter(run.wh) for run in energy}
        for run in energy_order:
            tallies.setdefault(run.tally, Tally()).add(next(pieces[id(run)]), run.component.price)
    bill.tallies.update(tallies)  # lines are sorted by dimension, then keep this order, the reference's
    context.clear_flags()
    for run in order:
        if run.dimension is not TariffDimension.ENERGY:
            us = micros(run.length)
            bill.add(run.dimension, run.component, Decimal(us))
            totals[run.dimension] += us
    for final in last:
        if final is not None:
            bill.last[final.dimension] = final.component
    return not context.flags[Rounded]

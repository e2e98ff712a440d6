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
- Discount (a promo code, ``Discount``), after the limits: it takes a share of the price, the same share
  of every VAT rate's amount excl. VAT and of its VAT. A percent discount takes that percent; a fixed one
  its amount incl. VAT, which spread over the rates in proportion to their amounts incl. VAT is that same
  share of each (amount / price incl. VAT), at most all of it: a fixed discount above the price makes it
  0, never less. The discount shows as negative ``DISCOUNT`` lines, one per VAT rate with an amount,
  quantity 1, no unit price, unrounded like the others. When a limit applied, the rates' amounts are
  the lines' scaled to the limit (excl. VAT by the limit's excl. VAT / the lines', VAT likewise; with
  nothing priced, the limit at the rate it is taxed at). ``Cost.excl_vat``, ``vat`` and ``total`` are
  what the driver pays; ``discount_excl_vat`` and ``discount_incl_vat`` are the rounded price without
  the discount minus them, so that price minus the discount is the total to the cent (each within one
  minor unit of the discount's unrounded amount). A fixed discount can thus take a cent more or less
  than its amount: excl. VAT and VAT are rounded on their own.
- Decimal throughout; half-up to the currency's minor unit once, at the end: total = excl. VAT + VAT,
  both rounded, so an invoice adds up. Nothing is ever negative but the discount lines.
- Speed (a day of one-minute readings in under 2 ms, bench/pricing.py): ``price_session`` judges each
  class of alike pieces once and adds quantities up per component (``pricing_sweep.Sweep``);
  ``_price(..., fast=False)`` judges and adds every piece on its own (``pricing_sweep.bill_by_pieces``),
  the reference the tests hold it equal to, to the last digit.

The parts: ``pricing_rules`` (a moment judged by restrictions), ``pricing_cuts`` (where periods are cut)
and ``pricing_sweep`` (adding up); this module is the public face: the models, the totals, the discount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from operator import gt, lt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, PlainSerializer

from shared.domain import iso, tariff_rules
from shared.domain.model import ApiModel
from shared.domain.pricing_cuts import Cuts
from shared.domain.pricing_rules import ORDER, PER_UNIT, US, ZERO, component, in_utc, moment_at
from shared.domain.pricing_sweep import Bill, Sweep, bill_by_pieces
from shared.domain.tariffs import TariffDimension, TariffTerms

__all__ = ["Cost", "CostLine", "Discount", "UsagePeriod", "estimate", "minor_unit", "money", "price_session"]

# ISO 4217 list one: every other national currency has 2 decimals.
_NO_DECIMALS = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split())
_THREE_DECIMALS = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
# Enough digits that no realistic session loses one before the final rounding, whatever the caller's context.
_EXACT = Context(prec=40, rounding=ROUND_HALF_EVEN)
_ONE = Decimal(1)


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


@dataclass(frozen=True, slots=True)
class Discount:
    """A promo code as pricing applies it (billing snapshots the code onto the session at its start)."""

    code: str
    kind: Literal["percent", "fixed"]
    percent: Decimal | None = None  # 1..100, kind "percent"
    amount_incl_vat: Decimal | None = None  # kind "fixed": off the total, in the tariff's currency, VAT included

    def __post_init__(self) -> None:
        if self.kind == "percent":
            if self.percent is None or self.amount_incl_vat is not None:
                raise ValueError("A percent discount takes a percent and no amount.")
            if not _finite(self.percent) or not 1 <= self.percent <= 100:
                raise ValueError("A discount's percent is a number from 1 to 100.")
        elif self.kind == "fixed":
            if self.amount_incl_vat is None or self.percent is not None:
                raise ValueError("A fixed discount takes an amount and no percent.")
            if not _finite(self.amount_incl_vat) or self.amount_incl_vat < 0:
                raise ValueError("A discount's amount is a number, not negative.")
        else:
            raise ValueError(f"{self.kind!r} is not a kind of discount (percent or fixed).")

    def share(self, price_incl_vat: Decimal) -> Decimal:
        """The share of a price (incl. VAT, unrounded) it takes off: 0 to 1."""
        if self.percent is not None:
            return Decimal(self.percent) / 100
        assert self.amount_incl_vat is not None  # by __post_init__
        return min(Decimal(self.amount_incl_vat) / price_incl_vat, _ONE) if price_incl_vat > 0 else ZERO


def _finite(value: object) -> bool:
    """A Decimal that is a number (an int will do; a float, inexact, will not)."""
    return isinstance(value, Decimal | int) and not isinstance(value, bool) and Decimal(value).is_finite()


class CostLine(ApiModel):
    model_config = ConfigDict(frozen=True)

    dimension: TariffDimension | Literal["DISCOUNT"]
    quantity: Amount  # kWh for ENERGY, hours for TIME/PARKING_TIME, 1 for FLAT and DISCOUNT; after step sizes
    unit_price: Amount | None  # excl. VAT; None when several prices applied (the amount tells), and for DISCOUNT
    amount_excl_vat: Amount  # unrounded; negative for DISCOUNT
    vat_rate: Amount  # percent
    vat: Amount  # unrounded; negative for DISCOUNT


class Cost(ApiModel):
    currency: str
    lines: list[CostLine]  # the tariff's, by dimension, then the discount's, by VAT rate
    excl_vat: Amount  # what the driver pays, rounded to the currency's minor unit, like vat and total
    vat: Amount
    total: Amount  # excl_vat + vat
    discount_excl_vat: Amount = ZERO  # rounded: the price without the discount minus excl_vat; 0 without one
    discount_incl_vat: Amount = ZERO  # rounded: the price without the discount minus total
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
    # in the exact context: an amount with more digits than the caller's context holds (a meter register
    # near its limit) still rounds, instead of raising InvalidOperation
    with localcontext(_EXACT):
        return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), ROUND_HALF_UP)


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """``{"amount": "12.40", "currency": "EUR"}``: rounded half-up to the minor unit, as stored and sent."""
    return {"amount": _plain(_round(amount, currency)), "currency": currency}


def price_session(
    terms: TariffTerms,
    periods: Sequence[UsagePeriod],
    *,
    time_zone: str,
    session_start: datetime | None = None,
    discount: Discount | None = None,
) -> Cost:
    """What a session costs under ``terms``; ``time_zone`` is the station's IANA zone, e.g. Europe/Berlin.
    ``discount``: the session's promo code, if any, taken off after the tariff's limits."""
    return _price(terms, periods, time_zone, session_start, fast=True, discount=discount)


def _price(
    terms: TariffTerms,
    periods: Sequence[UsagePeriod],
    time_zone: str,
    session_start: datetime | None,
    *,
    fast: bool,
    discount: Discount | None = None,
) -> Cost:
    """``fast``: by ``Sweep``; else piece by piece, the reference the tests compare with."""
    zone = ZoneInfo(time_zone)
    ordered = list(periods)
    starts, ends, contiguous = _instants(ordered)
    if not contiguous and any(map(gt, starts, starts[1:])):
        at = sorted(range(len(ordered)), key=starts.__getitem__)  # stable, as sorting the periods by start
        ordered, starts, ends = [ordered[i] for i in at], [starts[i] for i in at], [ends[i] for i in at]
        contiguous = ends[:-1] == starts[1:]
    start = session_start or (ordered[0].start if ordered else None)
    if start is not None and ordered and ordered[0].start < start:
        raise ValueError("A usage period starts before the session.")
    if not contiguous and any(map(lt, starts[1:], ends)):
        raise ValueError("Usage periods overlap.")
    with localcontext(_EXACT):
        flat = component(terms, TariffDimension.FLAT, moment_at(start, ordered[0] if ordered else None, zone))
        bill, totals = Bill(flat), dict.fromkeys(ORDER, ZERO)
        if ordered and start is not None:
            utc_start = in_utc(start)
            cuts = Cuts(terms, zone, utc_start, ends[-1])  # sorted, not overlapping: the last ends last
            sweep = Sweep(terms, cuts, utc_start, contiguous) if fast else None
            if not (sweep and sweep.bill(ordered, starts, ends, bill, totals)):
                bill, totals = Bill(flat), dict.fromkeys(ORDER, ZERO)
                bill_by_pieces(terms, ordered, cuts, start, bill, totals)
        bill.round_up_steps(totals)
        return _total(terms, _lines(bill), discount)


def _instants(periods: list[UsagePeriod]) -> tuple[list[datetime], list[datetime], bool]:
    """The periods' starts and ends in ``datetime.UTC``, and whether each period ends where the next starts.

    Datetimes with different tzinfo objects (pydantic gives each parsed one its own) compare and subtract
    through utcoffset() calls, several times slower: the sweep gets the same instants in UTC's own tzinfo.
    Contiguous periods (a meter's readings) are sorted and do not overlap (each ends at or after its start):
    no need to check, and each end is the next start, already converted.
    """
    starts = [p.start for p in periods]
    if False in [t.tzinfo is UTC for t in starts]:
        starts = [t if t.tzinfo is UTC else t.astimezone(UTC) for t in starts]
    if not periods:
        return starts, [], True
    last = in_utc(periods[-1].end)
    ends = [p.end for p in periods]
    ends[-1] = last
    if ends[:-1] == starts[1:]:  # equal instants, whatever their tzinfo
        return starts, [*starts[1:], last], True
    if False in [t.tzinfo is UTC for t in ends]:
        ends = [t if t.tzinfo is UTC else t.astimezone(UTC) for t in ends]
    return starts, ends, False


def _lines(bill: Bill) -> list[CostLine]:
    lines = []
    for (dimension, rate), t in sorted(bill.tallies.items(), key=lambda kv: ORDER.index(kv[0][0])):
        amount = t.value / PER_UNIT[dimension]
        price = next(iter(t.prices)) if len(t.prices) == 1 else None
        lines.append(
            CostLine(
                dimension=dimension,
                quantity=t.base / PER_UNIT[dimension],
                unit_price=price,
                amount_excl_vat=amount,
                vat_rate=rate,
                vat=amount * rate / 100,
            )
        )
    return lines


def _total(terms: TariffTerms, lines: list[CostLine], discount: Discount | None) -> Cost:
    excl = sum((line.amount_excl_vat for line in lines), ZERO)
    vat = sum((line.vat for line in lines), ZERO)
    low, high = terms.min_price, terms.max_price
    limit = high if high is not None and excl > high.excl_vat else None
    if limit is None and low is not None and excl < low.excl_vat:
        limit = low
    by_rate = _by_rate(lines) if discount is not None else {}
    if limit is not None:
        rates = [c.vat or ZERO for e in terms.elements for c in e.price_components]
        rate = vat / excl * 100 if excl else max(rates)
        new_excl = limit.excl_vat
        new_vat = limit.incl_vat - new_excl if limit.incl_vat is not None else new_excl * rate / 100
        if discount is not None:
            by_rate = _limited(by_rate, excl, vat, max(new_excl, ZERO), max(new_vat, ZERO), rate)
        excl, vat = new_excl, new_vat
    excl, vat = max(excl, ZERO), max(vat, ZERO)
    excl_r, vat_r = _round(excl, terms.currency), _round(vat, terms.currency)
    paid_excl, paid_vat, discounts = excl_r, vat_r, []
    if discount is not None and (share := discount.share(excl + vat)):
        discounts = [
            CostLine(
                dimension="DISCOUNT",
                quantity=_ONE,
                unit_price=None,
                amount_excl_vat=ZERO - base * share,  # ZERO - x: never a negative zero
                vat_rate=r,
                vat=ZERO - tax * share,
            )
            for r, (base, tax) in sorted(by_rate.items())
            if base or tax
        ]
        paid_excl = _round(excl - excl * share, terms.currency)  # share 1 leaves exactly 0
        paid_vat = _round(vat - vat * share, terms.currency)
    return Cost(
        currency=terms.currency,
        lines=[*lines, *discounts],
        excl_vat=paid_excl,
        vat=paid_vat,
        total=paid_excl + paid_vat,
        discount_excl_vat=excl_r - paid_excl,
        discount_incl_vat=excl_r + vat_r - paid_excl - paid_vat,
        min_price_applied=limit is not None and limit is low,
        max_price_applied=limit is not None and limit is high,
    )


def _by_rate(lines: list[CostLine]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """The lines' amounts excl. VAT and VAT per VAT rate."""
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        base, tax = by_rate.get(line.vat_rate, (ZERO, ZERO))
        by_rate[line.vat_rate] = (base + line.amount_excl_vat, tax + line.vat)
    return by_rate


def _limited(
    by_rate: dict[Decimal, tuple[Decimal, Decimal]],
    excl: Decimal,
    vat: Decimal,
    new_excl: Decimal,
    new_vat: Decimal,
    rate: Decimal,
) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """The amounts per VAT rate once a limit made the price ``new_excl`` + ``new_vat``: each rate's amounts
    scaled alike (VAT without any VAT priced: in proportion to the amounts excl. VAT); with nothing priced,
    the limit at ``rate``, the rate it is taxed at."""
    if not excl:
        return {rate: (new_excl, new_vat)}
    return {
        r: (base * new_excl / excl, tax * new_vat / vat if vat else new_vat * base / excl)
        for r, (base, tax) in by_rate.items()
    }


def estimate(
    terms: TariffTerms,
    *,
    kwh: Decimal | None,
    minutes: int | None,
    power_kw: Decimal,
    start: datetime,
    time_zone: str,
    discount: Discount | None = None,
) -> Cost:
    """The price before a start: charging at ``power_kw`` for ``minutes`` or until ``kwh``, whichever
    ends first, no idle time. Sizes the payment hold; ``discount``: the promo code the driver gave."""
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
        end = start + timedelta(microseconds=round(charging * 3600 * US))
    period = UsagePeriod(start, end, energy_wh, "charging", power_kw)
    return price_session(terms, [period], time_zone=time_zone, session_start=start, discount=discount)

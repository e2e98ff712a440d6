"""Tariff terms as a driver reads them: prices with VAT, and the one-line summary shown in search."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shared.domain.tariffs import (
    DayOfWeek,
    PriceComponent,
    TariffDimension,
    TariffRestrictions,
    TariffTerms,
    plain_decimal,
)

__all__ = ["energy_price", "summarise"]


def _gross(c: PriceComponent, per: int = 1) -> Decimal:
    """The price as a driver pays it (VAT added), per hour divided by ``per``, to 4 places."""
    value = c.price * (1 + (c.vat or 0) / Decimal(100)) / per
    return plain_decimal(value.quantize(Decimal("0.0001"), ROUND_HALF_UP).normalize())


def energy_price(terms: TariffTerms) -> Decimal | None:
    """The unrestricted ENERGY price per kWh including VAT, or None if energy is not priced."""
    for element in terms.elements:
        if element.restrictions is None:
            for c in element.price_components:
                if c.type is TariffDimension.ENERGY:
                    return _gross(c)
    return None


def _money(value: Decimal) -> str:
    # At least two decimals, more only when they carry something: 0.10, 0.0833, 12.00.
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def _span(low: object, high: object, unit: str, above: str, below: str) -> str | None:
    if low is not None and high is not None:
        return f"{low}–{high} {unit}"
    if low is not None:
        return f"{above} {low} {unit}"
    return f"{below} {high} {unit}" if high is not None else None


_WEEKEND = [DayOfWeek.SATURDAY, DayOfWeek.SUNDAY]
_WEEKDAYS = list(DayOfWeek)[:5]


def _when(r: TariffRestrictions) -> str:
    parts: list[str | None] = []
    if r.start_time and r.end_time:
        parts.append(f"{r.start_time}–{r.end_time}")
    elif r.start_time or r.end_time:
        parts.append(f"from {r.start_time}" if r.start_time else f"until {r.end_time}")
    days = r.day_of_week
    if days and len(days) < 7:
        named = {tuple(_WEEKEND): "weekends", tuple(_WEEKDAYS): "weekdays"}.get(tuple(days))
        parts.append("on " + (named or ", ".join(d.title()[:3] for d in days)))
    if r.start_date:
        parts.append(f"from {r.start_date}")
    if r.end_date:
        parts.append(f"until {r.end_date}")
    if r.min_duration is not None and r.max_duration is not None:
        parts.append(f"from {_minutes(r.min_duration)} to {_minutes(r.max_duration)}")
    elif r.min_duration is not None:
        parts.append(f"after {_minutes(r.min_duration)}")
    elif r.max_duration is not None:
        parts.append(f"for the first {_minutes(r.max_duration)}")
    parts.append(_span(r.min_kwh, r.max_kwh, "kWh", "after", "up to"))
    parts.append(_span(r.min_power, r.max_power, "kW", "from", "below"))
    parts.append(_span(r.min_current, r.max_current, "A", "from", "below"))
    if r.reservation:
        parts.append("while reserved" if r.reservation == "RESERVATION" else "after a reservation expires")
    return " ".join(p for p in parts if p)


def _phrase(c: PriceComponent, currency: str) -> str:
    if c.type is TariffDimension.ENERGY:
        return f"{_money(_gross(c))} {currency}/kWh" if c.price else "energy free"
    if c.type is TariffDimension.TIME:
        return f"{_money(_gross(c, 60))} {currency}/min" if c.price else "time free"
    if c.type is TariffDimension.PARKING_TIME:
        return f"parking {_money(_gross(c, 60))} {currency}/min" if c.price else "parking free"
    return f"{_money(_gross(c))} {currency} per session" if c.price else "no session fee"


def summarise(terms: TariffTerms) -> str:
    """One line for search and station detail, e.g. "0.39 EUR/kWh, 0.10 EUR/min after 60 min".

    Prices include VAT (what the driver pays). Per dimension, the unrestricted price comes first,
    then the restricted ones; a free unrestricted price is the "otherwise" case and is left out.
    """
    lines: list[str] = []
    for kind in TariffDimension:
        found = [(c, e.restrictions) for e in terms.elements for c in e.price_components if c.type is kind]
        for c, r in sorted(found, key=lambda pair: pair[1] is not None):
            if r is None and not c.price:
                continue
            lines.append(_phrase(c, terms.currency) + (f" {_when(r)}" if r is not None else ""))
    return ", ".join(lines) or "free"

"""Tariffs after the OCPI 2.2.1 tariffs module, their checks and their summary as drivers read it.

A ``Tariff`` (id ``trf_...``) is a head: name and current version. Each change is a new immutable
``TariffVersion`` (id ``trf_...:v<n>``), both in the ``stations`` container (partition
``/providerId``). A session is priced by the version in force at its start.

OCPI semantics kept here: prices exclude VAT; ENERGY is per kWh, TIME (charging) and PARKING_TIME per
hour, FLAT per session; restriction minima are inclusive and maxima exclusive; for each dimension the
first element whose restrictions all match sets the price.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, HttpUrl, field_validator

from shared.domain.errors import InvalidInput
from shared.domain.model import ApiModel, InputModel

__all__ = [
    "CURRENCIES", "DayOfWeek", "DisplayText", "Price", "PriceComponent", "Tariff", "TariffCreate",
    "TariffDetail", "TariffDimension", "TariffElement", "TariffRestrictions", "TariffTerms", "TariffVersion",
    "TariffVersionCreate", "check_tariff", "energy_price", "summarise",
]  # fmt: skip

# ISO 4217 codes a price can be in: national currencies, without funds, metals and test codes.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD
    CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
    PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG""".split()
)


def _plain(value: Decimal) -> Decimal:
    # "1e3" and "-0" are valid input but must be stored and shown as 1000 and 0.
    return Decimal(format(abs(value) if value.is_zero() else value, "f"))


# OCPI numbers carry at most 4 decimals; a cap on digits keeps absurd values out.
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4), AfterValidator(_plain)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=4), AfterValidator(_plain)]
HourMinute = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class TariffDimension(StrEnum):
    ENERGY = "ENERGY"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"
    FLAT = "FLAT"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


# The value objects are InputModels: an unknown field (a typo in a restriction) is refused, never
# silently dropped, which would widen the restriction to "always".
class PriceComponent(InputModel):
    type: TariffDimension
    price: Amount = Field(description="excluding VAT; per kWh, per hour (TIME, PARKING_TIME) or per session")
    vat: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2), AfterValidator(_plain)] | None = None
    step_size: int = Field(default=1, gt=0, le=86_400, description="Wh for ENERGY, seconds for times")


class TariffRestrictions(InputModel):
    start_time: HourMinute | None = None
    end_time: HourMinute | None = Field(default=None, description="before start_time: wraps past midnight")
    start_date: date | None = None
    end_date: date | None = Field(default=None, description="exclusive")
    min_kwh: Quantity | None = None
    max_kwh: Quantity | None = None
    min_current: Quantity | None = None
    max_current: Quantity | None = None
    min_power: Quantity | None = None
    max_power: Quantity | None = None
    min_duration: int | None = Field(default=None, ge=0, description="seconds")
    max_duration: int | None = Field(default=None, ge=0, description="seconds")
    day_of_week: list[DayOfWeek] = Field(default_factory=list, max_length=7)
    reservation: Literal["RESERVATION", "RESERVATION_EXPIRES"] | None = None

    @field_validator("day_of_week")
    @classmethod
    def _week_order(cls, days: list[DayOfWeek]) -> list[DayOfWeek]:
        return sorted(set(days), key=list(DayOfWeek).index)

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_defaults=True)


class TariffElement(InputModel):
    price_components: list[PriceComponent] = Field(min_length=1, max_length=4)
    restrictions: TariffRestrictions | None = None

    @field_validator("restrictions")
    @classmethod
    def _empty_is_none(cls, value: TariffRestrictions | None) -> TariffRestrictions | None:
        return None if value is None or value.is_empty() else value


class Price(InputModel):
    excl_vat: Amount
    incl_vat: Amount | None = None


class DisplayText(InputModel):
    language: str = Field(pattern=r"^[a-z]{2}$")
    text: str = Field(min_length=1, max_length=512)


class TariffTerms(ApiModel):
    """What a version prices: the OCPI Tariff object without its identity."""

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    elements: list[TariffElement] = Field(min_length=1, max_length=50)
    min_price: Price | None = None
    max_price: Price | None = None
    tariff_alt_text: list[DisplayText] = Field(default_factory=list, max_length=10)
    tariff_alt_url: HttpUrl | None = None


class TariffVersionCreate(TariffTerms):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TariffCreate(TariffVersionCreate):
    name: str = Field(min_length=1, max_length=100)


class TariffVersion(TariffTerms):
    id: str
    type: Literal["tariffVersion"] = "tariffVersion"
    provider_id: str
    tariff_id: str
    version: int = Field(ge=1)
    summary: str
    created_by: str
    created_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class Tariff(ApiModel):
    id: str
    type: Literal["tariff"] = "tariff"
    provider_id: str
    name: str
    currency: str
    current_version: int = Field(ge=1)
    summary: str  # the current version's, so a list of tariffs needs no second read
    created_at: datetime
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class TariffDetail(Tariff):
    versions: list[TariffVersion]


_PAIRS = ("kwh", "current", "power", "duration")


def check_tariff(terms: TariffTerms) -> None:
    """Refuse terms that OCPI allows to be written but that cannot price a session sensibly."""
    if terms.currency not in CURRENCIES:
        raise InvalidInput(f"{terms.currency} is not an ISO 4217 currency code.", code="unknown_currency")
    for i, element in enumerate(terms.elements, start=1):
        kinds = [c.type for c in element.price_components]
        if len(set(kinds)) != len(kinds):
            raise InvalidInput(f"Element {i} prices a dimension twice.", code="tariff_duplicate_component")
        if element.restrictions is not None:
            _check_ranges(i, element.restrictions)
    _check_fallbacks(terms.elements)
    low, high = terms.min_price, terms.max_price
    for limit in (p for p in (low, high) if p is not None):
        if limit.incl_vat is not None and limit.incl_vat < limit.excl_vat:
            raise InvalidInput("A price including VAT is below the price without it.", code="tariff_price_vat")
    if low is not None and high is not None and low.excl_vat > high.excl_vat:
        raise InvalidInput("minPrice is above maxPrice.", code="tariff_price_limits")


def _check_ranges(i: int, r: TariffRestrictions) -> None:
    # Maxima and end dates are exclusive in OCPI: min == max is a range nothing falls into.
    for name in _PAIRS:
        low, high = getattr(r, f"min_{name}"), getattr(r, f"max_{name}")
        if low is not None and high is not None and low >= high:
            raise InvalidInput(f"Element {i}: min{name.title()} must be below max{name.title()}.", code="tariff_range")
    if r.start_date and r.end_date and r.start_date >= r.end_date:
        raise InvalidInput(f"Element {i}: startDate must be before endDate.", code="tariff_range")
    if r.start_time is not None and r.start_time == r.end_time:
        raise InvalidInput(f"Element {i}: startTime equals endTime; omit both for all day.", code="tariff_range")


def _check_fallbacks(elements: list[TariffElement]) -> None:
    """Each priced dimension ends in exactly one unrestricted element, after any restricted ones.

    The first matching element wins, so a restricted element after an unrestricted one of the same
    dimension is never used, and without an unrestricted one some sessions would have no price.
    """
    open_at: dict[TariffDimension, int] = {}
    for i, element in enumerate(elements, start=1):
        for kind in (c.type for c in element.price_components):
            if kind in open_at:
                raise InvalidInput(
                    f"Element {i} prices {kind} after element {open_at[kind]} priced it without restrictions,"
                    " so it would never apply; put restricted elements first.",
                    code="tariff_unreachable_element",
                )
            if element.restrictions is None:
                open_at[kind] = i
    missing = sorted({c.type for e in elements for c in e.price_components} - open_at.keys())
    if missing:
        raise InvalidInput(
            f"{', '.join(missing)} has no element without restrictions to fall back on; add one"
            " (with price 0 if it is free otherwise) after the restricted ones.",
            code="tariff_missing_fallback",
        )


def _gross(c: PriceComponent, per: int = 1) -> Decimal:
    """The price as a driver pays it (VAT added), per hour divided by ``per``, to 4 places."""
    value = c.price * (1 + (c.vat or 0) / Decimal(100)) / per
    return _plain(value.quantize(Decimal("0.0001"), ROUND_HALF_UP).normalize())


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

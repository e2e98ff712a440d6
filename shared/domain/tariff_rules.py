"""The checks on tariff terms beyond their shape: what OCPI allows to be written but cannot price a session."""

from __future__ import annotations

from shared.domain.errors import InvalidInput
from shared.domain.tariffs import TariffDimension, TariffElement, TariffRestrictions, TariffTerms

__all__ = ["CURRENCIES", "check_tariff"]

# ISO 4217 codes a price can be in: national currencies, without funds, metals and test codes.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD
    CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
    PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG""".split()
)

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

"""The OCPI tariff model: its checks, its one-line summary and the unrestricted energy price."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.domain.errors import InvalidInput
from shared.domain.tariff_rules import check_tariff
from shared.domain.tariff_summary import energy_price, summarise
from shared.domain.tariffs import TariffCreate, TariffVersionCreate


def component(kind="ENERGY", price="0.39", **extra):
    return {"type": kind, "price": price, **extra}


def element(*components, **restrictions):
    el = {"priceComponents": list(components)}
    if restrictions:
        el["restrictions"] = restrictions
    return el


def terms(*elements, currency="EUR", **extra):
    return TariffVersionCreate.model_validate({"currency": currency, "elements": list(elements), **extra})


def refused(code, *elements, **extra):
    with pytest.raises(InvalidInput) as caught:
        check_tariff(terms(*elements, **extra))
    assert caught.value.code == code, caught.value.detail
    return caught.value.detail


HOURLY_AFTER_AN_HOUR = (
    element(component("ENERGY", "0.39")),
    element(component("TIME", "6.00"), minDuration=3600),
    element(component("TIME", "0")),
)


class TestValidShapes:
    def test_the_documented_example_passes(self):
        check_tariff(terms(*HOURLY_AFTER_AN_HOUR))

    def test_numbers_are_decimals_serialised_as_plain_strings(self):
        t = terms(element(component("ENERGY", 0.39)), element(component("FLAT", "1e1")))
        dumped = t.model_dump(mode="json", by_alias=True)
        assert dumped["elements"][0]["priceComponents"][0]["price"] == "0.39"
        assert dumped["elements"][1]["priceComponents"][0]["price"] == "10"
        assert isinstance(t.elements[0].price_components[0].price, Decimal)

    def test_empty_restrictions_mean_unrestricted(self):
        t = terms(element(component("TIME", "1"), dayOfWeek=[]))
        assert t.elements[0].restrictions is None
        check_tariff(t)

    def test_time_window_may_wrap_past_midnight(self):
        check_tariff(
            terms(element(component(), startTime="22:00", endTime="06:00"), element(component("ENERGY", "0.5")))
        )

    def test_tariff_create_needs_a_name(self):
        with pytest.raises(ValidationError):
            TariffCreate.model_validate({"currency": "EUR", "elements": [element(component())]})


class TestFieldErrors:
    @pytest.mark.parametrize(
        "bad",
        [
            component(price="-0.01"),
            component(price="NaN"),
            component(price="0.12345"),  # OCPI numbers have at most 4 decimals
            component(stepSize=0),
            component(vat="101"),
            component(kind="ENERGIE"),
            component(unit="kWh"),  # unknown field: refused, not ignored
        ],
    )
    def test_bad_price_component(self, bad):
        with pytest.raises(ValidationError):
            terms(element(bad))

    @pytest.mark.parametrize(
        "restriction",
        [{"startTime": "24:00"}, {"endTime": "7:00"}, {"minKwh": "-1"}, {"dayOfWeek": ["FUNDAY"]}, {"minKwH": 1}],
    )
    def test_bad_restriction(self, restriction):
        with pytest.raises(ValidationError):
            terms(element(component(), **restriction), element(component()))

    @pytest.mark.parametrize("currency", ["eur", "EURO", ""])
    def test_currency_shape(self, currency):
        with pytest.raises(ValidationError):
            terms(element(component()), currency=currency)

    def test_no_elements(self):
        with pytest.raises(ValidationError):
            terms()


class TestRules:
    def test_unknown_currency(self):
        refused("unknown_currency", element(component()), currency="XYZ")

    @pytest.mark.parametrize("name", ["Kwh", "Current", "Power", "Duration"])
    @pytest.mark.parametrize(("low", "high"), [(50, 20), (20, 20)])
    def test_min_must_be_below_max(self, name, low, high):
        detail = refused(
            "tariff_range", element(component(), **{f"min{name}": low, f"max{name}": high}), element(component())
        )
        assert f"min{name}" in detail and "Element 1" in detail

    def test_dates_in_order(self):
        refused(
            "tariff_range",
            element(component(), startDate="2026-12-31", endDate="2026-12-01"),
            element(component()),
        )

    def test_equal_start_and_end_time(self):
        refused("tariff_range", element(component(), startTime="08:00", endTime="08:00"), element(component()))

    def test_a_priced_dimension_needs_an_unrestricted_fallback(self):
        detail = refused(
            "tariff_missing_fallback", element(component()), element(component("TIME", "6"), minDuration=3600)
        )
        assert "TIME" in detail

    def test_a_restricted_element_after_the_fallback_is_refused(self):
        refused(
            "tariff_unreachable_element",
            element(component("TIME", "0")),
            element(component("TIME", "6"), minDuration=3600),
        )

    def test_one_dimension_twice_in_an_element(self):
        refused("tariff_duplicate_component", element(component(), component(price="0.5")))

    def test_min_price_above_max_price(self):
        refused("tariff_price_limits", element(component()), minPrice={"exclVat": "10"}, maxPrice={"exclVat": "9.99"})

    def test_equal_price_limits_are_fine(self):
        check_tariff(terms(element(component()), minPrice={"exclVat": "5"}, maxPrice={"exclVat": "5"}))

    def test_price_with_vat_below_without(self):
        refused("tariff_price_vat", element(component()), maxPrice={"exclVat": "10", "inclVat": "9"})

    @given(
        st.sampled_from(["Kwh", "Current", "Power"]),
        st.decimals(min_value=0, max_value=1000, places=2),
        st.decimals(min_value=0, max_value=1000, places=2),
    )
    def test_range_accepted_exactly_when_min_is_below_max(self, name, low, high):
        t = terms(element(component(), **{f"min{name}": str(low), f"max{name}": str(high)}), element(component()))
        if low < high:
            check_tariff(t)
        else:
            with pytest.raises(InvalidInput):
                check_tariff(t)


class TestSummary:
    def test_the_documented_example(self):
        assert summarise(terms(*HOURLY_AFTER_AN_HOUR)) == "0.39 EUR/kWh, 0.10 EUR/min after 60 min"

    def test_parking_and_flat(self):
        t = terms(element(component("PARKING_TIME", "3.00"), component("FLAT", "1")))
        assert summarise(t) == "parking 0.05 EUR/min, 1.00 EUR per session"

    def test_night_rate_and_weekend_parking(self):
        t = terms(
            element(component("ENERGY", "0.29"), startTime="22:00", endTime="06:00"),
            element(component("PARKING_TIME", "0"), dayOfWeek=["SUNDAY", "SATURDAY"]),
            element(component("ENERGY", "0.49"), component("PARKING_TIME", "6")),
        )
        assert summarise(t) == "0.49 EUR/kWh, 0.29 EUR/kWh 22:00–06:00, parking 0.10 EUR/min, parking free on weekends"

    @pytest.mark.parametrize(
        ("restrictions", "phrase"),
        [
            ({"dayOfWeek": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]}, "on weekdays"),
            ({"dayOfWeek": ["WEDNESDAY", "MONDAY"]}, "on Mon, Wed"),
            ({"maxDuration": 1800}, "for the first 30 min"),
            ({"minDuration": 90}, "after 90 s"),
            ({"minKwh": 20}, "after 20 kWh"),
            ({"minPower": 50, "maxPower": 150}, "50–150 kW"),
            ({"maxCurrent": 32}, "below 32 A"),
            ({"startDate": "2026-12-01"}, "from 2026-12-01"),
            ({"reservation": "RESERVATION"}, "while reserved"),
        ],
    )
    def test_restriction_phrases(self, restrictions, phrase):
        t = terms(element(component("ENERGY", "0.30"), **restrictions), element(component("ENERGY", "0.40")))
        assert summarise(t) == f"0.40 EUR/kWh, 0.30 EUR/kWh {phrase}"

    def test_prices_include_vat(self):
        assert summarise(terms(element(component("ENERGY", "0.30", vat="19")))) == "0.357 EUR/kWh"

    def test_free_everything(self):
        assert summarise(terms(element(component("ENERGY", "0"), component("FLAT", "0")))) == "free"

    @given(st.decimals(min_value=0, max_value=100, places=2))
    def test_hourly_time_shows_per_minute(self, hourly):
        text = summarise(terms(element(component("TIME", str(hourly)))))
        if hourly:
            shown = Decimal(text.split(" ")[0])
            assert abs(shown - hourly / 60) <= Decimal("0.00005") and text.endswith(" EUR/min")
        else:
            assert text == "free"


class TestEnergyPrice:
    def test_the_unrestricted_energy_price(self):
        t = terms(
            element(component("ENERGY", "0.29"), startTime="22:00", endTime="06:00"),
            element(component("ENERGY", "0.49")),
        )
        assert energy_price(t) == Decimal("0.49")

    def test_none_without_energy(self):
        assert energy_price(terms(element(component("TIME", "6")))) is None

    def test_includes_vat(self):
        assert energy_price(terms(element(component("ENERGY", "0.40", vat="20")))) == Decimal("0.48")

    @given(st.decimals(min_value=0, max_value=10, places=4))
    def test_is_the_price_without_vat_when_none_is_given(self, price):
        assert energy_price(terms(element(component("ENERGY", str(price))))) == price

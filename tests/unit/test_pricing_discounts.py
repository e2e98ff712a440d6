"""Promo-code discounts in the pricing function: worked examples with exact amounts, then properties.

A discount applies after the tariff's min/max price, as a share of every VAT rate's amounts (a percent, or
a fixed amount incl. VAT over the price incl. VAT, at most all of it), shown as negative DISCOUNT lines.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.domain.pricing import Cost, Discount, _price, estimate, minor_unit, price_session
from tests.unit.test_pricing import (
    BERLIN,
    amounts,
    any_tariffs,
    charging,
    component,
    element,
    idle,
    meter_sessions,
    sessions,
    tariffs,
    terms,
    utc,
)

D = Decimal
T0 = utc(2026, 6, 10, 10)  # a Wednesday, 12:00 in Berlin


def percent(value: str | int) -> Discount:
    return Discount("SUMMER", "percent", percent=D(value))


def fixed(value: str) -> Discount:
    return Discount("WELCOME", "fixed", amount_incl_vat=D(value))


def price(t, *periods, discount=None, start=None) -> Cost:
    return price_session(t, list(periods), time_zone=BERLIN, session_start=start, discount=discount)


def discounts(cost: Cost) -> list[tuple[Decimal, Decimal, Decimal]]:
    """The DISCOUNT lines as (VAT rate, amount excl. VAT, VAT)."""
    return [(x.vat_rate, x.amount_excl_vat, x.vat) for x in cost.lines if x.dimension == "DISCOUNT"]


def off(cost: Cost) -> tuple[str, str]:
    return (str(cost.discount_excl_vat), str(cost.discount_incl_vat))


# 10 kWh at 0.50 + 19 %: 5.00 + 0.95 = 5.95
FIVE = terms(element(component("ENERGY", "0.50", vat="19")))
TEN_KWH = charging(T0, 60, 10_000)


class TestWorkedExamples:
    def test_without_a_discount_nothing_changes(self):
        cost = price(FIVE, TEN_KWH)
        assert amounts(cost) == ("5.00", "0.95", "5.95")
        assert off(cost) == ("0.00", "0.00")
        assert discounts(cost) == []

    def test_percent(self):
        # 12.125 kWh x 0.36 = 4.365 + 19 % (0.82935); 10 % off: 3.9285 -> 3.93 and 0.746415 -> 0.75
        t = terms(element(component("ENERGY", "0.36", vat="19")))
        full = price(t, charging(T0, 60, 12125))
        cost = price(t, charging(T0, 60, 12125), discount=percent(10))
        assert amounts(full) == ("4.37", "0.83", "5.20")
        assert amounts(cost) == ("3.93", "0.75", "4.68")
        assert off(cost) == ("0.44", "0.52")  # 4.37 - 3.93, 5.20 - 4.68
        assert discounts(cost) == [(D(19), D("-0.4365"), D("-0.082935"))]
        assert cost.lines[:-1] == full.lines  # the tariff's lines stay as they were

    def test_a_discount_line_in_json(self):
        dumped = price(FIVE, TEN_KWH, discount=percent(20)).model_dump(mode="json")
        assert dumped["lines"][-1] == {
            "dimension": "DISCOUNT",
            "quantity": "1",
            "unitPrice": None,
            "amountExclVat": "-1.000",
            "vatRate": "19",
            "vat": "-0.190",
        }
        assert dumped["lines"][0]["dimension"] == "ENERGY"
        assert (dumped["exclVat"], dumped["vat"], dumped["total"]) == ("4.00", "0.76", "4.76")
        assert (dumped["discountExclVat"], dumped["discountInclVat"]) == ("1.00", "1.19")

    def test_fixed(self):
        # 1.19 off 5.95 is a fifth of every amount: 1.00 + 0.19
        cost = price(FIVE, TEN_KWH, discount=fixed("1.19"))
        assert amounts(cost) == ("4.00", "0.76", "4.76")
        assert off(cost) == ("1.00", "1.19")
        assert discounts(cost) == [(D(19), D(-1), D("-0.19"))]

    def test_fixed_can_take_a_cent_more_as_excl_and_vat_round_alone(self):
        # 4.365 + 0.82935 shows as 4.37 + 0.83 = 5.20, but the price is 5.19435: 2.00 off leaves 3.19435,
        # 2.684327... + 0.510022... -> 2.68 + 0.51 = 3.19. Within a cent of the amount, as documented.
        t = terms(element(component("ENERGY", "0.36", vat="19")))
        cost = price(t, charging(T0, 60, 12125), discount=fixed("2.00"))
        assert amounts(cost) == ("2.68", "0.51", "3.19")
        assert off(cost) == ("1.69", "2.01")

    def test_fixed_above_the_price_makes_it_zero(self):
        cost = price(FIVE, TEN_KWH, discount=fixed("10.00"))
        assert amounts(cost) == ("0.00", "0.00", "0.00")
        assert off(cost) == ("5.00", "5.95")
        assert discounts(cost) == [(D(19), D("-5.000"), D("-0.95000"))]

    def test_fixed_equal_to_the_price_and_a_hundred_percent(self):
        for discount in (fixed("5.95"), percent(100)):
            cost = price(FIVE, TEN_KWH, discount=discount)
            assert amounts(cost) == ("0.00", "0.00", "0.00")
            assert off(cost) == ("5.00", "5.95")

    def test_fixed_zero_and_a_free_session_take_nothing(self):
        assert off(price(FIVE, TEN_KWH, discount=fixed("0"))) == ("0.00", "0.00")
        free = terms(element(component("ENERGY", "0")))
        cost = price(free, TEN_KWH, discount=fixed("5.00"))
        assert amounts(cost) == ("0.00", "0.00", "0.00") and off(cost) == ("0.00", "0.00")
        assert discounts(cost) == []

    # Energy 0.40 at 19 % and a 1.00 session fee at 7 %: 4.00 + 0.76 and 1.00 + 0.07, 5.83 in all.
    MIXED = terms(element(component("ENERGY", "0.40", vat="19"), component("FLAT", "1.00", vat="7")))

    def test_mixed_rates_percent(self):
        cost = price(self.MIXED, TEN_KWH, discount=percent(10))
        # One line per rate, in rate order: 10 % of each rate's amount and of its VAT.
        assert discounts(cost) == [(D(7), D("-0.100"), D("-0.00700")), (D(19), D("-0.4000"), D("-0.076000"))]
        assert amounts(cost) == ("4.50", "0.75", "5.25")  # 4.50 and 0.747 -> 0.75
        assert off(cost) == ("0.50", "0.58")

    def test_mixed_rates_fixed_in_proportion_to_the_amounts_incl_vat(self):
        # 1.166 is a fifth of 5.83: 0.952 off the 19 % part (4.76) and 0.214 off the 7 % part (1.07).
        cost = price(self.MIXED, TEN_KWH, discount=fixed("1.166"))
        assert discounts(cost) == [(D(7), D("-0.2"), D("-0.014")), (D(19), D("-0.8"), D("-0.152"))]
        assert [base + vat for _, base, vat in discounts(cost)] == [D("-0.214"), D("-0.952")]
        assert amounts(cost) == ("4.00", "0.66", "4.66")  # 0.83 x 0.8 = 0.664
        assert off(cost) == ("1.00", "1.17")

    def test_mixed_rates_fixed_odd_amount(self):
        # 2.00 over 5.83: each rate's share is 2.00 x its amount incl. VAT / 5.83 (to 40 digits; compared
        # to 20 decimals here).
        cost = price(self.MIXED, TEN_KWH, discount=fixed("2.00"))
        (_, base7, vat7), (_, base19, vat19) = discounts(cost)
        q = D("1e-20")
        assert (base7 + vat7).quantize(q) == (-2 * D("1.07") / D("5.83")).quantize(q)
        assert (base19 + vat19).quantize(q) == (-2 * D("4.76") / D("5.83")).quantize(q)
        assert (base7 + vat7 + base19 + vat19).quantize(q) == D(-2)
        assert vat19.quantize(q) == (base19 * D("0.19")).quantize(q)  # the rate's own VAT
        # 5.00 x 3.83 / 5.83 = 3.2847... -> 3.28; 0.83 x 3.83 / 5.83 = 0.5452... -> 0.55
        assert amounts(cost) == ("3.28", "0.55", "3.83")

    def test_after_the_min_price(self):
        # 10 kWh x 0.30 = 3.00 is under the minimum of 5.00 (+ 19 % = 5.95): the discount comes off that.
        t = terms(element(component("ENERGY", "0.30", vat="19")), minPrice={"exclVat": "5.00"})
        cost = price(t, TEN_KWH, discount=percent(20))
        assert cost.min_price_applied
        assert amounts(cost) == ("4.00", "0.76", "4.76")
        assert off(cost) == ("1.00", "1.19")
        assert discounts(cost) == [(D(19), D(-1), D("-0.19"))]
        # It may take the price under the minimum; a fixed discount above the minimum leaves nothing.
        assert amounts(price(t, TEN_KWH, discount=fixed("6"))) == ("0.00", "0.00", "0.00")

    def test_after_a_min_price_with_its_own_vat_amount(self):
        t = terms(element(component("ENERGY", "0.30", vat="19")), minPrice={"exclVat": "5.00", "inclVat": "6.00"})
        cost = price(t, TEN_KWH, discount=percent(10))
        assert amounts(cost) == ("4.50", "0.90", "5.40")
        assert discounts(cost) == [(D(19), D("-0.5"), D("-0.1"))]

    def test_after_the_max_price_with_mixed_rates(self):
        # 5.00 + 0.83 over a maximum of 2.50: each rate scaled by a half, then 10 % of that.
        t = terms(*self.MIXED.elements, maxPrice={"exclVat": "2.50"})
        cost = price(t, TEN_KWH, discount=percent(10))
        assert cost.max_price_applied
        assert discounts(cost) == [(D(7), D("-0.05"), D("-0.0035")), (D(19), D("-0.2"), D("-0.038"))]
        assert amounts(cost) == ("2.25", "0.37", "2.62")  # 0.415 x 0.9 = 0.3735
        assert off(cost) == ("0.25", "0.30")  # from 2.50 + 0.42 (0.415, half up) = 2.92

    def test_min_price_of_an_empty_session_at_the_terms_highest_rate(self):
        t = terms(element(component("ENERGY", "0.30", vat="19")), minPrice={"exclVat": "2.00"})
        cost = price(t, start=T0, discount=percent(50))
        assert discounts(cost) == [(D(19), D("-1.00"), D("-0.19"))]
        assert amounts(cost) == ("1.00", "0.19", "1.19")

    def test_yen_has_no_minor_unit(self):
        # 12.5 kWh x 35 = 437.5 + 10 % (43.75): 438 + 44 = 482 yen
        t = terms(element(component("ENERGY", "35", vat="10")), currency="JPY")
        assert amounts(price(t, charging(T0, 60, 12500))) == ("438", "44", "482")
        cost = price(t, charging(T0, 60, 12500), discount=percent(10))
        assert amounts(cost) == ("394", "39", "433")  # 393.75 and 39.375
        assert off(cost) == ("44", "49")
        cost = price(t, charging(T0, 60, 12500), discount=fixed("100"))
        assert amounts(cost) == ("347", "35", "382")  # 381.25 / 1.1 = 346.59..., 34.659...
        assert off(cost) == ("91", "100")
        assert amounts(price(t, charging(T0, 60, 12500), discount=fixed("1000"))) == ("0", "0", "0")

    def test_estimate_takes_the_discount(self):
        cost = estimate(FIVE, kwh=D(10), minutes=None, power_kw=D(11), start=T0, time_zone=BERLIN, discount=percent(20))
        assert amounts(cost) == ("4.00", "0.76", "4.76")

    def test_the_reference_path_applies_it_alike(self):
        periods = [TEN_KWH, idle(T0 + timedelta(hours=1), 30, 2)]
        for discount in (percent(15), fixed("3.10"), fixed("99")):
            fast = price_session(self.MIXED, periods, time_zone=BERLIN, discount=discount)
            slow = _price(self.MIXED, periods, BERLIN, None, fast=False, discount=discount)
            assert fast.model_dump(mode="json") == slow.model_dump(mode="json")


class TestValidation:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"kind": "percent"},
            {"kind": "percent", "percent": D(10), "amount_incl_vat": D(1)},
            {"kind": "percent", "percent": D(0)},
            {"kind": "percent", "percent": D("100.01")},
            {"kind": "percent", "percent": D("NaN")},
            {"kind": "percent", "percent": 10.0},
            {"kind": "fixed"},
            {"kind": "fixed", "amount_incl_vat": D(5), "percent": D(10)},
            {"kind": "fixed", "amount_incl_vat": D("-0.01")},
            {"kind": "fixed", "amount_incl_vat": D("Infinity")},
            {"kind": "gift", "percent": D(10)},
        ],
    )
    def test_refused(self, kwargs):
        with pytest.raises(ValueError):
            Discount("CODE", **kwargs)

    def test_accepted(self):
        assert Discount("A", "percent", percent=D(1)).share(D(10)) == D("0.01")
        assert Discount("A", "percent", percent=D("12.5")).share(D(10)) == D("0.125")
        assert Discount("A", "percent", percent=100).share(D(10)) == 1  # an int will do
        assert Discount("A", "fixed", amount_incl_vat=D(0)).share(D(10)) == 0
        assert Discount("A", "fixed", amount_incl_vat=D(25)).share(D(10)) == 1


# ---- properties --------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
any_discount = st.one_of(
    st.builds(percent, st.integers(1, 100) | st.decimals(1, 100, places=2)),
    st.builds(lambda a: fixed(str(a)), st.decimals(0, 80, places=2)),
)


def cost_of(t, periods, discount=None, start=None) -> Cost:
    return price_session(t, periods, time_zone=BERLIN, session_start=start or periods[0].start, discount=discount)


class TestDiscountProperties:
    @PROPERTY
    @given(tariffs(), sessions(), any_discount)
    def test_never_more_never_negative_and_adds_up(self, t, periods, discount):
        full, cost = cost_of(t, periods), cost_of(t, periods, discount)
        unit = D(1).scaleb(-minor_unit(t.currency))
        assert D(0) <= cost.total <= full.total
        assert cost.excl_vat >= 0 and cost.vat >= 0 and cost.excl_vat + cost.vat == cost.total
        assert cost.total + cost.discount_incl_vat == full.total
        assert cost.excl_vat + cost.discount_excl_vat == full.excl_vat
        assert cost.discount_excl_vat >= 0 and cost.discount_incl_vat >= cost.discount_excl_vat
        assert cost.lines[: len(full.lines)] == full.lines
        for _, base, vat in discounts(cost):
            assert base <= 0 and vat <= 0 and (base or vat)
        if discount.kind == "fixed":
            a = discount.amount_incl_vat
            if a <= full.total - unit:  # under the price: within a cent of the amount
                assert abs(cost.discount_incl_vat - a) <= unit
            if a >= full.total + unit:  # above it: nothing left to pay
                assert cost.total == 0
        else:
            share = discount.percent / 100
            assert abs(cost.discount_excl_vat - full.excl_vat * share) <= unit * D("1.5")

    @PROPERTY
    @given(tariffs(), sessions())
    def test_a_hundred_percent_is_free(self, t, periods):
        full, cost = cost_of(t, periods), cost_of(t, periods, percent(100))
        assert amounts(cost) == amounts(cost_of(t, periods, fixed("1e6")))
        assert cost.total == 0 and cost.discount_incl_vat == full.total

    @PROPERTY
    @given(tariffs(), sessions(min_size=2), any_discount)
    def test_appending_a_period_never_lowers_the_price(self, t, periods, discount):
        shorter = cost_of(t, periods[:-1], discount, periods[0].start)
        longer = cost_of(t, periods, discount)
        assert longer.excl_vat >= shorter.excl_vat and longer.total >= shorter.total

    @PROPERTY
    @given(tariffs(energy_dependent=False), sessions(), any_discount, st.data())
    def test_more_energy_never_lowers_the_price(self, t, periods, discount, data):
        i = data.draw(st.integers(0, len(periods) - 1))
        more = list(periods)
        more[i] = replace(periods[i], energy_wh=periods[i].energy_wh + data.draw(st.integers(1, 10_000)), power_kw=None)
        less = list(periods)
        less[i] = replace(periods[i], power_kw=None)
        assert cost_of(t, more, discount).total >= cost_of(t, less, discount).total

    @PROPERTY
    @given(tariffs(restricted=False, steps=True), sessions(), any_discount, st.integers(1, 7200), st.integers(0, 9999))
    def test_longer_or_fuller_never_costs_less(self, t, periods, discount, seconds, wh):
        last = periods[-1]
        grown = [*periods[:-1], replace(last, end=last.end + timedelta(seconds=seconds), energy_wh=last.energy_wh + wh)]
        assert cost_of(t, grown, discount).total >= cost_of(t, periods, discount).total

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(any_tariffs(), meter_sessions(), any_discount)
    def test_fast_and_reference_agree(self, t, session, discount):
        periods, start = session
        fast = price_session(t, periods, time_zone=BERLIN, session_start=start, discount=discount)
        slow = _price(t, periods, BERLIN, start, fast=False, discount=discount)
        assert fast == slow
        assert fast.model_dump(mode="json") == slow.model_dump(mode="json")

"""The pricing function: worked examples with exact amounts, then properties over generated sessions.

Times are UTC in the code and Berlin local time in the comments (CEST = UTC+2 in summer, CET = UTC+1).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from shared.domain.pricing import Cost, UsagePeriod, _price, estimate, minor_unit, money, price_session
from shared.domain.tariff_rules import CURRENCIES, check_tariff
from shared.domain.tariffs import TariffDimension, TariffVersionCreate

BERLIN = "Europe/Berlin"
D = Decimal
ENERGY, TIME, PARKING, FLAT = (TariffDimension(k) for k in ("ENERGY", "TIME", "PARKING_TIME", "FLAT"))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def component(kind="ENERGY", price="0.39", **extra):
    return {"type": kind, "price": price, **extra}


def element(*components, **restrictions):
    el: dict[str, Any] = {"priceComponents": list(components)}
    if restrictions:
        el["restrictions"] = restrictions
    return el


def terms(*elements, currency="EUR", **extra):
    t = TariffVersionCreate.model_validate({"currency": currency, "elements": list(elements), **extra})
    check_tariff(t)  # every example is a tariff the API would store
    return t


def charging(start, minutes, wh, **extra):
    return UsagePeriod(start, start + timedelta(minutes=minutes), D(wh), "charging", **extra)


def idle(start, minutes, wh=0):
    return UsagePeriod(start, start + timedelta(minutes=minutes), D(wh), "idle")


def price(t, *periods, zone=BERLIN, start=None) -> Cost:
    return price_session(t, list(periods), time_zone=zone, session_start=start)


def amounts(cost: Cost) -> tuple[str, str, str]:
    return (str(cost.excl_vat), str(cost.vat), str(cost.total))


def line(cost: Cost, dimension):
    (found,) = [x for x in cost.lines if x.dimension is dimension]
    return found


DAY_NIGHT = (
    element(component("ENERGY", "0.45"), startTime="08:00", endTime="20:00"),
    element(component("ENERGY", "0.30")),
)
NIGHT_RATE = (
    element(component("ENERGY", "0.25"), startTime="22:00", endTime="06:00"),
    element(component("ENERGY", "0.40")),
)


class TestEnergyOnly:
    def test_energy_rounds_half_up_once_at_the_end(self):
        # 12.125 kWh x 0.36 = 4.365 (half-even would give 4.36); VAT 19 % = 0.82935
        cost = price(terms(element(component("ENERGY", "0.36", vat="19"))), charging(utc(2026, 6, 10, 10), 60, 12125))
        assert amounts(cost) == ("4.37", "0.83", "5.20")
        assert line(cost, ENERGY).quantity == D("12.125")
        assert line(cost, ENERGY).unit_price == D("0.36")
        assert line(cost, ENERGY).amount_excl_vat == D("4.365")
        assert line(cost, ENERGY).vat == D("0.82935")
        assert not cost.min_price_applied and not cost.max_price_applied

    def test_lines_are_not_rounded_one_by_one(self):
        # 0.004 + 0.004 = 0.008 -> 0.01; rounding each line would give 0.00
        t = terms(element(component("ENERGY", "0.004"), component("TIME", "0.004")))
        assert amounts(price(t, charging(utc(2026, 6, 10, 10), 60, 1000))) == ("0.01", "0.00", "0.01")

    def test_json_is_camel_case_with_decimal_strings(self):
        t = terms(element(component("ENERGY", "0.36", vat="19")))
        dumped = price(t, charging(utc(2026, 6, 10, 10), 60, 12125)).model_dump(mode="json")
        assert dumped == {
            "currency": "EUR",
            "lines": [
                {
                    "dimension": "ENERGY",
                    "quantity": "12.125",
                    "unitPrice": "0.36",
                    "amountExclVat": "4.365",
                    "vatRate": "19",
                    "vat": "0.82935",
                }
            ],
            "exclVat": "4.37",
            "vat": "0.83",
            "total": "5.20",
            "discountExclVat": "0.00",
            "discountInclVat": "0.00",
            "minPriceApplied": False,
            "maxPriceApplied": False,
        }


class TestAllDimensions:
    T = (
        element(
            component("ENERGY", "0.30", vat="19"),
            component("TIME", "2.40", vat="19"),
            component("PARKING_TIME", "6.00", vat="19"),
            component("FLAT", "1.00", vat="19"),
        ),
    )

    def test_energy_time_parking_and_flat(self):
        # 30 kWh x 0.30 = 9.00; 1.5 h x 2.40 = 3.60; 40 min parking x 6.00/h = 4.00; flat 1.00
        start = utc(2026, 6, 10, 10)
        cost = price(terms(*self.T), charging(start, 90, 30000), idle(start + timedelta(minutes=90), 40))
        assert amounts(cost) == ("17.60", "3.34", "20.94")
        assert [x.dimension for x in cost.lines] == [ENERGY, TIME, PARKING, FLAT]
        assert [x.amount_excl_vat for x in cost.lines] == [D("9.00"), D("3.60"), D("4.00"), D("1.00")]
        assert line(cost, TIME).quantity == D("1.5")
        assert line(cost, FLAT).quantity == 1

    def test_flat_once_for_many_periods_and_time_only_for_charging(self):
        s = utc(2026, 6, 10, 10)
        periods = [
            charging(s, 30, 10000),
            idle(s + timedelta(minutes=30), 30),
            charging(s + timedelta(hours=1), 30, 5000),
        ]
        cost = price(terms(*self.T), *periods)
        # 4.50 energy + 1 h x 2.40 charging + 0.5 h x 6.00 idle + 1.00 flat
        assert cost.excl_vat == D("10.90")
        assert line(cost, TIME).quantity == 1 and line(cost, PARKING).quantity == D("0.5")

    def test_energy_drawn_while_idle_is_priced_as_energy(self):
        t = terms(element(component("ENERGY", "0.40"), component("PARKING_TIME", "0")))
        assert price(t, idle(utc(2026, 6, 10, 10), 30, wh=500)).excl_vat == D("0.20")

    def test_a_gap_between_periods_is_not_billed(self):
        s = utc(2026, 6, 10, 10)
        cost = price(terms(*self.T), charging(s, 30, 0), charging(s + timedelta(hours=5), 30, 0))
        assert cost.excl_vat == D("3.40")  # 1 h x 2.40 + flat

    def test_no_periods_costs_the_flat_fee(self):
        assert amounts(price(terms(*self.T))) == ("1.00", "0.19", "1.19")
        assert [x.dimension for x in price(terms(*self.T)).lines] == [FLAT]


class TestTimeOfDay:
    def test_across_20_00_in_summer(self):
        # 19:00-21:00 CEST, 20 kWh evenly: 10 kWh x 0.45 + 10 kWh x 0.30
        cost = price(terms(*DAY_NIGHT), charging(utc(2026, 6, 10, 17), 120, 20000))
        assert cost.excl_vat == D("7.50")
        assert line(cost, ENERGY).unit_price is None  # two prices applied
        assert line(cost, ENERGY).quantity == 20

    def test_across_20_00_in_winter(self):
        # 19:00-21:00 CET is 18:00-20:00 UTC
        assert price(terms(*DAY_NIGHT), charging(utc(2026, 1, 15, 18), 120, 20000)).excl_vat == D("7.50")

    def test_the_station_zone_decides(self):
        # 17:00-19:00 UTC is 13:00-15:00 in New York: all day rate
        assert price(
            terms(*DAY_NIGHT), charging(utc(2026, 6, 10, 17), 120, 20000), zone="America/New_York"
        ).excl_vat == D("9.00")

    def test_window_wrapping_past_midnight(self):
        # 23:00-07:00 CEST, 5 kWh an hour: 7 h x 5 kWh x 0.25 + 1 h x 5 kWh x 0.40
        assert price(terms(*NIGHT_RATE), charging(utc(2026, 6, 10, 21), 480, 40000)).excl_vat == D("10.75")

    def test_autumn_dst_change_is_an_extra_night_hour(self):
        # 2026-10-25 00:00-06:00 UTC is 02:00 CEST - 07:00 CET: 5 real hours before 06:00 local.
        # 30 kWh x 0.25 + 6 kWh x 0.40 (a fixed +2 h offset would say 4 h: 10.80)
        assert price(terms(*NIGHT_RATE), charging(utc(2026, 10, 25, 0), 360, 36000)).excl_vat == D("9.90")

    def test_a_window_inside_the_repeated_hour_applies_twice(self):
        # 02:30-03:00 happens at 00:30-01:00 UTC (CEST) and again at 01:30-02:00 UTC (CET)
        t = terms(
            element(component("ENERGY", "1.00"), startTime="02:30", endTime="03:00"),
            element(component("ENERGY", "0.10")),
        )
        # 30 kWh over 3 h: 10 kWh x 1.00 + 20 kWh x 0.10
        assert price(t, charging(utc(2026, 10, 25, 0), 180, 30000)).excl_vat == D("12.00")

    def test_a_start_in_the_skipped_hour_applies_from_the_jump(self):
        # 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; 02:30 never shows, 03:00 is after it.
        t = terms(
            element(component("ENERGY", "1.00"), startTime="02:30", endTime="06:00"),
            element(component("ENERGY", "0.10")),
        )
        assert price(t, charging(utc(2026, 3, 29, 0), 120, 20000)).excl_vat == D("11.00")

    def test_only_a_start_time_lasts_until_midnight(self):
        t = terms(element(component("ENERGY", "1.00"), startTime="23:00"), element(component("ENERGY", "0.10")))
        # 22:00-01:00 CEST, 10 kWh an hour: only 23:00-24:00 at 1.00
        assert price(t, charging(utc(2026, 6, 10, 20), 180, 30000)).excl_vat == D("12.00")

    def test_day_of_week_in_local_time(self):
        # Fri 2026-06-12 23:00 CEST - Sat 01:00 CEST is all Friday in UTC (21:00-23:00)
        t = terms(
            element(component("ENERGY", "0.20"), dayOfWeek=["SATURDAY", "SUNDAY"]),
            element(component("ENERGY", "0.40")),
        )
        assert price(t, charging(utc(2026, 6, 12, 21), 120, 20000)).excl_vat == D("6.00")

    def test_dates_end_exclusive(self):
        t = terms(
            element(component("ENERGY", "0.10"), startDate="2026-06-11", endDate="2026-06-12"),
            element(component("ENERGY", "0.50")),
        )
        # Wed 23:00 CEST - Fri 01:00 CEST, 26 h at 1 kWh/h: 24 h on the 11th at 0.10, 2 h at 0.50
        assert price(t, charging(utc(2026, 6, 10, 21), 26 * 60, 26000)).excl_vat == D("3.40")

    def test_flat_judged_at_the_session_start(self):
        t = terms(
            element(component("FLAT", "2.00"), dayOfWeek=["SATURDAY"]),
            element(component("FLAT", "1.00"), component("ENERGY", "0")),
        )
        friday_night = charging(utc(2026, 6, 12, 21), 120, 1000)
        assert price(t, friday_night).excl_vat == D("1.00")
        # the session started on Saturday 00:30 CEST, before the first reading
        assert price(t, charging(utc(2026, 6, 12, 23), 60, 1000), start=utc(2026, 6, 12, 22, 30)).excl_vat == D("2.00")
        assert price(t, start=utc(2026, 6, 13, 10)).excl_vat == D("2.00")
        # nothing tells the day: only the unrestricted flat fee matches
        assert price(t).excl_vat == D("1.00")


class TestSessionRestrictions:
    HOURLY_AFTER_AN_HOUR = (
        element(component("ENERGY", "0.39")),
        element(component("TIME", "6.00"), minDuration=3600),
        element(component("TIME", "0")),
    )

    def test_min_duration(self):
        # 11 kWh x 0.39 + the last 30 of 90 minutes x 6.00/h
        assert price(terms(*self.HOURLY_AFTER_AN_HOUR), charging(utc(2026, 6, 10, 10), 90, 11000)).excl_vat == D("7.29")

    def test_duration_counts_from_the_session_start_including_idle(self):
        s = utc(2026, 6, 10, 10)
        periods = [charging(s, 30, 0), idle(s + timedelta(minutes=30), 30), charging(s + timedelta(hours=1), 30, 0)]
        assert price(terms(*self.HOURLY_AFTER_AN_HOUR), *periods).excl_vat == D("3.00")

    def test_free_parking_for_the_first_two_hours(self):
        t = terms(
            element(component("ENERGY", "0.30")),
            element(component("PARKING_TIME", "0"), maxDuration=7200),
            element(component("PARKING_TIME", "12.00")),
        )
        s = utc(2026, 6, 10, 10)
        # charge 1 h (10 kWh), idle 2 h: the second idle hour is past 2 h
        assert price(t, charging(s, 60, 10000), idle(s + timedelta(hours=1), 120)).excl_vat == D("15.00")

    def test_max_kwh_cuts_inside_a_period(self):
        t = terms(element(component("ENERGY", "0.20"), maxKwh=10), element(component("ENERGY", "0.50")))
        s = utc(2026, 6, 10, 10)
        # 6 + 9 kWh: 10 kWh x 0.20 + 5 kWh x 0.50
        cost = price(t, charging(s, 60, 6000), charging(s + timedelta(hours=1), 60, 9000))
        assert cost.excl_vat == D("4.50")

    def test_min_kwh_prices_time_after_the_energy_threshold(self):
        t = terms(
            element(component("ENERGY", "0.30")),
            element(component("TIME", "3.00"), minKwh=20),
            element(component("TIME", "0")),
        )
        # 40 kWh in 1 h reaches 20 kWh after 30 min: 12.00 + 0.5 h x 3.00
        assert price(t, charging(utc(2026, 6, 10, 10), 60, 40000)).excl_vat == D("13.50")

    def test_power_known_or_averaged(self):
        t = terms(element(component("ENERGY", "0.59"), minPower=50), element(component("ENERGY", "0.39")))
        s = utc(2026, 6, 10, 10)
        assert price(t, charging(s, 60, 10000, power_kw=D(100))).excl_vat == D("5.90")
        assert price(t, charging(s, 60, 10000)).excl_vat == D("3.90")  # 10 kW on average
        assert price(t, charging(s, 6, 10000)).excl_vat == D("5.90")  # 100 kW on average
        assert price(t, charging(s, 60, 10000, power_kw=D(50))).excl_vat == D("5.90")  # minimum inclusive

    def test_max_power_is_exclusive(self):
        t = terms(element(component("ENERGY", "0.29"), maxPower=22), element(component("ENERGY", "0.49")))
        s = utc(2026, 6, 10, 10)
        assert price(t, charging(s, 60, 10000, power_kw=D(22))).excl_vat == D("4.90")
        assert price(t, charging(s, 60, 10000, power_kw=D("21.9"))).excl_vat == D("2.90")

    def test_unknown_current_matches_no_current_restriction(self):
        t = terms(element(component("ENERGY", "0.25"), maxCurrent=16), element(component("ENERGY", "0.35")))
        s = utc(2026, 6, 10, 10)
        assert price(t, charging(s, 60, 10000)).excl_vat == D("3.50")
        assert price(t, charging(s, 60, 10000, current_a=D(10))).excl_vat == D("2.50")

    def test_reservation_elements_do_not_price_charging(self):
        t = terms(element(component("ENERGY", "0.10"), reservation="RESERVATION"), element(component("ENERGY", "0.30")))
        assert price(t, charging(utc(2026, 6, 10, 10), 60, 10000)).excl_vat == D("3.00")


class TestStepSizes:
    def test_parking_in_five_minute_steps(self):
        t = terms(element(component("PARKING_TIME", "6.00", stepSize=300)))
        # 6 min idle is billed as 10 min: 1/6 h x 6.00
        cost = price(t, idle(utc(2026, 6, 10, 10), 6))
        assert cost.excl_vat == D("1.00")
        assert line(cost, PARKING).quantity * 60 == pytest.approx(10)

    def test_steps_round_the_session_total_not_each_period(self):
        t = terms(element(component("PARKING_TIME", "6.00", stepSize=300)))
        s = utc(2026, 6, 10, 10)
        second = s + timedelta(hours=1)
        two = [
            UsagePeriod(s, s + timedelta(seconds=100), D(0), "idle"),
            UsagePeriod(second, second + timedelta(seconds=100), D(0), "idle"),
        ]
        assert price(t, *two).excl_vat == D("0.50")  # 200 s -> 300 s, not 2 x 300 s

    def test_energy_in_kwh_steps(self):
        t = terms(element(component("ENERGY", "0.30", stepSize=1000)))
        cost = price(t, charging(utc(2026, 6, 10, 10), 60, 10200))
        assert cost.excl_vat == D("3.30")
        assert line(cost, ENERGY).quantity == 11

    def test_the_last_pieces_component_sets_the_step_and_its_price(self):
        t = terms(
            element(component("ENERGY", "0.45", stepSize=1000), startTime="08:00", endTime="20:00"),
            element(component("ENERGY", "0.30")),
        )
        # 07:30-08:30 CEST, 10.5 kWh: 5.25 x 0.30 + 5.25 x 0.45 + 0.5 kWh (to 11 kWh) x 0.45
        cost = price(t, charging(utc(2026, 6, 10, 5, 30), 60, 10500))
        assert line(cost, ENERGY).amount_excl_vat == D("4.1625")
        assert cost.excl_vat == D("4.16")
        # the other way round the last component has step 1: no rounding
        assert price(t, charging(utc(2026, 6, 10, 17), 90, 15000)).excl_vat == D("6.00")

    def test_a_longer_session_can_cost_less_when_its_last_component_changes(self):
        # OCPI rounds only the last piece's component: this is the rule, written down here on purpose.
        t = terms(
            element(component("ENERGY", "1.00", stepSize=1000), startTime="08:00", endTime="20:00"),
            element(component("ENERGY", "0.10")),
        )
        before_eight = charging(utc(2026, 6, 10, 17, 59), 1, 1)  # 19:59-20:00 CEST: 1 Wh billed as 1 kWh
        assert price(t, before_eight).excl_vat == D("1.00")
        after_eight = charging(utc(2026, 6, 10, 18), 1, 1)
        assert price(t, before_eight, after_eight).excl_vat == D("0.00")  # 1 Wh x 1.00 + 1 Wh x 0.10

    def test_no_quantity_no_step(self):
        t = terms(element(component("ENERGY", "0.30"), component("PARKING_TIME", "6.00", stepSize=3600)))
        cost = price(t, charging(utc(2026, 6, 10, 10), 60, 10000))
        assert cost.excl_vat == D("3.00")
        assert [x.dimension for x in cost.lines] == [ENERGY]


class TestVat:
    def test_each_component_has_its_own_rate(self):
        t = terms(element(component("ENERGY", "0.30", vat="19"), component("PARKING_TIME", "1.20", vat="7")))
        s = utc(2026, 6, 10, 10)
        cost = price(t, charging(s, 60, 10000), idle(s + timedelta(hours=1), 120))
        # 3.00 + 0.57 VAT; 2.40 + 0.168 VAT
        assert amounts(cost) == ("5.40", "0.74", "6.14")
        assert [(x.dimension, x.vat_rate, x.vat) for x in cost.lines] == [
            (ENERGY, D(19), D("0.57")),
            (PARKING, D(7), D("0.168")),
        ]

    def test_one_dimension_at_two_rates_gets_two_lines(self):
        t = terms(
            element(component("ENERGY", "0.30", vat="7"), startTime="20:00", endTime="08:00"),
            element(component("ENERGY", "0.30", vat="19")),
        )
        cost = price(t, charging(utc(2026, 6, 10, 17), 120, 20000))  # 19:00-21:00 CEST
        assert [(x.vat_rate, x.quantity) for x in cost.lines] == [(D(19), D(10)), (D(7), D(10))]
        assert amounts(cost) == ("6.00", "0.78", "6.78")  # 0.57 + 0.21


class TestPriceLimits:
    def test_min_price_without_vat_amount_keeps_the_rate(self):
        t = terms(element(component("ENERGY", "0.39", vat="19")), minPrice={"exclVat": "2.00"})
        cost = price(t, charging(utc(2026, 6, 10, 10), 60, 1000))
        assert amounts(cost) == ("2.00", "0.38", "2.38")
        assert cost.min_price_applied and not cost.max_price_applied
        assert line(cost, ENERGY).amount_excl_vat == D("0.39")  # lines stay what was used

    def test_min_price_with_vat_amount(self):
        t = terms(element(component("ENERGY", "0.39", vat="19")), minPrice={"exclVat": "2.00", "inclVat": "2.50"})
        assert amounts(price(t, charging(utc(2026, 6, 10, 10), 60, 1000))) == ("2.00", "0.50", "2.50")

    def test_max_price(self):
        t = terms(element(component("ENERGY", "0.39", vat="19")), maxPrice={"exclVat": "20", "inclVat": "23.80"})
        cost = price(t, charging(utc(2026, 6, 10, 10), 600, 100000))
        assert amounts(cost) == ("20.00", "3.80", "23.80")
        assert cost.max_price_applied and not cost.min_price_applied

    def test_max_price_with_mixed_rates_uses_the_effective_rate(self):
        t = terms(
            element(component("ENERGY", "0.30", vat="19"), component("PARKING_TIME", "5.00", vat="7")),
            maxPrice={"exclVat": "20"},
        )
        s = utc(2026, 6, 10, 10)
        # 30.00 at 19 % + 10.00 at 7 %: VAT 6.40 on 40.00, so 3.20 on 20.00
        cost = price(t, charging(s, 60, 100000), idle(s + timedelta(hours=1), 120))
        assert amounts(cost) == ("20.00", "3.20", "23.20")

    def test_between_the_limits_nothing_applies(self):
        t = terms(element(component("ENERGY", "0.39")), minPrice={"exclVat": "1"}, maxPrice={"exclVat": "10"})
        cost = price(t, charging(utc(2026, 6, 10, 10), 60, 10000))
        assert cost.excl_vat == D("3.90") and not cost.min_price_applied and not cost.max_price_applied

    def test_limit_reached_exactly_is_not_applied(self):
        t = terms(element(component("ENERGY", "0.39")), maxPrice={"exclVat": "3.90"})
        assert not price(t, charging(utc(2026, 6, 10, 10), 60, 10000)).max_price_applied

    def test_empty_session_pays_flat_then_min_price(self):
        t = terms(element(component("ENERGY", "0.39", vat="19")), minPrice={"exclVat": "1.00"})
        assert amounts(price(t)) == ("1.00", "0.19", "1.19")
        flat = terms(
            element(component("FLAT", "1.50", vat="19"), component("ENERGY", "0.39", vat="19")),
            minPrice={"exclVat": "1"},
        )
        cost = price(flat)
        assert amounts(cost) == ("1.50", "0.29", "1.79") and not cost.min_price_applied


class TestCurrencies:
    def test_minor_units(self):
        expected = {"EUR": 2, "USD": 2, "JPY": 0, "CLP": 0, "ISK": 0, "KRW": 0, "VND": 0, "UGX": 0}
        expected |= {"KWD": 3, "BHD": 3, "TND": 3}
        assert {c: minor_unit(c) for c in expected} == expected

    def test_every_tariff_currency_has_a_minor_unit(self):
        units = {c: minor_unit(c) for c in CURRENCIES}
        assert {c for c, n in units.items() if n == 0} == set(
            "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split()
        )
        assert {c for c, n in units.items() if n == 3} == set("BHD IQD JOD KWD LYD OMR TND".split())

    def test_unknown_currency(self):
        with pytest.raises(ValueError):
            minor_unit("XYZ")

    def test_yen_rounds_to_whole_yen(self):
        t = terms(element(component("ENERGY", "45", vat="10")), currency="JPY")
        # 10.5 kWh x 45 = 472.5 -> 473; VAT 47.25 -> 47
        cost = price(t, charging(utc(2026, 6, 10, 10), 60, 10500), zone="Asia/Tokyo")
        assert cost.model_dump(mode="json")["total"] == "520"
        assert amounts(cost) == ("473", "47", "520")

    def test_dinar_rounds_to_fils(self):
        t = terms(element(component("ENERGY", "0.0575")), currency="KWD")
        cost = price(t, charging(utc(2026, 6, 10, 10), 60, 11000), zone="Asia/Kuwait")
        assert amounts(cost) == ("0.633", "0.000", "0.633")  # 0.6325 half-up

    def test_money(self):
        assert money(D("12.4"), "EUR") == {"amount": "12.40", "currency": "EUR"}
        assert money(D("12.345"), "EUR") == {"amount": "12.35", "currency": "EUR"}
        assert money(D("1E+3"), "JPY") == {"amount": "1000", "currency": "JPY"}
        assert money(D("0.0005"), "KWD") == {"amount": "0.001", "currency": "KWD"}


class TestNeverNegative:
    def test_a_free_tariff(self):
        t = terms(element(component("ENERGY", "0"), component("PARKING_TIME", "0")))
        s = utc(2026, 6, 10, 10)
        assert amounts(price(t, charging(s, 60, 5000), idle(s + timedelta(hours=1), 60))) == ("0.00", "0.00", "0.00")
        assert amounts(price(t)) == ("0.00", "0.00", "0.00")

    def test_bad_periods_are_refused(self):
        s = utc(2026, 6, 10, 10)
        with pytest.raises(ValueError):
            UsagePeriod(s, s, D(-1), "charging")
        with pytest.raises(ValueError):
            UsagePeriod(s, s - timedelta(seconds=1), D(0), "charging")
        with pytest.raises(ValueError):
            UsagePeriod(datetime(2026, 6, 10, 10), datetime(2026, 6, 10, 11), D(0), "charging")
        t = terms(element(component()))
        with pytest.raises(ValueError):
            price(t, charging(s, 60, 0), charging(s + timedelta(minutes=30), 60, 0))
        with pytest.raises(ValueError):
            price(t, charging(s, 60, 0), start=s + timedelta(seconds=1))

    def test_periods_out_of_order_are_sorted(self):
        t = terms(*DAY_NIGHT)
        a, b = charging(utc(2026, 6, 10, 17), 60, 10000), charging(utc(2026, 6, 10, 18), 60, 10000)
        assert price(t, b, a, start=a.start) == price(t, a, b)


class TestEstimate:
    T = (element(component("ENERGY", "0.39"), component("TIME", "1.20")),)

    def test_for_minutes_at_the_connector_power(self):
        cost = estimate(
            terms(*self.T), kwh=None, minutes=60, power_kw=D(11), start=utc(2026, 6, 10, 10), time_zone=BERLIN
        )
        assert cost.excl_vat == D("5.49")  # 11 kWh x 0.39 + 1 h x 1.20

    def test_until_kwh_or_minutes_whichever_first(self):
        t, s = terms(*self.T), utc(2026, 6, 10, 10)
        # 5.5 kWh at 11 kW take 30 min: 2.145 + 0.60 = 2.745 -> 2.75
        assert estimate(t, kwh=D("5.5"), minutes=60, power_kw=D(11), start=s, time_zone=BERLIN).excl_vat == D("2.75")
        assert estimate(t, kwh=D("50"), minutes=60, power_kw=D(11), start=s, time_zone=BERLIN).excl_vat == D("5.49")
        assert estimate(t, kwh=D("22"), minutes=None, power_kw=D(11), start=s, time_zone=BERLIN).excl_vat == D("10.98")

    def test_follows_the_time_of_day(self):
        cost = estimate(
            terms(*DAY_NIGHT), kwh=None, minutes=120, power_kw=D(10), start=utc(2026, 6, 10, 17), time_zone=BERLIN
        )
        assert cost == price(terms(*DAY_NIGHT), charging(utc(2026, 6, 10, 17), 120, 20000, power_kw=D(10)))
        assert cost.excl_vat == D("7.50")

    def test_needs_a_bound(self):
        t, s = terms(*self.T), utc(2026, 6, 10, 10)
        with pytest.raises(ValueError):
            estimate(t, kwh=None, minutes=None, power_kw=D(11), start=s, time_zone=BERLIN)
        with pytest.raises(ValueError):
            estimate(t, kwh=D(10), minutes=None, power_kw=D(0), start=s, time_zone=BERLIN)


# ---- properties --------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Around a summer weekend, both DST changes of 2026 in Berlin, and a plain winter morning.
STARTS = [utc(2026, 6, 12, 17), utc(2026, 10, 24, 22), utc(2026, 3, 28, 23), utc(2026, 1, 1, 6)]
CLOCK = ["00:00", "02:30", "06:00", "08:00", "20:00", "22:00"]
KINDS = ["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
prices = st.decimals(min_value=0, max_value=10, places=2)


@st.composite
def restrictions(draw, energy_dependent=True):
    r: dict[str, Any] = {}
    if draw(st.booleans()):
        start, end = draw(st.lists(st.sampled_from(CLOCK), min_size=2, max_size=2, unique=True))
        r |= {"startTime": start, "endTime": end}
    if draw(st.booleans()):
        r["dayOfWeek"] = draw(
            st.lists(st.sampled_from(["FRIDAY", "SATURDAY", "SUNDAY", "MONDAY"]), min_size=1, unique=True)
        )
    if draw(st.booleans()):
        low, high = sorted(
            draw(st.lists(st.integers(0, 4).map(lambda n: n * 1800), min_size=2, max_size=2, unique=True))
        )
        r |= draw(
            st.sampled_from([{"minDuration": low}, {"maxDuration": high}, {"minDuration": low, "maxDuration": high}])
        )
    if energy_dependent and draw(st.booleans()):
        low, high = sorted(draw(st.lists(st.integers(0, 40), min_size=2, max_size=2, unique=True)))
        r |= draw(st.sampled_from([{"minKwh": low}, {"maxKwh": high}, {"minKwh": low, "maxKwh": high}]))
    if energy_dependent and draw(st.booleans()):
        r["minPower"] = draw(st.sampled_from([11, 22, 50]))
    return r or {"dayOfWeek": ["SATURDAY"]}


@st.composite
def tariffs(draw, restricted=True, energy_dependent=True, steps=False):
    vat = draw(st.sampled_from([None, "7", "19"]))

    def comp(kind):
        step = draw(st.sampled_from([1, 60, 300, 1000])) if steps else 1
        return component(kind, str(draw(prices)), stepSize=step, **({"vat": vat} if vat else {}))

    elements = []
    for _ in range(draw(st.integers(0, 3)) if restricted else 0):
        kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4, unique=True))
        elements.append(element(*map(comp, kinds), **draw(restrictions(energy_dependent))))
    elements.append(element(*map(comp, draw(st.lists(st.sampled_from(KINDS), min_size=4, max_size=4, unique=True)))))
    rate = 1 + D(vat or 0) / 100
    low, high = sorted(draw(st.lists(st.decimals(min_value=0, max_value=50, places=2), min_size=2, max_size=2)))
    limits = {}
    # An inclVat that is not exclVat plus the tariff's VAT would make a limit a jump of its own.
    if draw(st.booleans()):
        limits["minPrice"] = {"exclVat": str(low)} | ({"inclVat": str(low * rate)} if draw(st.booleans()) else {})
    if draw(st.booleans()):
        limits["maxPrice"] = {"exclVat": str(high)} | ({"inclVat": str(high * rate)} if draw(st.booleans()) else {})
    return terms(*elements, **limits)


@st.composite
def sessions(draw, min_size=1):
    t = draw(st.sampled_from(STARTS)) + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    periods = []
    for _ in range(draw(st.integers(min_size, 5))):
        t += timedelta(seconds=draw(st.sampled_from([0, 0, 1, 600, 3600])))
        seconds = draw(st.integers(0, 4 * 3600))
        state = draw(st.sampled_from(["charging", "idle"]))
        wh = draw(st.integers(0, 30_000)) if state == "charging" else draw(st.integers(0, 5))
        power = draw(st.none() | st.sampled_from([D(7), D(22), D(150)]))
        periods.append(UsagePeriod(t, t + timedelta(seconds=seconds), D(wh), state, power))
        t += timedelta(seconds=seconds)
    return periods


def cost_of(t, periods, start=None) -> Cost:
    return price_session(t, periods, time_zone=BERLIN, session_start=start or periods[0].start)


def settled(cost: Cost) -> tuple[object, ...]:
    """The cost with its unrounded line amounts to 20 places (far below any minor unit)."""
    places = D(1).scaleb(-20)
    lines = [(x.dimension, x.quantity, x.unit_price, x.amount_excl_vat.quantize(places), x.vat.quantize(places))
             for x in cost.lines]  # fmt: skip
    return cost.currency, cost.excl_vat, cost.vat, cost.total, lines


def assert_sound(cost: Cost) -> None:
    assert cost.excl_vat >= 0 and cost.vat >= 0 and cost.total == cost.excl_vat + cost.vat
    for x in cost.lines:
        assert min(x.quantity, x.amount_excl_vat, x.vat, x.vat_rate) >= 0


class TestProperties:
    @PROPERTY
    @given(tariffs(), sessions(min_size=2))
    def test_appending_a_period_never_lowers_the_price(self, t, periods):
        shorter, longer = cost_of(t, periods[:-1], periods[0].start), cost_of(t, periods)
        assert_sound(shorter)
        assert_sound(longer)
        assert longer.excl_vat >= shorter.excl_vat and longer.total >= shorter.total

    @PROPERTY
    @given(tariffs(energy_dependent=False), sessions(), st.data())
    def test_more_energy_never_lowers_the_price(self, t, periods, data):
        i = data.draw(st.integers(0, len(periods) - 1))
        more = list(periods)
        more[i] = replace(periods[i], energy_wh=periods[i].energy_wh + data.draw(st.integers(1, 10_000)), power_kw=None)
        less = list(periods)
        less[i] = replace(periods[i], power_kw=None)
        assert cost_of(t, more).total >= cost_of(t, less).total

    @PROPERTY
    @given(tariffs(restricted=False, steps=True), sessions(), st.integers(1, 7200), st.integers(0, 10_000))
    def test_without_restrictions_longer_or_fuller_never_costs_less(self, t, periods, seconds, wh):
        last = periods[-1]
        grown = [*periods[:-1], replace(last, end=last.end + timedelta(seconds=seconds), energy_wh=last.energy_wh + wh)]
        assert cost_of(t, grown).total >= cost_of(t, periods).total

    @PROPERTY
    @given(tariffs(restricted=False), sessions(), st.data())
    def test_splitting_a_period_anywhere_changes_nothing_without_restrictions(self, t, periods, data):
        i = data.draw(st.integers(0, len(periods) - 1))
        p = periods[i]
        at = p.start + timedelta(microseconds=data.draw(st.integers(0, (p.end - p.start) // timedelta(microseconds=1))))
        first_wh = data.draw(st.decimals(min_value=0, max_value=p.energy_wh, places=3))
        halves = [replace(p, end=at, energy_wh=first_wh), replace(p, start=at, energy_wh=p.energy_wh - first_wh)]
        assert cost_of(t, [*periods[:i], *halves, *periods[i + 1 :]]) == cost_of(t, periods)

    @PROPERTY
    @given(tariffs(steps=True), sessions(), st.data())
    def test_splitting_at_a_second_with_prorated_energy_changes_nothing(self, t, periods, data):
        i = data.draw(st.integers(0, len(periods) - 1))
        p = periods[i]
        seconds = (p.end - p.start) // timedelta(seconds=1)
        assume(seconds > 1)
        per_second = data.draw(st.integers(0, 10))  # whole Wh per second, so the proration is exact
        p = replace(p, energy_wh=D(per_second * seconds), power_kw=None)
        cut = data.draw(st.integers(1, seconds - 1))
        at = p.start + timedelta(seconds=cut)
        halves = [
            replace(p, end=at, energy_wh=D(per_second * cut)),
            replace(p, start=at, energy_wh=p.energy_wh - per_second * cut),
        ]
        whole = [*periods[:i], p, *periods[i + 1 :]]
        # a prorated share of a price is a non-terminating decimal: the unrounded line amounts may differ in
        # their 40th digit depending on where the session was cut; every amount of money is the same
        assert settled(cost_of(t, [*periods[:i], *halves, *periods[i + 1 :]])) == settled(cost_of(t, whole))


# ---- the optimised evaluation against the straightforward one ------------------------------------------

# ``price_session`` judges each class of pieces once and adds quantities up per component; ``_price(...,
# fast=False)`` judges and adds every piece on its own, as the function did before. Their costs must be
# identical: equal Decimals with equal exponents (the JSON shows them), lines in the same order.


def reference(t, periods, start, zone=BERLIN) -> Cost:
    return _price(t, periods, zone, start, fast=False)


def assert_same(t, periods, start=None, zone=BERLIN) -> Cost:
    start = start or (periods[0].start if periods else None)
    fast = price_session(t, periods, time_zone=zone, session_start=start)
    slow = reference(t, periods, start, zone)
    assert fast == slow
    assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
    return fast


@st.composite
def any_restrictions(draw):
    r: dict[str, Any] = draw(restrictions()) if draw(st.booleans()) else {}
    if draw(st.booleans()):
        r["maxPower"] = draw(st.sampled_from([22, 50, "49.9"]))
    if draw(st.booleans()):
        r |= draw(st.sampled_from([{"minCurrent": 16}, {"maxCurrent": 32}, {"minCurrent": 10, "maxCurrent": 20}]))
    if draw(st.booleans()):
        low, high = sorted(draw(st.lists(st.integers(0, 20_000), min_size=2, max_size=2, unique=True)))
        r |= draw(st.sampled_from([{"minDuration": low}, {"maxDuration": high}]))
    if draw(st.booleans()):
        r |= draw(st.sampled_from([{"minKwh": "0.5"}, {"maxKwh": "2.25"}, {"minKwh": 1, "maxKwh": "7.125"}]))
    if draw(st.integers(0, 9)) == 0:
        r["reservation"] = "RESERVATION"
    if draw(st.integers(0, 5)) == 0:
        r |= {"startDate": "2026-06-13", "endDate": "2026-10-25"}
    return r


@st.composite
def any_tariffs(draw):
    """Any terms ``price_session`` may be given, not only those ``check_tariff`` lets through: no fallback
    element needed, several components of a dimension at one VAT rate (one tally, interleaved prices)."""

    def comp(kind):
        extra = {"stepSize": draw(st.sampled_from([1, 1, 60, 300, 1000]))}
        if (vat := draw(st.sampled_from([None, "7", "19", "19"]))) is not None:
            extra["vat"] = vat
        return component(kind, str(draw(st.decimals(min_value=0, max_value=10, places=4))), **extra)

    elements = []
    for _ in range(draw(st.integers(1, 5))):
        kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4, unique=True))
        elements.append(element(*map(comp, kinds), **draw(any_restrictions())))
    return TariffVersionCreate.model_validate({"currency": "EUR", "elements": elements})


@st.composite
def meter_sessions(draw):
    """Up to 90 readings, mostly a minute long, many without energy, not aligned to the clock."""
    t = draw(st.sampled_from(STARTS)) + timedelta(
        minutes=draw(st.integers(0, 24 * 60)), seconds=draw(st.sampled_from([0, 0, 17, 59]))
    )
    t += timedelta(microseconds=draw(st.sampled_from([0, 0, 0, 1, 500_000])))
    start, periods = t, []
    lengths = st.sampled_from([60] * 6 + [0, 1e-6, 2e-6, 1, 30, 61, 600, 3600]) | st.integers(0, 3 * 3600)
    energies = st.sampled_from([D(0)] * 4) | st.integers(0, 3000).map(D) | st.decimals(0, 50, places=3)
    for _ in range(draw(st.integers(1, 90))):
        t += timedelta(seconds=draw(st.sampled_from([0] * 8 + [1e-6, 1, 600])))
        end = t + timedelta(seconds=draw(lengths))
        power = draw(st.none() | st.sampled_from([D(7), D("49.9"), D(50), D(150)]))
        current = draw(st.none() | st.sampled_from([D(10), D(16), D(32)]))
        state = draw(st.sampled_from(["charging", "charging", "idle"]))
        periods.append(UsagePeriod(t, end, draw(energies), state, power, current))
        t = end
    late = draw(st.sampled_from([timedelta(0), timedelta(0), timedelta(seconds=90)]))
    return periods, start - late  # sometimes the session started before the first reading


class TestRunsEqualPieces:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(any_tariffs(), meter_sessions())
    def test_equal_to_the_piece_by_piece_evaluation(self, t, session):
        periods, start = session
        assert_sound(assert_same(t, periods, start))

    @PROPERTY
    @given(tariffs(steps=True), sessions(), st.sampled_from([BERLIN, "America/New_York", "Asia/Kolkata"]))
    def test_equal_on_the_checked_tariffs_and_long_periods(self, t, periods, zone):
        assert_same(t, periods, zone=zone)

    def test_a_day_of_one_minute_readings(self):
        # Charging for 100 minutes at 10.5 kW, then idle with a few Wh every half hour, readings 17 s off
        # the minute so that every clock cut (08:00, 20:00, 22:00, midnight) falls inside a reading.
        t = terms(
            element(component("ENERGY", "0.39", vat="19"), dayOfWeek=["SATURDAY", "SUNDAY"]),
            element(component("ENERGY", "0.35", vat="19"), startTime="22:00", endTime="06:00"),
            element(component("ENERGY", "0.49", vat="19"), maxPower=50),
            element(component("TIME", "6.00", vat="19", stepSize=60), minDuration=3600),
            element(component("PARKING_TIME", "2.40", vat="19", stepSize=300), startTime="08:00", endTime="20:00"),
            element(component("ENERGY", "0.59", vat="19"), component("TIME", "0"), component("PARKING_TIME", "0")),
        )
        s = utc(2026, 6, 12, 18, 40) + timedelta(seconds=17)  # Friday 20:40:17 CEST
        minute = [s + timedelta(minutes=n) for n in range(24 * 60 + 1)]
        periods = [
            UsagePeriod(a, b, D(175 if n < 100 else 3 if n % 30 == 0 else 0), "charging" if n < 100 else "idle")
            for n, (a, b) in enumerate(pairwise(minute))
        ]
        cost = assert_same(t, periods)
        # 10.5 kW is under 50: 0.49 until 22:00 (43 s into the 80th reading), then the night's 0.35; of the
        # 44 idle readings of 3 Wh, 3 on Friday night (0.35), 41 on Saturday (0.39).
        before_22 = 79 * D(175) + D(175) * 43 / 60
        energy = before_22 * D("0.49") + (D(17500) - before_22 + 9) * D("0.35") + 123 * D("0.39")
        assert line(cost, ENERGY).quantity == D("17.632")
        assert line(cost, ENERGY).amount_excl_vat.quantize(D("1E-12")) == (energy / 1000).quantize(D("1E-12"))
        # 100 minutes of charging, the last 40 at 6.00 an hour; Saturday 08:00-20:00 idle at 2.40 an hour.
        priced = [(x.dimension, round(x.quantity * 60, 20), x.amount_excl_vat) for x in cost.lines if x.vat_rate == 19]
        assert priced[1:] == [(TIME, 40, D("4.00")), (PARKING, 12 * 60, D("28.80"))]
        assert amounts(cost) == ("40.93", "7.78", "48.71")

    @pytest.mark.parametrize("gaps", [False, True])
    def test_long_idle_stretches(self, gaps):
        # 600 idle readings from 00:30 CEST without energy: the sweep adds alike ones up a stretch at a time
        # (at most 256), stopping where the power or current changes. With ``gaps``, a 7-minute gap after
        # every 97th reading (not billed), so 08:00 falls after 422 readings instead of 450.
        t = terms(
            element(component("PARKING_TIME", "1.20", vat="19"), maxPower=50, startTime="08:00", endTime="20:00"),
            element(component("PARKING_TIME", "0.60", vat="19"), minCurrent=16),
            element(component("ENERGY", "0.30", vat="19"), component("TIME", "1"), component("PARKING_TIME", "0.30")),
        )
        s, periods = utc(2026, 6, 12, 22, 30), []
        for n in range(600):
            if gaps and n and n % 97 == 0:
                s += timedelta(minutes=7)
            power = D(60) if 520 <= n < 560 else D(7) if 560 <= n < 580 else None
            current = D(32) if 380 <= n < 420 else None
            state = "charging" if 500 <= n < 510 else "idle"
            periods.append(UsagePeriod(s, s + timedelta(minutes=1), D(0), state, power, current))
            s += timedelta(minutes=1)
        cost = assert_same(t, periods)
        parking = sum((x.quantity * 60 for x in cost.lines if x.dimension is PARKING), D(0))
        assert (line(cost, TIME).quantity * 60, parking.quantize(D(1))) == (10, 590)
        # Before 08:00 0.30 an hour, 0.60 at 32 A (40 readings); from 08:00 1.20, 0.30 at 60 kW (40 readings,
        # not under 50 kW; 7 kW is); 10 minutes charging at 1.00 an hour.
        before = 422 if gaps else 450
        minutes = (before - 40) * D("0.30") + 40 * D("0.60") + 40 * D("0.30") + (550 - before) * D("1.20") + 10
        excl = sum((x.amount_excl_vat for x in cost.lines), D(0))
        assert excl.quantize(D("1E-20")) == (minutes / 60).quantize(D("1E-20"))

    def test_prorated_energies_are_added_in_the_reference_order(self):
        # Each reading of 1,000 Wh is cut at 20:00 CEST 20 s in: 333.33... Wh (40 digits) at the day rate.
        # Sums of such pieces round, so they are added piece by piece; the result keeps every digit.
        t = terms(*DAY_NIGHT)
        s = utc(2026, 6, 10, 17, 59) + timedelta(seconds=40)
        periods = [charging(s + timedelta(minutes=n), 1, 1000) for n in range(3)]
        cost = assert_same(t, periods)
        # 1000/3 Wh x 0.45 + (3000 - 1000/3) Wh x 0.30 = 0.95, to the reference's last digit; adding up per
        # price first would give 0.95000...0001 (and a quantity of 3.000...0, 37 zeros).
        energy = cost.model_dump(mode="json")["lines"][0]
        assert energy["amountExclVat"] == "0.95" + "0" * 35
        assert energy["quantity"] == "3." + "0" * 36
        assert cost.excl_vat == D("0.95")


def test_an_amount_wider_than_the_default_decimal_context_still_rounds() -> None:
    from shared.domain.pricing import _round

    # 30 digits: more than Python's default context holds (28); a fuzzed meter register got there
    assert str(_round(D("123456789012345678901234567.891"), "EUR")) == "123456789012345678901234567.89"

"""Meter readings and the energy owed from them: parsing (units, phases, contexts) and the accounting rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.metering import EnergyState, Reading, advance, parse_meter_values, reconcile

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_units_phases_and_measurands_are_normalised() -> None:
    readings, problems = parse_meter_values(
        [
            {
                "timestamp": "2026-11-24T13:00:00+01:00",
                "sampledValue": [
                    {"value": "12.345", "measurand": "Energy.Active.Import.Register", "unit": "kWh"},
                    {"value": "3.7", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L1"},
                    {"value": "3.6", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L2"},
                    {"value": "3.7", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L3"},
                    {"value": "16", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
                    {"value": "15.5", "measurand": "Current.Import", "unit": "A", "phase": "L2"},
                    {"value": "55", "measurand": "SoC", "unit": "Percent", "context": "Sample.Clock"},
                ],
            },
            {"timestamp": "2026-11-24T12:01:00Z", "sampledValue": [{"value": "12400"}]},  # all defaults: Wh register
        ]
    )
    assert problems == []
    first, second = readings
    assert first.at == T0
    assert (first.register_wh, first.power_w, first.current_a, first.soc) == (12345, 11000.0, 16.0, 55.0)
    assert first.context == "Sample.Clock"
    assert (second.register_wh, second.power_w) == (12400, None)


def test_a_total_beats_the_phases_and_line_to_line_values_are_not_added() -> None:
    [reading], _ = parse_meter_values(
        [
            {
                "timestamp": "2026-11-24T12:00:00Z",
                "sampledValue": [
                    {"value": "7000", "measurand": "Power.Active.Import", "phase": "L1-L2"},
                    {"value": "2000", "measurand": "Power.Active.Import", "phase": "L1-N"},
                    {"value": "2100", "measurand": "Power.Active.Import", "phase": "L2-N"},
                ],
            }
        ]
    )
    assert reading.power_w == 4100.0


def test_an_unreadable_value_is_reported_not_raised() -> None:
    [reading], problems = parse_meter_values(
        [{"timestamp": "2026-11-24T12:00:00Z", "sampledValue": [{"value": "n/a"}]}]
    )
    assert reading.register_wh is None
    assert problems == ["Energy.Active.Import.Register value 'n/a' is not a number"]


def test_advance_counts_growth_ignores_late_readings_and_rebases_on_a_drop() -> None:
    state = EnergyState.start(1000, at(0))
    state, anomaly = advance(state, Reading(at(1), 3000))
    assert (state.energy_wh, anomaly) == (2000, None)
    state, anomaly = advance(state, Reading(at(0.5), 2000))
    assert state.energy_wh == 2000 and anomaly is not None and anomaly.code == "late_sample"
    state, anomaly = advance(state, Reading(at(2), 500))
    assert state.energy_wh == 2000 and anomaly is not None and anomaly.code == "meter_reset"
    state, _ = advance(state, Reading(at(3), 900))
    assert state.energy_wh == 2400


def test_reconcile_extends_to_meter_stop_and_flags_one_below_the_register() -> None:
    state, anomalies = reconcile(0, at(0), [Reading(at(1), 1000), Reading(at(2), 2000)], 2500, at(3))
    assert (state.energy_wh, anomalies) == (2500, [])
    state, anomalies = reconcile(0, at(0), [Reading(at(1), 1000), Reading(at(2), 2000)], 1500, at(3))
    assert state.energy_wh == 2000
    assert [a.code for a in anomalies] == ["meter_stop_below_register"]


registers = st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=30)


@given(registers, st.randoms(use_true_random=False), st.integers(min_value=0, max_value=5))
def test_energy_is_never_negative_nor_changed_by_arrival_order_or_duplicates(
    values: list[int], rnd: object, duplicates: int
) -> None:
    readings = [Reading(at(i + 1), v) for i, v in enumerate(values)]
    expected, _ = reconcile(values[0], at(0), readings)
    shuffled = readings + readings[:duplicates]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again, _ = reconcile(values[0], at(0), shuffled)
    assert again.energy_wh == expected.energy_wh >= 0


@given(registers)
def test_energy_never_falls_as_readings_arrive_in_any_order(values: list[int]) -> None:
    state = EnergyState.start(values[0], at(0))
    seen = 0
    for i, value in enumerate(values):
        state, _ = advance(state, Reading(at((i * 7) % len(values) + 1), value))
        assert state.energy_wh >= seen
        seen = state.energy_wh


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=30))
def test_a_monotonic_register_gives_exactly_its_growth(steps: list[int]) -> None:
    total, readings = 1000, []
    for i, step in enumerate(steps):
        total += step
        readings.append(Reading(at(i + 1), total))
    state, anomalies = reconcile(1000, at(0), readings)
    assert state.energy_wh == total - 1000
    assert anomalies == []

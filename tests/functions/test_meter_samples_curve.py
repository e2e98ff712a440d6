"""The curve's pure functions: energy recomputed in time order never decreases; buckets merge exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.meter_history import (
    MAX_POINTS,
    Sampled,
    buckets_of,
    curve_readings,
    history_width,
    merged,
)

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_falling_register_counts_nothing_and_the_energy_never_decreases() -> None:
    samples = [
        Sampled(at(30), 1500, 7000.0),
        Sampled(at(10), 1200, 7000.0),  # stored out of order
        Sampled(at(50), 900, 7000.0),  # the register fell (a reset): counts nothing
        Sampled(at(70), 1000, 7000.0),  # +100 from the new baseline
        Sampled(at(80), None, None, 61.0),  # SoC only: carries the energy
        Sampled(at(-5), 500, 7000.0),  # before the start: not this session's
    ]
    readings = curve_readings(samples, 1000, T0)
    assert [(r.at, r.energy_wh) for r in readings] == [
        (at(10), 200), (at(30), 500), (at(50), 500), (at(70), 600), (at(80), 600),
    ]  # fmt: skip
    assert readings[-1].soc == 61.0


def test_without_a_meter_start_the_first_register_is_the_baseline() -> None:
    readings = curve_readings([Sampled(at(10), 5000), Sampled(at(20), 5250)], None, None)
    assert [r.energy_wh for r in readings] == [0, 250]


def test_merging_weights_the_power_average_by_readings_with_power() -> None:
    readings = curve_readings(
        [
            Sampled(at(5), 1100, 6000.0),
            Sampled(at(15), 1200, None, 30.0),  # no power: not in the average
            Sampled(at(25), 1300, 9000.0),
            Sampled(at(65), 1400, 3000.0),
        ],
        1000,
        T0,
    )
    minutes = merged(buckets_of(readings), 60)
    assert [(b.at, b.energy_wh, b.power_avg_w, b.power_max_w, b.soc, b.samples) for b in minutes] == [
        (at(0), 300, 7500.0, 9000.0, 30.0, 3),
        (at(60), 400, 3000.0, 3000.0, None, 1),
    ]
    [hour] = merged(minutes, 3600)  # from the minutes, as the history is served: the same as from the readings
    [direct] = merged(buckets_of(readings), 3600)
    assert hour == direct
    assert (hour.power_avg_w, hour.power_samples, hour.samples, hour.soc) == (6000.0, 3, 4, 30.0)


def test_a_long_session_gets_coarser_history_buckets() -> None:
    minute_apart = [Sampled(at(60 * i), 1000 + i) for i in range(MAX_POINTS)]
    assert history_width(minute_apart) == 60
    assert history_width([*minute_apart, Sampled(at(60 * MAX_POINTS), 9000)]) == 300

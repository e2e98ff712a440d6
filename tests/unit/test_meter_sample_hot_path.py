"""How MeterValues builds its samples (shared/services/ocpp_transactions.py ``_samples``): the documents written
without a model and ``sortable_time`` written without strftime, which must give exactly what pydantic would
store and strftime gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.metering import Reading, ocpp_instant
from shared.domain.sessions import ChargingSession, MeterSample, sample_document, session_id_for, sortable_time
from shared.services import ocpp_transactions as tx

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC) | offsets)


def _strftime(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # what sortable_time was, before isoformat


@given(instants)
def test_the_sortable_time_is_what_strftime_wrote(at: datetime) -> None:
    assert sortable_time(at) == _strftime(at)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
def test_a_naive_time_is_taken_as_local_as_before(naive: datetime) -> None:
    try:
        expected = _strftime(naive)
    except (OverflowError, ValueError):  # at the ends of the range, local time may not convert at all
        return
    assert sortable_time(naive) == expected


def test_years_below_1000_keep_strftime() -> None:
    at = datetime(999, 5, 6, 7, 8, 9, 10, tzinfo=UTC)
    assert sortable_time(at) == _strftime(at)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_ocpp_instants_sort_as_their_text(naive: datetime) -> None:
    at = ocpp_instant(naive.isoformat() + "Z")
    assert sortable_time(at) == naive.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _session() -> ChargingSession:
    return ChargingSession(
        id=session_id_for("stn_hot", "s1"), station_id="stn_hot", provider_id="prv_1", station_name="S",
        time_zone="Europe/Paris", charger_id="CP-1", connector_id=1, connector_key="CP-1/1", max_power_kw=150,
        id_tag="TAG", origin="charger", status="active", requested_at=AT, updated_at=AT, meter_start_wh=1_000,
        base_register_wh=1_000, register_wh=1_000, register_at=AT,
    )  # fmt: skip


def test_samples_are_what_pydantic_would_store() -> None:
    session, now = _session(), AT + timedelta(minutes=5)
    readings = [
        Reading(at=AT + timedelta(minutes=2), register_wh=1_500, power_w=50_000.0, current_a=120.0, soc=40.0),
        Reading(at=AT + timedelta(minutes=1), register_wh=1_200, context="Sample.Clock"),  # out of order
        Reading(at=AT + timedelta(minutes=3), power_w=None, soc=41.0),  # no register: no energy
        Reading(at=AT + timedelta(minutes=4), register_wh=1_600, power_w=7, current_a=16, soc=80),  # integers
        Reading(at=datetime(2026, 11, 30, 9, 5, tzinfo=timezone(timedelta(hours=1)))),  # not UTC, no values
    ]
    for ttl in (tx.SAMPLE_TTL_SECONDS, None):
        samples = tx._samples(session, readings, now, ttl)
        assert [s.at for s in samples] == sorted(r.at for r in readings)
        expected_energy = [200, 500, None, 600, None]
        for sample, energy in zip(samples, expected_energy, strict=True):
            reading = next(r for r in readings if r.at == sample.at)
            values: dict[str, Any] = {
                "id": f"{session.id}:{sortable_time(reading.at)}:{reading.context}", "session_id": session.id,
                "at": reading.at, "register_wh": reading.register_wh, "energy_wh": energy,
                "power_w": reading.power_w, "current_a": reading.current_a, "soc": reading.soc,
                "context": reading.context, "received_at": now, "ttl": ttl,
            }  # fmt: skip
            validated = MeterSample.model_validate(values)
            stored = validated.model_dump(mode="json", exclude_none=True)
            assert sample.doc == stored and list(sample.doc) == list(stored)  # the same keys, in the same order
            assert sample.doc == sample_document(validated)
            assert MeterSample.model_validate(sample.doc) == validated
            read = (sample.at, sample.register_wh, sample.energy_wh, sample.power_w, sample.current_a, sample.soc)
            model = (validated.at, validated.register_wh, validated.energy_wh, validated.power_w,
                     validated.current_a, validated.soc)  # fmt: skip
            assert read == model
            assert all(type(v) is float for v in (sample.power_w, sample.current_a, sample.soc) if v is not None)


@given(instants, instants)
def test_the_received_time_is_written_as_pydantic_writes_it(at: datetime, received: datetime) -> None:
    [sample] = tx._samples(_session(), [Reading(at=at, register_wh=2_000)], received)
    expected = MeterSample(id="x", session_id="s", at=at, received_at=received).model_dump(mode="json")
    assert sample.doc["receivedAt"] == expected["receivedAt"]
    assert sample.doc["at"] == expected["at"]

"""Fuzzed StartTransaction / MeterValues / StopTransaction frames against the real handlers and store.

Whatever a charger sends, the reply is a well-formed CALLRESULT or a CALLERROR that is not InternalError
(a bug of ours), and no session ever shows negative energy.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.bootstrap import Deps
from shared.domain.users import RfidTagCreate
from shared.services.rfid_tags import add_tag
from tests.charging_fixture import Site, build_site

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

timestamps = st.one_of(
    st.integers(-3 * 86400, 3 * 86400).map(lambda s: (T0 + timedelta(seconds=s)).isoformat()),
    st.sampled_from(["2026-11-24T12:00:00Z", "2026-11-24T13:00:00+01:00", "not a date", "2026-13-45T99:00:00Z", ""]),
)
numbers = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=6),
)
sampled = st.fixed_dictionaries(
    {"value": numbers},
    optional={
        "measurand": st.sampled_from(
            ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "SoC", "Voltage", "Bogus"]
        ),
        "unit": st.sampled_from(["Wh", "kWh", "W", "kW", "A", "Percent", "V", "furlong"]),
        "context": st.sampled_from(["Sample.Periodic", "Transaction.Begin", "Transaction.End", "Sample.Clock", "?"]),
        "phase": st.sampled_from(["L1", "L2", "L3", "L1-N", "L1-L2", "N"]),
    },
)
meter_value = st.fixed_dictionaries({"timestamp": timestamps, "sampledValue": st.lists(sampled, max_size=4)})
transaction_ids = st.one_of(st.integers(1, 4), st.integers(-5, 2**31), st.text(max_size=3))
frames = st.one_of(
    st.tuples(
        st.just("StartTransaction"),
        st.fixed_dictionaries(
            {
                "connectorId": st.one_of(st.integers(0, 3), st.integers(-1, 10**6)),
                "idTag": st.one_of(st.sampled_from(["CARD-1", "card-1", "NOBODY"]), st.text(max_size=25)),
                "meterStart": st.one_of(st.integers(-(2**31), 2**31), st.floats(allow_nan=False)),
                "timestamp": timestamps,
            },
            optional={"reservationId": st.integers(-3, 5)},
        ),
    ),
    st.tuples(
        st.just("MeterValues"),
        st.fixed_dictionaries(
            {"connectorId": st.integers(-1, 3), "meterValue": st.lists(meter_value, max_size=3)},
            optional={"transactionId": transaction_ids},
        ),
    ),
    st.tuples(
        st.just("StopTransaction"),
        st.fixed_dictionaries(
            {"transactionId": transaction_ids, "meterStop": st.integers(-(2**31), 2**31), "timestamp": timestamps},
            optional={
                "reason": st.sampled_from(["Local", "Remote", "EVDisconnected", "PowerLoss", "Nonsense"]),
                "idTag": st.text(max_size=22),
                "transactionData": st.lists(meter_value, max_size=3),
            },
        ),
    ),
)


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    built = await build_site(deps, functions)
    await add_tag(deps.store, deps.clock, built.driver.user_id, RfidTagCreate(id_tag="CARD-1"))
    return built


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames)
async def test_fuzzed_transaction_frames_never_crash(site: Site, frame: tuple[str, dict[str, Any]]) -> None:
    action, payload = frame
    reply = await site.frame(action, payload)
    assert isinstance(reply, list) and reply[0] in (3, 4), reply
    if reply[0] == 4:
        assert reply[2] != "InternalError", reply
    json.dumps(reply)
    page = await site.deps.store.query("sessions", _sessions_query())
    for doc in page.items:
        assert doc["energyWh"] >= 0, doc


def _sessions_query() -> Any:
    from shared.ports.store import Filter, Query

    return Query((Filter("type", "eq", "session"),), limit=200)

"""The central system's commands to a simulated charger: reservations, configuration, triggers, unlock, reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.wire import ocpp_time
from tests.simulator.central_system import CentralSystem
from tests.simulator.conftest import MakeCharger, sampled


def in_seconds(seconds: float) -> str:
    return ocpp_time(datetime.now(UTC) + timedelta(seconds=seconds))


async def test_a_reserved_connector_starts_only_for_its_idtag(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger()
    reserve = {"connector_id": 1, "expiry_date": in_seconds(60), "id_tag": "GOOD", "reservation_id": 7}
    assert await cs.send("SIM-1", "ReserveNow", **reserve) == {"status": "Accepted"}
    await cs.wait_for("StatusNotification", lambda s: s["connector_id"] == 1 and s["status"] == "Reserved")
    other = reserve | {"reservation_id": 8, "id_tag": "OTHER"}
    assert await cs.send("SIM-1", "ReserveNow", **other) == {"status": "Occupied"}

    rival = {"id_tag": "OTHER", "connector_id": 1}
    assert await cs.send("SIM-1", "RemoteStartTransaction", **rival) == {"status": "Rejected"}
    assert await cs.send("SIM-1", "RemoteStartTransaction", id_tag="GOOD", connector_id=1) == {"status": "Accepted"}
    (start,) = await cs.wait_for("StartTransaction")
    assert start["reservation_id"] == 7 and start["id_tag"] == "GOOD"
    await cp.wait_for_status(1, "Charging")
    assert cp.connectors[1].reservation is None
    assert await cs.send("SIM-1", "ReserveNow", **reserve | {"reservation_id": 9}) == {"status": "Occupied"}


async def test_a_reservation_expires_or_is_cancelled(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger()
    short = {"connector_id": 2, "expiry_date": in_seconds(0.4), "id_tag": "GOOD", "reservation_id": 1}
    assert await cs.send("SIM-1", "ReserveNow", **short) == {"status": "Accepted"}
    await cp.wait_for_status(2, "Reserved")
    await cp.wait_for_status(2, "Available", timeout=3)
    assert cp.connectors[2].reservation is None
    await cs.wait_for("StatusNotification", lambda s: s["connector_id"] == 2 and s["status"] == "Available", count=2)

    long = short | {"expiry_date": in_seconds(60), "reservation_id": 2}
    assert await cs.send("SIM-1", "ReserveNow", **long) == {"status": "Accepted"}
    await cp.wait_for_status(2, "Reserved")
    assert await cs.send("SIM-1", "CancelReservation", reservation_id=2) == {"status": "Accepted"}
    await cp.wait_for_status(2, "Available")
    assert await cs.send("SIM-1", "CancelReservation", reservation_id=2) == {"status": "Rejected"}
    past = long | {"expiry_date": in_seconds(-5), "reservation_id": 3}
    assert await cs.send("SIM-1", "ReserveNow", **past) == {"status": "Rejected"}
    assert await cs.send("SIM-1", "ReserveNow", **long | {"connector_id": 0}) == {"status": "Rejected"}


async def test_reserve_now_answers_faulted(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger()
    await cp.fault(2, "HighTemperature")
    reserve = {"connector_id": 2, "expiry_date": in_seconds(60), "id_tag": "GOOD", "reservation_id": 1}
    assert await cs.send("SIM-1", "ReserveNow", **reserve) == {"status": "Faulted"}


async def test_change_configuration_sets_the_meter_interval(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger(meter_interval=30.0)
    answer = await cs.send("SIM-1", "ChangeConfiguration", key="MeterValueSampleInterval", value="0")
    assert answer == {"status": "Accepted"} and cp.meter_interval == 0
    assert await cs.send("SIM-1", "ChangeConfiguration", key="MeterValueSampleInterval", value="soon") == {
        "status": "Rejected"
    }
    assert await cs.send("SIM-1", "ChangeConfiguration", key="NumberOfConnectors", value="9") == {"status": "Rejected"}
    assert await cs.send("SIM-1", "ChangeConfiguration", key="Colour", value="red") == {"status": "NotSupported"}
    known = await cs.send("SIM-1", "GetConfiguration", key=["MeterValueSampleInterval", "Colour"])
    assert known["configuration_key"] == [{"key": "MeterValueSampleInterval", "readonly": False, "value": "0"}]
    assert known["unknown_key"] == ["Colour"]

    await cs.send("SIM-1", "ChangeConfiguration", key="MeterValueSampleInterval", value="30")
    await cs.send("SIM-1", "RemoteStartTransaction", id_tag="GOOD", connector_id=1)
    await cp.wait_for_transaction(1)
    await cs.send("SIM-1", "ChangeConfiguration", key="MeterValueSampleInterval", value="1")
    await cs.wait_for("MeterValues", timeout=3)  # at the new interval, during the session: 1 s, not 30


async def test_trigger_message(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger(meter_interval=60.0)
    before = len(cs.calls("StatusNotification"))
    assert await cs.send("SIM-1", "TriggerMessage", requested_message="StatusNotification", connector_id=2) == {
        "status": "Accepted"
    }
    (again,) = (await cs.wait_for("StatusNotification", count=before + 1))[before:]
    assert again["connector_id"] == 2 and again["status"] == "Available"

    await cp.swipe(1, "GOOD")
    tx = await cp.wait_for_transaction(1)
    assert await cs.send("SIM-1", "TriggerMessage", requested_message="MeterValues", connector_id=1) == {
        "status": "Accepted"
    }
    (frame,) = await cs.wait_for("MeterValues")
    assert frame["transaction_id"] == tx.server_id and sampled(frame["meter_value"][0], "SoC")[2] == "Trigger"
    assert await cs.send("SIM-1", "TriggerMessage", requested_message="Heartbeat") == {"status": "Accepted"}
    await cs.wait_for("Heartbeat")
    assert await cs.send("SIM-1", "TriggerMessage", requested_message="Heartbeat", connector_id=9) == {
        "status": "Rejected"
    }
    assert await cs.send("SIM-1", "TriggerMessage", requested_message="DiagnosticsStatusNotification") == {
        "status": "NotImplemented"
    }


async def test_unlock_connector_ends_the_session(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger()
    await cp.swipe(2, "GOOD")
    await cp.wait_for_transaction(2)
    assert await cs.send("SIM-1", "UnlockConnector", connector_id=2) == {"status": "Unlocked"}
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["reason"] == "UnlockCommand"
    await cp.wait_for_status(2, "Available")
    assert await cs.send("SIM-1", "UnlockConnector", connector_id=5) == {"status": "NotSupported"}


async def test_reset_stops_sessions_and_boots_again_on_a_new_connection(
    cs: CentralSystem, charger: MakeCharger
) -> None:
    cp = await charger()
    await cp.swipe(1, "GOOD")
    await cp.wait_for_transaction(1)
    assert await cs.send("SIM-1", "Reset", type="Soft") == {"status": "Accepted"}
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["reason"] == "SoftReset"
    await cs.wait_for("BootNotification", count=2)
    await cp.wait_for_boot()
    assert cs.connections == 2 and cp.connectors[1].status == "Available"

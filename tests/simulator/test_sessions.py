"""Boot, statuses and sessions of a simulated charger against a minimal OCPP 1.6J central system."""

from __future__ import annotations

import pytest

from simulator import Car, ChargerRefused, ConnectorSpec, SimulatedCharger
from tests.simulator.central_system import CentralSystem
from tests.simulator.conftest import FAST, MakeCharger, sampled


async def test_boot_then_statuses_of_every_connector_then_heartbeats(cs: CentralSystem, charger: MakeCharger) -> None:
    cs.boot_interval = 1
    cp = await charger(connectors=[22, 50], vendor="ACME", model="Volt 2")
    (boot,) = cs.calls("BootNotification")
    assert boot["charge_point_vendor"] == "ACME" and boot["charge_point_model"] == "Volt 2"
    statuses = [(s["connector_id"], s["status"], s["error_code"]) for s in cs.calls("StatusNotification")]
    assert statuses == [(0, "Available", "NoError"), (1, "Available", "NoError"), (2, "Available", "NoError")]
    assert cp.heartbeat_interval == 1
    await cs.wait_for("Heartbeat", timeout=3)
    assert [r.action for r in cs.received[:4]] == ["BootNotification"] + ["StatusNotification"] * 3


async def test_a_pending_boot_is_retried_after_its_interval_and_nothing_else_is_sent(
    cs: CentralSystem, charger: MakeCharger
) -> None:
    cs.boot_answers = [("Pending", 1), ("Rejected", 1)]
    await charger(open_timeout=2.0, response_timeout=2.0, boot_retry_seconds=0.1)
    boots = [r for r in cs.received if r.action == "BootNotification"]
    assert len(boots) == 3
    assert (boots[1].at - boots[0].at).total_seconds() >= 0.9  # the interval, not the charger's own retry delay
    first_other = next(r for r in cs.received if r.action != "BootNotification")
    assert first_other.at >= boots[2].at and first_other.action == "StatusNotification"


async def test_remote_start_meter_values_remote_stop(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger(connectors=[22, 50])
    assert await cs.send("SIM-1", "RemoteStartTransaction", id_tag="GOOD", connector_id=1) == {"status": "Accepted"}
    tx = await cp.wait_for_transaction(1)
    (start,) = cs.calls("StartTransaction")
    assert start["connector_id"] == 1 and start["id_tag"] == "GOOD" and start["meter_start"] == 0
    assert tx.server_id == start["answered_id"]
    await cp.wait_for_status(1, "Charging")
    readings = await cs.wait_for("MeterValues", count=3)
    energies = []
    for frame in readings:
        assert frame["transaction_id"] == tx.server_id and frame["connector_id"] == 1
        (entry,) = frame["meter_value"]
        energy, unit, context = sampled(entry, "Energy.Active.Import.Register")
        assert (unit, context) == ("Wh", "Sample.Periodic")
        assert sampled(entry, "Power.Active.Import")[:2] == (22000.0, "W")
        current, current_unit, _ = sampled(entry, "Current.Import")
        assert current_unit == "A" and current == pytest.approx(22000 / 690, abs=0.1)  # three phases at 230 V
        assert sampled(entry, "SoC")[1] == "Percent"
        energies.append(energy)
    assert energies == sorted(energies) and energies[0] > 0 and energies[-1] > energies[0]

    assert await cs.send("SIM-1", "RemoteStopTransaction", transaction_id=tx.server_id) == {"status": "Accepted"}
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["transaction_id"] == tx.server_id and stop["reason"] == "Remote"
    assert stop["meter_stop"] >= energies[-1]
    begin, end = stop["transaction_data"]
    assert sampled(begin, "Energy.Active.Import.Register") == (0.0, "Wh", "Transaction.Begin")
    assert sampled(end, "Energy.Active.Import.Register") == (float(stop["meter_stop"]), "Wh", "Transaction.End")
    await cs.wait_for("StatusNotification", lambda s: s["connector_id"] == 1 and s["status"] == "Finishing")
    connector_1 = [s["status"] for s in cs.calls("StatusNotification") if s["connector_id"] == 1]
    assert connector_1 == ["Available", "Preparing", "Charging", "Finishing"]
    assert await cs.send("SIM-1", "RemoteStopTransaction", transaction_id=tx.server_id) == {"status": "Rejected"}


async def test_kwh_units(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger(connectors=[ConnectorSpec(max_kw=50.0)], kwh_unit=True)
    await cs.send("SIM-1", "RemoteStartTransaction", id_tag="GOOD")
    await cp.wait_for_transaction(1)
    (frame,) = await cs.wait_for("MeterValues")
    (entry,) = frame["meter_value"]
    energy, unit, _ = sampled(entry, "Energy.Active.Import.Register")
    assert unit == "kWh" and 0 < energy < 5  # 50 kW for 30 simulated seconds is about 0.42 kWh
    assert sampled(entry, "Power.Active.Import")[:2] == (50.0, "kW")
    assert sampled(entry, "Current.Import")[:2] == (125.0, "A")  # DC at 400 V
    await cp.stop(1)
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["meter_stop"] >= 400  # meterStop stays in Wh, whatever the sampled unit
    assert sampled(stop["transaction_data"][1], "Energy.Active.Import.Register")[1] == "kWh"


async def test_rfid_swipe_authorizes_first(cs: CentralSystem, charger: MakeCharger) -> None:
    cs.tags |= {"BLOCKED": "Blocked"}
    cp = await charger()
    assert await cp.swipe(1, "BLOCKED") == "Blocked"
    assert cs.calls("StartTransaction") == [] and cp.connectors[1].status == "Available"

    assert await cp.swipe(1, "GOOD") == "Accepted"
    assert [r.action for r in cs.received if r.action in ("Authorize", "StartTransaction")] == [
        "Authorize", "Authorize", "StartTransaction",
    ]  # fmt: skip
    tx = await cp.wait_for_transaction(1)
    await cp.wait_for_status(1, "Charging")
    await cs.wait_for("MeterValues")
    assert await cp.swipe(1, "GOOD") == "Accepted"  # the same card again ends the session
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["transaction_id"] == tx.server_id and stop["reason"] == "Local" and stop["id_tag"] == "GOOD"


async def test_a_start_the_central_system_refuses_stops_at_once_as_deauthorized(
    cs: CentralSystem, charger: MakeCharger
) -> None:
    cs.tags |= {"REVOKED": "Accepted"}
    cs.start_tags = {"REVOKED": "Invalid"}
    cp = await charger()
    assert await cp.swipe(2, "REVOKED") == "Accepted"
    (start,) = await cs.wait_for("StartTransaction")
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["transaction_id"] == start["answered_id"] and stop["reason"] == "DeAuthorized"
    assert stop["meter_stop"] == start["meter_start"]
    await cp.wait_for_status(2, "Finishing")
    assert "Charging" not in [s["status"] for s in cs.calls("StatusNotification") if s["connector_id"] == 2]
    assert cs.calls("MeterValues") == []


async def test_the_car_full_leaves_the_session_idle_as_suspended_ev(cs: CentralSystem, charger: MakeCharger) -> None:
    nearly_full = Car(capacity_kwh=10.0, start_soc=70.0, target_soc=90.0, max_kw=11.0)
    cp = await charger(connectors=[ConnectorSpec(max_kw=22.0, car=nearly_full)], speed=1500.0)
    await cs.send("SIM-1", "RemoteStartTransaction", id_tag="GOOD", connector_id=1)
    await cp.wait_for_status(1, "SuspendedEV")
    await cs.wait_for("StatusNotification", lambda s: s["status"] == "SuspendedEV")
    frames = await cs.wait_for("MeterValues", lambda f: sampled(f["meter_value"][0], "SoC")[0] == 90, count=2)
    for frame in frames[-2:]:
        (entry,) = frame["meter_value"]
        assert sampled(entry, "Power.Active.Import")[0] == 0
        assert sampled(entry, "Energy.Active.Import.Register")[0] == pytest.approx(2000, abs=1)  # 20 % of 10 kWh
    powers = [sampled(f["meter_value"][0], "Power.Active.Import")[0] for f in cs.calls("MeterValues")]
    assert powers[0] == 11000 and 0 < min(p for p in powers if p) < 11000  # the car's maximum, then the taper


async def test_a_fault_stops_the_session_and_clears(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger()
    await cs.send("SIM-1", "RemoteStartTransaction", id_tag="GOOD", connector_id=1)
    tx = await cp.wait_for_transaction(1)
    await cp.fault(1, "GroundFailure")
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["transaction_id"] == tx.server_id and stop["reason"] == "Other"
    (faulted,) = await cs.wait_for("StatusNotification", lambda s: s["status"] == "Faulted")
    assert faulted["connector_id"] == 1 and faulted["error_code"] == "GroundFailure"
    assert await cs.send("SIM-1", "RemoteStartTransaction", id_tag="GOOD", connector_id=1) == {"status": "Rejected"}
    await cp.clear_fault(1)
    (back,) = await cs.wait_for("StatusNotification", lambda s: s["connector_id"] == 1 and s["error_code"] == "NoError"
                                 and s["status"] == "Available" and s["timestamp"] > faulted["timestamp"])  # fmt: skip
    assert back["status"] == "Available"


async def test_unplug_during_a_session_stops_it_then_finishing_then_available(
    cs: CentralSystem, charger: MakeCharger
) -> None:
    cp = await charger()
    await cp.swipe(1, "GOOD")
    await cp.wait_for_transaction(1)
    await cp.unplug(1)
    (stop,) = await cs.wait_for("StopTransaction")
    assert stop["reason"] == "EVDisconnected"
    await cs.wait_for("StatusNotification", lambda s: s["connector_id"] == 1 and s["status"] == "Available", count=2)
    tail = [s["status"] for s in cs.calls("StatusNotification") if s["connector_id"] == 1][-2:]
    assert tail == ["Finishing", "Available"]


async def test_a_wrong_password_is_a_clear_error(cs: CentralSystem) -> None:
    cp = SimulatedCharger(cs.url, "SIM-1", "not-the-password", **FAST)
    with pytest.raises(ChargerRefused) as refused:
        async with cp:
            pass
    assert refused.value.status == 401 and "SIM-1" in str(refused.value) and "password" in str(refused.value)
    assert cs.connections == 0

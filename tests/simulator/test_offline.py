"""Offline behaviour: transaction messages queue with their own timestamps and go out in order once back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from simulator import ChargerRefused
from tests.simulator.central_system import CentralSystem
from tests.simulator.conftest import MakeCharger, sampled


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


async def test_the_offline_queue_is_replayed_in_order_after_reconnecting(
    cs: CentralSystem, charger: MakeCharger
) -> None:
    cp = await charger(connectors=[22, 22])
    await cp.swipe(1, "GOOD")  # online: GOOD is now in the local authorization cache
    tx1 = await cp.wait_for_transaction(1)
    await cs.wait_for("MeterValues")
    await cp.drop()
    assert not cp.online
    online_frames = len(cs.received)

    await cp.wait_until(lambda: len(cp.outbox) >= 2, what="meter values queued offline")
    assert await cp.swipe(2, "GOOD") == "Accepted"  # offline: from the cache
    await cp.wait_for_status(2, "Charging")
    await cp.wait_until(lambda: len([q for q in cp.outbox.items if q.action == "MeterValues"]) >= 4)
    await cp.stop(1)
    await cp.stop(2)
    queued = [q.action for q in cp.outbox.items]
    assert queued[:2] == ["MeterValues", "MeterValues"] and "StartTransaction" in queued
    assert queued[-2:] == ["StopTransaction", "StopTransaction"]
    assert len(cs.received) == online_frames  # nothing reached the central system while offline
    back_at = datetime.now(UTC)

    await cp.reconnect()
    await cp.wait_until_sent()
    replayed = [r for r in cs.received[online_frames:] if r.action in ("StartTransaction", "MeterValues",
                                                                       "StopTransaction")]  # fmt: skip
    assert [r.action for r in replayed] == queued
    stamps = [at(r.payload["timestamp"]) if "timestamp" in r.payload else at(r.payload["meter_value"][0]["timestamp"])
              for r in replayed]  # fmt: skip
    assert stamps == sorted(stamps) and stamps[-1] < back_at  # when it happened, not when it was sent
    assert all(r.at >= back_at for r in replayed)

    (start2,) = [r.payload for r in replayed if r.action == "StartTransaction"]
    assert start2["connector_id"] == 2 and start2["id_tag"] == "GOOD"
    stops = {r.payload["transaction_id"]: r.payload for r in replayed if r.action == "StopTransaction"}
    assert set(stops) == {tx1.server_id, start2["answered_id"]}  # the offline session got its id on replay
    for frame in (r.payload for r in replayed if r.action == "MeterValues"):
        assert frame["transaction_id"] in stops
        energy = sampled(frame["meter_value"][0], "Energy.Active.Import.Register")[0]
        assert energy <= stops[frame["transaction_id"]]["meter_stop"]
    assert cs.connections == 2 and cp.online


async def test_an_unknown_card_offline_is_refused_unless_allowed(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger()
    await cp.drop()
    assert await cp.swipe(1, "STRANGER") == "Invalid"
    assert cp.connectors[1].transaction is None
    cp.options = replace(cp.options, allow_offline_unknown=True)
    assert await cp.swipe(1, "STRANGER") == "Accepted"
    assert cp.connectors[1].transaction is not None and [q.action for q in cp.outbox.items] == ["StartTransaction"]


async def test_a_lost_connection_comes_back_by_itself(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger(reconnect_delay=0.05)
    await cs.disconnect("SIM-1")
    await cs.wait_until(lambda: cs.connections == 2)
    await cp.wait_for_boot()
    statuses = [s["connector_id"] for s in cs.calls("StatusNotification")]
    assert statuses == [0, 1, 2, 0, 1, 2]  # statuses again; no second BootNotification without a reboot
    assert len(cs.calls("BootNotification")) == 1


async def test_a_refused_reconnect_is_reported(cs: CentralSystem, charger: MakeCharger) -> None:
    cp = await charger()
    await cp.drop()
    cs.passwords["SIM-1"] = "rotated"
    with pytest.raises(ChargerRefused) as refused:
        await cp.reconnect()
    assert refused.value.status == 401

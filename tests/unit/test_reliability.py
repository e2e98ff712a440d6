"""The reliability score's pure rules (shared/domain/reliability.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.chargers import Charger, ChargerConnector, ChargerOcppState
from shared.domain.reliability import (
    DELIVERED_WH,
    HEARTBEAT_RESOLUTION,
    UPTIME_HALF_LIFE,
    ReliabilityView,
    SessionTally,
    UptimeLedger,
    demotion_m,
    heartbeat_factor,
    reliability_of,
    score,
    session_outcome,
    usable_share,
)
from shared.domain.stations import (
    Address,
    ConnectorStatus,
    MaintenanceWindow,
    Station,
    StationConnector,
    StationReliability,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=10)  # twice a 300 s heartbeat interval


def charger(charger_id: str, heard: datetime | None = NOW, status: ConnectorStatus | None = None) -> Charger:
    return Charger(
        id=charger_id,
        provider_id="prv_a",
        station_id="stn_1",
        vendor="ABB",
        model="Terra",
        password_hash="x",
        password_updated_at=NOW - timedelta(days=60),
        connectors=[ChargerConnector(connector_id=1, standard="CCS2", power_type="DC", max_power_kw=150)],
        ocpp=ChargerOcppState(last_seen_at=heard, status=status),
        created_at=NOW - timedelta(days=60),
        updated_at=NOW - timedelta(days=60),
    )


def station(*plugs: tuple[str, ConnectorStatus], maintenance: tuple[MaintenanceWindow, ...] = ()) -> Station:
    return Station(
        id="stn_1",
        provider_id="prv_a",
        provider_name="A",
        name="One",
        address=Address(street="Hauptstraße 1", city="Berlin", postal_code="10117", country="DE"),
        location={"coordinates": (13.4, 52.5)},
        time_zone="Europe/Berlin",
        lifecycle="active",
        connectors=[
            StationConnector(charger_id=c, connector_id=1, standard="CCS2", power_type="DC", max_power_kw=150, status=s)
            for c, s in plugs
        ],
        maintenance=list(maintenance),
        created_at=NOW,
        updated_at=NOW,
    )


class TestSessionOutcome:
    @pytest.mark.parametrize(
        ("status", "started", "energy", "authorization", "reason", "expected"),
        [
            ("stopped", True, DELIVERED_WH, "Accepted", None, "delivered"),
            ("active", True, 5_000, "Accepted", None, "delivered"),  # already charging: it works
            ("stopped", True, DELIVERED_WH - 1, "Accepted", None, "failed"),  # started, delivered nothing
            ("failed", False, 0, "Accepted", "charger_no_answer", "failed"),
            ("failed", False, 0, "Accepted", "charger_rejected", "failed"),
            ("failed", False, 0, "Accepted", "start_timeout", "failed"),
            ("failed", False, 0, "Accepted", "cancelled", "ignored"),  # the driver changed their mind
            ("failed", False, 0, "Accepted", "connector_taken", "ignored"),
            ("stopped", True, 0, "Invalid", None, "ignored"),  # an unknown tag: the driver's card, not the charger
            ("pending", False, 0, "Accepted", None, "ignored"),  # undecided yet
            ("active", True, 10, "Accepted", None, "ignored"),
        ],
    )
    def test_what_counts(self, status, started, energy, authorization, reason, expected):
        outcome = session_outcome(
            status, started=started, energy_wh=energy, authorization=authorization, failure_reason=reason
        )
        assert outcome == expected


def tally(delivered: int, failed: int) -> SessionTally:
    t = SessionTally()
    for _ in range(delivered):
        t = t.add("delivered")
    for _ in range(failed):
        t = t.add("failed")
    return t.add("ignored")


class TestScore:
    def test_one_failure_does_not_sink_a_new_station_but_a_record_of_failures_does(self):
        assert score(tally(0, 1), None, 1.0) == 75  # (0 + 4.5) / (1 + 5)
        assert score(tally(0, 10), None, 1.0) == 30
        assert score(tally(20, 0), None, 1.0) == 98
        assert score(tally(1, 0), None, 1.0) == 92

    def test_the_parts_multiply(self):
        assert score(tally(0, 0), 0.5, 1.0) == 45  # no sessions: the prior's 0.9
        assert score(tally(20, 0), 1.0, 0.5) == 49
        assert score(tally(20, 0), 1.0, 0.0) == 0

    def test_unknown_without_data(self):
        assert score(tally(0, 0), None, 1.0) is None  # no session counted, under an hour of samples
        assert score(tally(3, 0), 1.0, None) is None  # no active charger
        assert tally(2, 1) == SessionTally(attempted=3, delivered=2)


class TestHeartbeat:
    def test_fresh_within_grace_then_down_over_a_day(self):
        assert heartbeat_factor(GRACE, GRACE) == 1.0
        assert heartbeat_factor(GRACE + timedelta(hours=12), GRACE) == pytest.approx(0.5)
        assert heartbeat_factor(GRACE + timedelta(hours=30), GRACE) == 0.0


class TestUptimeLedger:
    def ledger(self) -> UptimeLedger:
        return UptimeLedger(id="reliability:stn_1", provider_id="prv_a", station_id="stn_1", as_of=NOW)

    def test_unknown_for_the_first_hour(self):
        ledger = self.ledger().observe(1.0, NOW)
        assert ledger.uptime(NOW + timedelta(minutes=59)) is None
        assert ledger.uptime(NOW + timedelta(hours=1)) == pytest.approx(1.0)

    def test_a_down_half_life_after_a_long_up_time_halves_it(self):
        up = self.ledger().observe(1.0, NOW)
        down_at = NOW + 100 * UPTIME_HALF_LIFE
        down = up.observe(0.0, down_at)
        assert down.uptime(down_at) == pytest.approx(1.0)
        assert down.uptime(down_at + UPTIME_HALF_LIFE) == pytest.approx(0.5)

    def test_hours_weigh_as_hours(self):
        ledger = self.ledger().observe(1.0, NOW).observe(0.5, NOW + timedelta(hours=2))
        uptime = ledger.uptime(NOW + timedelta(hours=4))
        assert uptime is not None and 0.745 < uptime < 0.75  # the newer, lower hours weigh a little more

    def test_held_state_gives_the_same_counters_however_often_it_is_sampled(self):
        ledger = self.ledger().observe(0.5, NOW)
        later = NOW + timedelta(days=3)
        stepped = ledger
        for hours in range(1, 73):
            stepped = stepped.at(NOW + timedelta(hours=hours))
        assert stepped.up_s == pytest.approx(ledger.at(later).up_s)
        assert stepped.observed_s == pytest.approx(ledger.at(later).observed_s)

    def test_a_pause_stops_the_clock(self):
        ledger = self.ledger().observe(1.0, NOW).observe(0.0, NOW + timedelta(hours=1))
        paused_at = NOW + timedelta(hours=2)
        paused = ledger.observe(None, paused_at)
        assert paused.uptime(paused_at + timedelta(days=5)) == pytest.approx(paused.uptime(paused_at))
        assert paused.uptime(paused_at) == pytest.approx(0.5, abs=0.005)


class TestUsableShare:
    def test_silent_or_faulted_chargers_and_down_connectors(self):
        plugs = (("A", ConnectorStatus.AVAILABLE), ("B", ConnectorStatus.CHARGING))
        fresh = [charger("A"), charger("B")]
        assert usable_share(station(*plugs), fresh, NOW, GRACE) == 1.0
        silent = [charger("A"), charger("B", heard=NOW - GRACE - timedelta(seconds=1))]
        assert usable_share(station(*plugs), silent, NOW, GRACE) == 0.5
        assert usable_share(station(*plugs), [charger("A"), charger("B", heard=None)], NOW, GRACE) == 0.5
        faulted = [charger("A", status=ConnectorStatus.FAULTED), charger("B")]
        assert usable_share(station(*plugs), faulted, NOW, GRACE) == 0.5
        down = (("A", ConnectorStatus.UNAVAILABLE), ("B", ConnectorStatus.FAULTED))
        assert usable_share(station(*down), fresh, NOW, GRACE) == 0.0
        unknown = (("A", ConnectorStatus.UNKNOWN),)  # heard from, not yet reported: not known to be down
        assert usable_share(station(*unknown), fresh, NOW, GRACE) == 1.0

    def test_planned_downtime_is_not_sampled(self):
        window = MaintenanceWindow(id="mw_1", charger_id="B", starts_at=NOW, ends_at=NOW + timedelta(hours=1))
        plugs = (("A", ConnectorStatus.AVAILABLE), ("B", ConnectorStatus.UNAVAILABLE))
        assert usable_share(station(*plugs, maintenance=(window,)), [charger("A"), charger("B")], NOW, GRACE) == 1.0
        whole = MaintenanceWindow(id="mw_2", starts_at=NOW, ends_at=NOW + timedelta(hours=1))
        assert usable_share(station(*plugs, maintenance=(whole,)), [charger("A")], NOW, GRACE) is None
        in_maintenance = station(*plugs).model_copy(update={"lifecycle": "maintenance"})
        assert usable_share(in_maintenance, [charger("A")], NOW, GRACE) is None


class TestReliabilityOf:
    def of(self, chargers: list[Charger], previous: StationReliability | None = None) -> StationReliability:
        ledger = UptimeLedger(id="r", provider_id="p", station_id="s", as_of=NOW)
        return reliability_of(
            tally=tally(4, 1), ledger=ledger, chargers=chargers, now=NOW, grace=GRACE, previous=previous
        )

    def test_parts_and_score(self):
        silent_since = NOW - GRACE - timedelta(hours=12)
        result = self.of([charger("A"), charger("B", heard=silent_since)])
        # (4 + 4.5) / (5 + 5) x uptime unknown (1) x mean(1, 0.5)
        assert result == StationReliability(
            score=64, sessions_attempted=5, sessions_delivered=4, uptime=None, online=True, last_heartbeat_at=NOW
        )
        never = self.of([charger("A", heard=None)])  # silent since it was registered, 60 days ago
        assert (never.score, never.online, never.last_heartbeat_at) == (0, False, None)
        assert self.of([]).score is None and self.of([]).online is None

    def test_the_heartbeat_time_is_refreshed_coarsely_while_live_and_exact_once_silent(self):
        kept = StationReliability(last_heartbeat_at=NOW - HEARTBEAT_RESOLUTION + timedelta(seconds=1))
        assert self.of([charger("A")], kept).last_heartbeat_at == kept.last_heartbeat_at
        old = StationReliability(last_heartbeat_at=NOW - HEARTBEAT_RESOLUTION)
        assert self.of([charger("A")], old).last_heartbeat_at == NOW
        silent = NOW - timedelta(minutes=11)
        previous = StationReliability(last_heartbeat_at=silent - timedelta(minutes=5))
        assert self.of([charger("A", heard=silent)], previous).last_heartbeat_at == silent


class TestRanking:
    def test_only_a_score_below_neutral_demotes_and_by_a_bounded_amount(self):
        assert demotion_m(None, 500) == 0.0
        assert demotion_m(90, 500) == 0.0 and demotion_m(100, 500) == 0.0
        assert demotion_m(45, 0) == pytest.approx(500)  # half of 1 km
        assert demotion_m(0, 4_000) == pytest.approx(2_000)  # 1 km + 25 % of 4 km
        assert demotion_m("high", 500) == 0.0 and demotion_m(True, 500) == 0.0


def test_the_view_derives_the_share_and_the_age():
    stored = StationReliability(score=80, sessions_attempted=8, sessions_delivered=6, last_heartbeat_at=NOW)
    view = ReliabilityView.of(stored, NOW + timedelta(minutes=3))
    assert view.model_dump(mode="json") == {
        "score": 80,
        "sessionsAttempted": 8,
        "sessionsDelivered": 6,
        "uptime": None,
        "online": None,
        "lastHeartbeatAt": "2026-11-24T12:00:00Z",
        "sessionSuccess": 0.75,
        "secondsSinceHeartbeat": 180,
    }
    assert ReliabilityView.of(StationReliability(), NOW).session_success is None

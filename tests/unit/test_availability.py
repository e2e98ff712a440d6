"""Effective connector status: the one rule search, detail and charging share (shared.domain.availability)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.availability import covers, effective_status, in_progress, is_available, overlaps
from shared.domain.geo import GeoPoint
from shared.domain.stations import (
    Address,
    ConnectorStandard,
    ConnectorStatus,
    MaintenanceWindow,
    PowerType,
    Station,
    StationConnector,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def connector(charger_id="CP-1", connector_id=1, status=ConnectorStatus.AVAILABLE) -> StationConnector:
    return StationConnector(
        charger_id=charger_id,
        connector_id=connector_id,
        standard=ConnectorStandard.TYPE_2,
        power_type=PowerType.AC,
        max_power_kw=22,
        status=status,
    )


def window(start=-HOUR, end=HOUR, charger_id=None, connector_id=None, id="mw_1") -> MaintenanceWindow:
    return MaintenanceWindow(
        id=id, charger_id=charger_id, connector_id=connector_id, starts_at=NOW + start, ends_at=NOW + end
    )


def station(lifecycle="active", windows=(), connectors=None) -> Station:
    return Station(
        id="stn_1",
        provider_id="prv_1",
        provider_name="Acme",
        name="Depot",
        address=Address(street="Hauptstraße 1", city="Berlin", postal_code="10117", country="DE"),
        location=GeoPoint.at(13.4, 52.5),
        time_zone="Europe/Berlin",
        lifecycle=lifecycle,
        connectors=connectors if connectors is not None else [connector()],
        maintenance=list(windows),
        created_at=NOW,
        updated_at=NOW,
    )


class TestEffectiveStatus:
    @pytest.mark.parametrize("reported", list(ConnectorStatus))
    def test_active_station_without_maintenance_shows_what_the_charger_reported(self, reported):
        c = connector(status=reported)
        assert effective_status(station(connectors=[c]), c, NOW) is reported

    @pytest.mark.parametrize("lifecycle", ["draft", "maintenance", "retired"])
    def test_station_not_active_makes_every_connector_unavailable(self, lifecycle):
        c = connector()
        assert effective_status(station(lifecycle), c, NOW) is ConnectorStatus.UNAVAILABLE

    def test_station_wide_window_in_progress(self):
        c = connector()
        assert effective_status(station(windows=[window()]), c, NOW) is ConnectorStatus.UNAVAILABLE

    def test_window_on_this_connector(self):
        c = connector()
        s = station(windows=[window(charger_id="CP-1", connector_id=1)])
        assert effective_status(s, c, NOW) is ConnectorStatus.UNAVAILABLE

    def test_window_on_another_connector_or_charger_leaves_this_one_alone(self):
        c = connector()
        s = station(windows=[window(charger_id="CP-1", connector_id=2), window(charger_id="CP-2", connector_id=1)])
        assert effective_status(s, c, NOW) is ConnectorStatus.AVAILABLE

    def test_window_not_yet_started_or_already_over(self):
        c = connector()
        s = station(windows=[window(start=HOUR, end=2 * HOUR), window(start=-2 * HOUR, end=-HOUR, id="mw_2")])
        assert effective_status(s, c, NOW) is ConnectorStatus.AVAILABLE

    def test_window_bounds_are_half_open(self):
        c = connector()
        assert effective_status(station(windows=[window(start=timedelta(0))]), c, NOW) is ConnectorStatus.UNAVAILABLE
        assert effective_status(station(windows=[window(end=timedelta(0))]), c, NOW) is ConnectorStatus.AVAILABLE

    def test_only_available_counts_as_available(self):
        for status in ConnectorStatus:
            c = connector(status=status)
            assert is_available(station(connectors=[c]), c, NOW) is (status is ConnectorStatus.AVAILABLE)
        c = connector()
        assert not is_available(station(windows=[window()]), c, NOW)


class TestWindows:
    def test_in_progress(self):
        assert in_progress(window(), NOW)
        assert not in_progress(window(start=HOUR, end=2 * HOUR), NOW)

    def test_a_charger_wide_window_covers_all_its_connectors(self):
        w = window(charger_id="CP-1")
        assert covers(w, connector(connector_id=1)) and covers(w, connector(connector_id=2))
        assert not covers(w, connector(charger_id="CP-2"))

    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            ((None, None), (None, None), True),
            ((None, None), ("CP-1", 1), True),  # station-wide blocks any connector window
            (("CP-1", 1), ("CP-1", 1), True),
            (("CP-1", 1), ("CP-1", 2), False),
            (("CP-1", 1), ("CP-2", 1), False),
            (("CP-1", None), ("CP-1", 2), True),
        ],
    )
    def test_overlap_by_target(self, a, b, expected):
        wa = window(charger_id=a[0], connector_id=a[1])
        wb = window(charger_id=b[0], connector_id=b[1], id="mw_2")
        assert overlaps(wa, wb) is expected and overlaps(wb, wa) is expected

    @pytest.mark.parametrize(
        ("b_start", "b_end", "expected"),
        [
            (HOUR, 2 * HOUR, False),  # touching at the end
            (-2 * HOUR, -HOUR, False),  # touching at the start
            (HOUR / 2, 2 * HOUR, True),
            (-HOUR / 2, HOUR / 2, True),  # inside
            (-2 * HOUR, 2 * HOUR, True),  # around
        ],
    )
    def test_overlap_in_time(self, b_start, b_end, expected):
        assert overlaps(window(), window(start=b_start, end=b_end, id="mw_2")) is expected

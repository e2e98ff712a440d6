"""What a driver may expect of a connector right now: its effective status.

Pure functions over a ``Station`` document, so search, station detail and the
charging flow agree on one rule: a connector is ``Unavailable`` while its
station is not ``active`` or while a maintenance window covering it (or the
whole station) is in progress; otherwise it is what the charger last reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.domain.stations import ConnectorStatus, MaintenanceWindow, Station, StationConnector

__all__ = ["covers", "effective_status", "in_progress", "is_available", "overlaps"]


def covers(window: MaintenanceWindow, connector: StationConnector) -> bool:
    """A window without a charger is station-wide; one with a charger but no connector covers all of it."""
    if window.charger_id is None:
        return True
    if window.charger_id != connector.charger_id:
        return False
    return window.connector_id is None or window.connector_id == connector.connector_id


def in_progress(window: MaintenanceWindow, now: datetime) -> bool:
    # Half-open [starts, ends): a window ending at 14:00 no longer blocks a session starting at 14:00.
    return window.starts_at <= now < window.ends_at


def overlaps(a: MaintenanceWindow, b: MaintenanceWindow) -> bool:
    """Both in time (half-open intervals) and in target: the same charger/connector or either station-wide."""
    if not (a.starts_at < b.ends_at and b.starts_at < a.ends_at):
        return False
    if a.charger_id is None or b.charger_id is None:
        return True
    if a.charger_id != b.charger_id:
        return False
    return a.connector_id is None or b.connector_id is None or a.connector_id == b.connector_id


def _under_maintenance(windows: Iterable[MaintenanceWindow], connector: StationConnector, now: datetime) -> bool:
    return any(in_progress(w, now) and covers(w, connector) for w in windows)


def effective_status(station: Station, connector: StationConnector, now: datetime) -> ConnectorStatus:
    if station.lifecycle != "active" or _under_maintenance(station.maintenance, connector, now):
        return ConnectorStatus.UNAVAILABLE
    return connector.status


def is_available(station: Station, connector: StationConnector, now: datetime) -> bool:
    """Only ``Available`` counts: ``Unknown`` (never reported) or ``Preparing`` do not promise a free plug."""
    return effective_status(station, connector, now) is ConnectorStatus.AVAILABLE

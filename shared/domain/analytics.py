"""Analytics rollups: what one session adds to a day, how day figures add up, and connector time (pure).

Everything is in UTC: a *day* is ``YYYY-MM-DD`` of UTC time, an hour of the day is 0-23 UTC.

A **share** is one session's part of one day, re-derived whole from the session and payment documents
(never from an event's snapshot), so writing it again, in any order, gives the same result:

- ``sessions``, ``energyWh``, ``durationSeconds``: on the day the session stopped (a session counts
  once it is complete, like statements); ``starts``: on the day and hour it started;
- ``occupied``: the seconds the connector was taken (start to stop, idle included) in each hour;
- ``collected`` (hold captured + top-up, incl. VAT, minor units per currency) on the stop day;
  ``refunded`` on the day each refund went through;
- the hourly rollup: ``sessionsByHour`` and ``energyByHour`` (by the hour it stopped), ``collectedByHour``
  and ``refundedByHour`` (per currency), beside ``occupied`` and ``starts``; each a map from the hour of the
  day (``"00"``..``"23"``) to its value, holding only hours with one (a session's share stays small).

**Figures** are sums of shares plus connector time (``availableSeconds``: connectors x elapsed time less
maintenance; ``maintenanceSeconds``; ``downSeconds``: Faulted, Unavailable or Offline outside maintenance;
``faultedSeconds``; ``faults``: transitions into Faulted). They are plain JSON values (ints, and maps of
them per currency or hour, nested) that ``add`` sums key by key, so a parent sum never needs a schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = [
    "DOWN",
    "ConnectorDay",
    "add",
    "connector_day",
    "day_bounds",
    "day_of",
    "moment",
    "session_shares",
    "total",
]

DOWN = frozenset({"Faulted", "Unavailable", "Offline"})
HOUR = timedelta(hours=1)
Figures = dict[str, Any]


def moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value).astimezone(UTC)
    return None


def day_of(at: datetime) -> str:
    return at.astimezone(UTC).date().isoformat()


def day_bounds(day: str) -> tuple[datetime, datetime]:
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
    return start, start + timedelta(days=1)


def add(into: Figures, more: Mapping[str, Any]) -> Figures:
    """Add ``more`` to ``into`` key by key (ints, dicts of ints, lists of ints), in place; ``into`` back."""
    for key, value in more.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            into[key] = int(into.get(key, 0)) + value
        elif isinstance(value, dict):
            into[key] = add(dict(into.get(key) or {}), value)
        elif isinstance(value, list):
            mine = list(into.get(key) or [0] * len(value))
            into[key] = [a + b for a, b in zip(mine, value, strict=True)]
    return into


def total(parts: Iterable[Mapping[str, Any]]) -> Figures:
    out: Figures = {}
    for part in parts:
        add(out, part)
    return _drop_zeros(out)


def _drop_zeros(figures: Figures) -> Figures:
    """Zero entries are dropped, so that a sum and a recomputation of it compare equal however they came."""
    kept: Figures = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if v}
        if value and not (isinstance(value, list) and not any(value)):
            kept[key] = value
    return kept


def _share(shares: dict[str, Figures], day: str) -> Figures:
    return shares.setdefault(day, {})


def _spread(shares: dict[str, Figures], start: datetime, end: datetime) -> None:
    """The occupied seconds of [start, end) per day and hour."""
    at = start
    while at < end:
        hour_start = at.replace(minute=0, second=0, microsecond=0)
        upto = min(end, hour_start + HOUR)
        seconds = int((upto - at).total_seconds())
        if seconds:
            share = _share(shares, day_of(at))
            occupied = share.setdefault("occupied", {})
            occupied[_hour(at)] = occupied.get(_hour(at), 0) + seconds
            share["occupiedSeconds"] = share.get("occupiedSeconds", 0) + seconds
        at = upto


def _hour(at: datetime) -> str:
    return f"{at.hour:02d}"


def _at_hour(at: datetime, value: int) -> dict[str, int]:
    """An hourly figure: a map from the hour of the day ("00".."23") to the value, holding only hours with one."""
    return {_hour(at): value}


def session_shares(session: Mapping[str, Any], payment: Mapping[str, Any] | None) -> dict[str, Figures]:
    """What the session (stopped, with start and stop) and its payment record add to each day."""
    shares: dict[str, Figures] = {}
    started, stopped = moment(session.get("startedAt")), moment(session.get("stoppedAt"))
    if session.get("status") == "stopped" and started is not None and stopped is not None:
        stopped = max(stopped, started)
        stop_day = _share(shares, day_of(stopped))
        stop_day["sessions"] = 1
        stop_day["energyWh"] = max(0, int(session.get("energyWh") or 0))
        stop_day["durationSeconds"] = int((stopped - started).total_seconds())
        stop_day["sessionsByHour"] = _at_hour(stopped, 1)
        stop_day["energyByHour"] = _at_hour(stopped, stop_day["energyWh"])
        _share(shares, day_of(started))["starts"] = _at_hour(started, 1)
        _spread(shares, started, stopped)
        if payment is not None:
            currency = str(payment.get("currency"))
            collected = int(payment.get("capturedMinor") or 0) + int(payment.get("toppedUpMinor") or 0)
            if collected:
                stop_day["collected"] = {currency: collected}
                stop_day["collectedByHour"] = {currency: _at_hour(stopped, collected)}
            for refund in payment.get("refunds") or []:
                at = moment(refund.get("succeededAt") or refund.get("at"))
                if refund.get("status", "succeeded") != "succeeded" or at is None:
                    continue
                amount, share = int(refund.get("amountMinor") or 0), _share(shares, day_of(at))
                add(share, {"refunded": {currency: amount}, "refundedByHour": {currency: _at_hour(at, amount)}})
    return {day: _drop_zeros(share) for day, share in shares.items() if _drop_zeros(share)}


@dataclass(frozen=True)
class ConnectorDay:
    """One connector's day: its status at the start, its reports in the day, the maintenance windows on it."""

    start_status: str
    reports: list[tuple[datetime, str]]  # (at, status), any order
    windows: list[tuple[datetime, datetime]]


def _merged(
    windows: Iterable[tuple[datetime, datetime]], lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in windows if a < hi and b > lo)
    out: list[tuple[datetime, datetime]] = []
    for a, b in clipped:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _outside(a: datetime, b: datetime, windows: list[tuple[datetime, datetime]]) -> int:
    covered = sum(((min(b, y) - max(a, x)).total_seconds() for x, y in windows if x < b and y > a), 0.0)
    return int((b - a).total_seconds() - covered)


def connector_day(day: str, now: datetime, connector: ConnectorDay) -> tuple[Figures, str]:
    """Connector time of one day, counted up to ``now`` for the day in progress; and the status at its end."""
    lo, hi = day_bounds(day)
    hi = min(hi, now)
    reports = sorted((at, status) for at, status in connector.reports if lo <= at < day_bounds(day)[1])
    if hi <= lo:
        return {}, connector.start_status
    windows = _merged(connector.windows, lo, hi)
    maintenance = sum(int((b - a).total_seconds()) for a, b in windows)
    figures: Figures = {"availableSeconds": int((hi - lo).total_seconds()) - maintenance}
    figures["maintenanceSeconds"] = maintenance
    status, since = connector.start_status, lo
    marks = [(at, s) for at, s in reports if at < hi]
    for at, new in [*marks, (hi, "")]:
        if at > since:
            free = _outside(since, at, windows)
            if status in DOWN:
                figures["downSeconds"] = figures.get("downSeconds", 0) + free
            if status == "Faulted":
                figures["faultedSeconds"] = figures.get("faultedSeconds", 0) + free
        if new:
            if new == "Faulted" and status != "Faulted":
                figures["faults"] = figures.get("faults", 0) + 1
            status, since = new, max(since, at)
    end_status = reports[-1][1] if reports else connector.start_status
    return _drop_zeros(figures), end_status

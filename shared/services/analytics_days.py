"""Writing rollup documents: a station's day, a driver's month, and the provider and platform sums above them.

Each write re-derives its figures from what it stands on (session shares, the status log, the children's
figures) and overwrites, so repeating it changes nothing and the order of writes does not matter. A parent
sum is re-read after it is written: when a child changed meanwhile (a concurrent consumer), it is summed
again, so the last writer always leaves the sum of the children as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.analytics import ConnectorDay, add, connector_day, day_bounds, moment, total
from shared.domain.sessions import sortable_time
from shared.domain.stations import Station
from shared.repositories import rollups
from shared.repositories.rollups import day_id, month_id

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "DRIVER_KEYS",
    "connector_time",
    "put_driver_month",
    "put_station_day",
    "resum",
    "station_scope",
    "sum_station_day",
]

ATTEMPTS = 5
DRIVER_KEYS = ("sessions", "energyWh", "collected", "refunded")
Shares = Mapping[str, Mapping[str, Any]]


def station_scope(station_id: str) -> str:
    return f"station:{station_id}"


def _windows(station: Station, key: str) -> list[tuple[datetime, datetime]]:
    return [
        (w.starts_at, w.ends_at)
        for w in station.maintenance
        if w.charger_id is None or f"{w.charger_id}/{w.connector_id}" == key
    ]


async def connector_time(
    deps: Deps, station: Station, day: str, start: Mapping[str, str] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The station's connector time on ``day`` (up to now) and each connector's status at its end.

    ``start``: each connector's status when the day began (the day before's ``endStatus``); a connector it
    does not name is looked up in the status log."""
    lo, hi = day_bounds(day)
    if start is None:
        before = await rollups.read(
            deps.store, station_scope(station.id), day_id(station_scope(station.id), _prev(day))
        )
        start = (before or {}).get("endStatus") or {}
    reports: defaultdict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for doc in await rollups.statuses_between(deps.store, station.id, lo, hi):
        at = moment(doc.get("at"))
        if at is not None:
            reports[str(doc.get("connectorKey"))].append((at, str(doc.get("status"))))
    figures: dict[str, Any] = {}
    ends: dict[str, str] = {}
    now = deps.clock.now()
    for connector in station.connectors:
        key = connector.key
        first = start.get(key)
        if first is None:
            found = await rollups.status_before(deps.store, station.id, key, lo)
            first = str(found["status"]) if found else "Unknown"
        part, ends[key] = connector_day(day, now, ConnectorDay(first, reports.get(key, []), _windows(station, key)))
        add(figures, part)
    return total([figures]), ends


def _prev(day: str) -> str:
    return (day_bounds(day)[0] - timedelta(days=1)).date().isoformat()


async def put_station_day(
    deps: Deps,
    station: Station,
    day: str,
    shares: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    start: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Rewrite a station's day: ``shares`` maps the stored session shares to the new ones; the connector
    time is recomputed from the status log and the station's maintenance windows."""
    scope = station_scope(station.id)
    time, ends = await connector_time(deps, station, day, start)
    now = deps.clock.now()

    def build(current: dict[str, Any] | None) -> dict[str, Any] | None:
        sessions = shares(dict((current or {}).get("sessions") or {}))
        figures = total([*sessions.values(), time])
        doc = {"kind": "day", "scopeKind": "station", "stationId": station.id, "providerId": station.provider_id,
               "day": day, "sessions": sessions, "time": time, "endStatus": ends, "figures": figures}  # fmt: skip
        if current is not None and all(current.get(k) == v for k, v in doc.items()):
            return None
        return {**doc, "updatedAt": sortable_time(now), "pendingSum": True}

    return await rollups.change(deps.store, scope, day_id(scope, day), build)


async def sum_station_day(deps: Deps, station: Station, day: str) -> None:
    """The provider's and platform's day summed again after a station day changed (``pendingSum``, cleared
    after: a crash in between leaves the flag, so a redelivery sums again; an unchanged day is not summed)."""
    scope = station_scope(station.id)
    current = await rollups.read(deps.store, scope, day_id(scope, day))
    if current is None or not current.get("pendingSum"):
        return
    await rollups.put_part(deps.store, f"provider:{station.provider_id}", day, scope, current.get("figures") or {})
    await resum(deps, day, [station.provider_id])
    await rollups.change(
        deps.store,
        scope,
        day_id(scope, day),
        lambda cur: {**cur, "pendingSum": False} if cur and cur.get("pendingSum") else None,
    )


async def put_driver_month(
    deps: Deps, user_id: str, month: str, shares: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """Rewrite a driver's month: ``shares`` maps the stored ``{sessionId: {day: share}}`` to the new ones."""
    scope = f"driver:{user_id}"
    now = deps.clock.now()

    def build(current: dict[str, Any] | None) -> dict[str, Any] | None:
        sessions = {k: v for k, v in shares(dict((current or {}).get("sessions") or {})).items() if v}
        by_day: defaultdict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for days in sessions.values():
            for day, share in days.items():
                by_day[day].append(share)
        doc = {"kind": "month", "scopeKind": "driver", "userId": user_id, "month": month, "day": f"{month}-01",
               "sessions": sessions, "days": {d: total(v) for d, v in sorted(by_day.items())}}  # fmt: skip
        if current is not None and all(current.get(k) == v for k, v in doc.items()):
            return None
        return {**doc, "updatedAt": sortable_time(now)}

    await rollups.change(deps.store, scope, month_id(scope, month), build)


def driver_share(share: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in share.items() if k in DRIVER_KEYS}


async def resum(deps: Deps, day: str, provider_ids: Iterable[str]) -> None:
    """The providers' day documents summed again from their stations' parts, each copied into the platform's
    partition, and the platform's day summed again from those."""
    for provider_id in sorted(set(provider_ids)):
        scope = f"provider:{provider_id}"
        figures = await _resum(deps, scope, day, {"providerId": provider_id})
        await rollups.put_part(deps.store, "platform", day, scope, figures)
    await _resum(deps, "platform", day, {})


async def _resum(deps: Deps, scope: str, day: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Sum ``scope``'s parts of ``day`` into its day document; summed again while a part changes meanwhile."""
    figures = total(await rollups.children(deps.store, scope, day))
    for _ in range(ATTEMPTS):
        doc: dict[str, Any] = {"kind": "day", "scopeKind": scope.split(":")[0], "day": day, "figures": figures, **extra}
        await rollups.change(deps.store, scope, day_id(scope, day), _overwrite(doc, deps.clock.now()))
        again = total(await rollups.children(deps.store, scope, day))
        if again == figures:
            break
        figures = again
    return figures


def _overwrite(doc: dict[str, Any], now: datetime) -> Callable[[dict[str, Any] | None], dict[str, Any] | None]:
    def build(current: dict[str, Any] | None) -> dict[str, Any] | None:
        if current is not None and current.get("figures") == doc["figures"]:
            return None
        return {**doc, "updatedAt": sortable_time(now)}

    return build

"""The nightly run: rebuild the rollups of the last days from the source documents, overwriting them.

Per station: its sessions stopped since the first day (a paged, projected query of its partition), the
payment records of its sessions stopped since then and of older ones updated since then (refunds; both read
once per provider, projected, and kept for that provider's stations only), and its status log day by day
(each day starting from the status the day before ended with). Each station day is rewritten whole; each
driver month keeps the shares of days outside the range and gets the others anew; then the providers' and
the platform's days are summed again. Meter samples are never read: a session's energy is its document's
``energyWh``, which billing uses too.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.analytics import day_bounds, session_shares
from shared.domain.sessions import sortable_time
from shared.domain.stations import Station
from shared.ports.store import DocumentNotFound, Filter, Query
from shared.repositories.rollups import PAGE, change, day_id, put_part, query_all
from shared.services.analytics_days import driver_share, put_driver_month, put_station_day, resum

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["RecomputeRun", "recompute", "recompute_recent"]

log = logging.getLogger("wattsup.analytics")
_SESSION_FIELDS = ("status", "startedAt", "stoppedAt", "energyWh", "userId", "providerId")
_PAYMENT_FIELDS = ("sessionId", "stationId", "currency", "capturedMinor", "toppedUpMinor", "refunds")


@dataclass
class RecomputeRun:
    first: str
    last: str
    stations: int = 0
    sessions: int = 0
    failed: list[str] = field(default_factory=list)


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


async def recompute_recent(deps: Deps) -> RecomputeRun:
    """The timer's run: the last ``ANALYTICS_RECOMPUTE_DAYS`` days, today included."""
    today = deps.clock.now().date()
    first = today - timedelta(days=deps.settings.analytics_recompute_days - 1)
    return await recompute(deps, first.isoformat(), today.isoformat())


Payments = dict[str, dict[str, dict[str, Any]]]  # station id -> session id -> projected record


async def _payments(deps: Deps, provider_id: str, since: str) -> tuple[Payments, Payments]:
    """The provider's payment records stopped since ``since``, and older ones updated since (two queries for
    all its stations: on SQLite each cross-partition query scans the table, so one per station would not do)."""
    base = (Filter("type", "eq", "payment"), Filter("providerId", "eq", provider_id))
    recent = await query_all(
        deps.store, Query((*base, Filter("stoppedAt", "ge", since)), limit=PAGE, fields=_PAYMENT_FIELDS), "payments"
    )
    older = await query_all(
        deps.store,
        Query(
            (*base, Filter("stoppedAt", "lt", since), Filter("updatedAt", "ge", since)),
            limit=PAGE,
            fields=_PAYMENT_FIELDS,
        ),
        "payments",
    )
    by_station: tuple[Payments, Payments] = (defaultdict(dict), defaultdict(dict))
    for found, docs in zip(by_station, (recent, older), strict=True):
        for p in docs:
            found[str(p.get("stationId"))][str(p["sessionId"])] = p
    return by_station


async def _station_shares(
    deps: Deps, station: Station, days: list[str], users: dict[str, str], payments: tuple[Payments, Payments]
) -> dict[str, dict[str, Any]]:
    """``{sessionId: {day: share}}`` for the days, from the station's sessions and payment records; each
    session's driver goes into ``users``."""
    since = sortable_time(day_bounds(days[0])[0])
    where = (Filter("type", "eq", "session"), Filter("stationId", "eq", station.id), Filter("stoppedAt", "ge", since))
    sessions = await query_all(
        deps.store, Query(where, limit=PAGE, partition_key=station.id, fields=_SESSION_FIELDS), "sessions"
    )
    recent, older = payments[0].get(station.id, {}), payments[1].get(station.id, {})
    wanted = set(days)
    out: dict[str, dict[str, Any]] = {}
    for session in sessions:
        if isinstance(session.get("userId"), str):
            users[str(session["id"])] = str(session["userId"])
        shares = session_shares(session, recent.get(str(session["id"])))
        out[str(session["id"])] = {d: s for d, s in shares.items() if d in wanted}
    for session_id, payment in older.items():  # stopped before the range: only refunds can fall in it
        try:
            session = await deps.store.read("sessions", session_id, station.id)
        except DocumentNotFound:
            continue
        if isinstance(session.get("userId"), str):
            users[session_id] = str(session["userId"])
        shares = session_shares(session, payment)
        out[session_id] = {d: s for d, s in shares.items() if d in wanted}
    return out


async def recompute(deps: Deps, first: str, last: str) -> RecomputeRun:
    """Rebuild every rollup of the days ``first``..``last`` (UTC, inclusive)."""
    days = _days(first, last)
    run = RecomputeRun(first, last)
    users: dict[str, str] = {}
    drivers: defaultdict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    providers: set[str] = set()
    stations = await query_all(deps.store, Query((Filter("type", "eq", "station"),), limit=PAGE), "stations")
    stations.sort(key=lambda s: (str(s.get("providerId")), str(s["id"])))
    since = sortable_time(day_bounds(days[0])[0])
    payments: tuple[Payments, Payments] = ({}, {})
    loaded: str | None = None
    for raw in stations:
        station = Station.model_validate(raw)
        try:
            if loaded != station.provider_id:  # one provider's records at a time
                payments, loaded = await _payments(deps, station.provider_id, since), station.provider_id
            shares = await _station_shares(deps, station, days, users, payments)
            ends: dict[str, str] | None = None
            for day in days:
                mine = {sid: by_day[day] for sid, by_day in shares.items() if day in by_day}

                def put(_: dict[str, Any], mine: dict[str, Any] = mine) -> dict[str, Any]:
                    return mine

                doc = await put_station_day(deps, station, day, put, start=ends) or {}
                ends = doc.get("endStatus")
                await put_part(deps.store, f"provider:{station.provider_id}", day, f"station:{station.id}",
                               doc.get("figures") or {})  # fmt: skip
        except Exception:  # noqa: BLE001 - one station must not stop the others; the next night tries again
            log.exception("analytics: recomputing station %s failed", station.id)
            run.failed.append(station.id)
            continue
        providers.add(station.provider_id)
        run.stations += 1
        for session_id, by_day in shares.items():
            run.sessions += 1
            user = users.get(session_id)
            for day, share in by_day.items():
                if user is not None and driver_share(share):
                    drivers[(user, day[:7])].setdefault(session_id, {})[day] = driver_share(share)
    await _write_drivers(deps, drivers, set(days))
    for day in days:
        await resum(deps, day, providers)
    await _clear_pending(deps, stations, days)
    return run


async def _clear_pending(deps: Deps, stations: list[Any], days: list[str]) -> None:
    """Every station day of the range is summed into its provider's now: their flags go."""
    for raw in stations:
        scope = f"station:{raw['id']}"
        for day in days:
            await change(deps.store, scope, day_id(scope, day), _cleared)


def _cleared(current: dict[str, Any] | None) -> dict[str, Any] | None:
    return {**current, "pendingSum": False} if current is not None and current.get("pendingSum") else None


async def _write_drivers(deps: Deps, drivers: dict[tuple[str, str], dict[str, Any]], days: set[str]) -> None:
    for (user, month), sessions in sorted(drivers.items()):

        def put(stored: dict[str, Any], sessions: dict[str, Any] = sessions) -> dict[str, Any]:
            kept = {sid: {d: s for d, s in by_day.items() if d not in days} for sid, by_day in stored.items()}
            for sid, by_day in sessions.items():
                kept[sid] = {**kept.get(sid, {}), **by_day}
            return {sid: by_day for sid, by_day in kept.items() if by_day}

        await put_driver_month(deps, user, month, put)

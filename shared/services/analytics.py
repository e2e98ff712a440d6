"""The analytics subscriptions of ``session-events`` and ``billing-events``: keep the rollups up to date.

An event only says *which* session or connector changed. A session's shares are re-derived from its
session and payment documents as they are now, and written over what that session wrote before (its
``facts`` document names the days and months); a status report is added to the status log, and the days it
can change are recomputed from the log. So a redelivered, late or reordered event converges to the same
documents; ``process_once`` only saves the repeated work. The nightly run (``analytics_recompute``)
rebuilds the last days from the same sources.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.analytics import day_of, moment, session_shares
from shared.domain.billing import payment_id_for
from shared.domain.errors import DomainError
from shared.domain.messages import Message
from shared.domain.sessions import station_of_session
from shared.domain.stations import Station
from shared.ports.store import DocumentNotFound
from shared.repositories import rollups
from shared.repositories.stations import read_station
from shared.services.analytics_days import (
    driver_share,
    put_driver_month,
    put_station_day,
    station_scope,
    sum_station_day,
)
from shared.services.idempotency import process_once

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["CONSUMER", "handle", "on_event", "record_status", "refresh_session"]

CONSUMER = "analytics"
SESSION_TYPES = frozenset({"SessionStopped"})
STATUS_TYPES = frozenset({"ConnectorStatusChanged", "StationFaulted"})
BILLING_TYPES = frozenset({"PaymentCaptured", "RefundIssued", "PaymentReleased", "PaymentFailed"})
MAX_STATUS_DAYS = 62  # a late report is followed this far at most; the nightly run covers the rest


async def on_event(deps: Deps, message: Message) -> str:
    """Either topic's message, processed once per message id (the work is safe to repeat anyway)."""
    if message.type not in SESSION_TYPES | STATUS_TYPES | BILLING_TYPES:
        return "ignored"
    ran, outcome = await process_once(deps.store, deps.clock, CONSUMER, message.id, lambda: handle(deps, message))
    return (outcome or "done") if ran else "duplicate"


async def handle(deps: Deps, message: Message) -> str:
    body = message.body
    if message.type in STATUS_TYPES:
        at = moment(body.get("at")) or message.occurred_at
        key, status = str(body.get("connectorKey")), str(body.get("status") or "Faulted")
        await record_status(deps, str(message.tenant_id), str(body.get("stationId")), key, status, at)
        return "status recorded"
    session_id = body.get("sessionId")
    if not isinstance(session_id, str):
        return "ignored"
    return await refresh_session(deps, session_id)


async def _station(deps: Deps, provider_id: str, station_id: str) -> Station | None:
    try:
        return await read_station(deps.store, provider_id, station_id)
    except DomainError:
        return None


async def refresh_session(deps: Deps, session_id: str) -> str:
    """Write the session's shares over what it wrote before, then sum the providers' and platform's days."""
    station_id = station_of_session(session_id)
    if station_id is None:
        return "ignored"
    try:
        session = await deps.store.read("sessions", session_id, station_id)
    except DocumentNotFound:
        return "ignored"
    station = await _station(deps, str(session.get("providerId")), station_id)
    if station is None:
        return "ignored"
    user_id = session.get("userId")
    payment = None
    if isinstance(user_id, str):
        try:
            payment = await deps.store.read("payments", payment_id_for(session_id), user_id)
        except DocumentNotFound:
            payment = None
    shares = session_shares(session, payment)
    scope = station_scope(station_id)
    facts = await rollups.read(deps.store, scope, f"facts:{session_id}") or {}
    days = sorted(set(facts.get("days") or []) | shares.keys())
    for day in days:

        def put(sessions: dict[str, Any], day: str = day) -> dict[str, Any]:
            if day in shares:
                return {**sessions, session_id: shares[day]}
            return {k: v for k, v in sessions.items() if k != session_id}

        await put_station_day(deps, station, day, put)
    await _driver(deps, session_id, user_id if isinstance(user_id, str) else None, shares, facts)
    new_facts = {"kind": "facts", "days": sorted(shares), "userId": user_id,
                 "months": sorted({d[:7] for d in shares}) if isinstance(user_id, str) else []}  # fmt: skip
    await rollups.change(
        deps.store, scope, f"facts:{session_id}", lambda cur: None if _same(cur, new_facts) else new_facts
    )
    for day in days:
        await sum_station_day(deps, station, day)
    return "session written"


def _same(current: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    return current is not None and all(current.get(k) == v for k, v in new.items())


async def _driver(
    deps: Deps, session_id: str, user_id: str | None, shares: dict[str, Any], facts: dict[str, Any]
) -> None:
    old_user = facts.get("userId")
    if isinstance(old_user, str) and old_user != user_id:  # never in practice: a session keeps its driver
        for month in facts.get("months") or []:
            await put_driver_month(deps, old_user, month, lambda s: {k: v for k, v in s.items() if k != session_id})
    if user_id is None:
        return
    months = set(facts.get("months") or []) | {d[:7] for d in shares}
    for month in sorted(months):
        mine = {d: driver_share(s) for d, s in shares.items() if d.startswith(month) and driver_share(s)}

        def put(sessions: dict[str, Any], mine: dict[str, Any] = mine) -> dict[str, Any]:
            return {**sessions, session_id: mine}

        await put_driver_month(deps, user_id, month, put)


async def record_status(deps: Deps, provider_id: str, station_id: str, key: str, status: str, at: datetime) -> None:
    """Add a connector's report to the status log and recompute the station's days it can change: from its
    day to the day of the connector's next report (or today)."""
    await rollups.add_status(deps.store, station_id, key, at, status)
    station = await _station(deps, provider_id, station_id)
    if station is None:
        return
    following = await rollups.status_after(deps.store, station_id, key, at)
    until = moment(following["at"]) if following else None
    last = min(until or deps.clock.now(), deps.clock.now(), at + timedelta(days=MAX_STATUS_DAYS))
    day, end = at, max(last, at)
    while day_of(day) <= day_of(end):
        await put_station_day(deps, station, day_of(day), lambda s: s)
        await sum_station_day(deps, station, day_of(day))
        day += timedelta(days=1)

"""Charging sessions: start from the app, stop, the live view, lists, and closing a session.

Start from the app: the driver picks a connector; the connector's claim
(``shared.repositories.sessions``) is taken under its ETag so that of any number
of concurrent starts exactly one gets a session; the session is stored
``pending`` and RemoteStartTransaction goes to the charger with the driver's app
idTag. The charger's StartTransaction makes it ``active``
(``shared.services.ocpp_transactions``); a refusal, no answer, or no
StartTransaction within SESSION_START_TIMEOUT_SECONDS makes it ``failed``.

Events (DESIGN section 5) are written into the session document together with
the state change that causes them (``pendingEvents``, an outbox), then
published; the sweep timer publishes whatever a crash left behind. Their ids
are derived from the change, so a second publication is dropped downstream.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from shared import telemetry
from shared.domain.availability import effective_status
from shared.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from shared.domain.messages import Message
from shared.domain.metering import Reading, reconcile
from shared.domain.pricing import Cost, UsagePeriod, price_session
from shared.domain.principal import PROVIDER_ROLES, Principal, Role, guard
from shared.domain.sessions import (
    ChargingSession,
    MeterSample,
    Money,
    SessionStart,
    SessionView,
    session_id_for,
)
from shared.domain.stations import ConnectorStatus, Station, StationConnector
from shared.domain.tariffs import TariffVersion
from shared.ports.store import DocumentConflict, DocumentStore, Filter, PreconditionFailed
from shared.repositories import sessions as repo
from shared.repositories.stations import get_station
from shared.repositories.tariffs import get_tariff_version
from shared.services import billing, promo_redemptions
from shared.services.app_tags import ensure_app_tag
from shared.services.charger_commands import CommandAction, CommandRecord, on_outcome, send_command
from shared.services.events import publish_session_event, session_event
from shared.services.outbox import clear_published, publish_in_order

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "ATTEMPTS",
    "change_session",
    "claim_connector",
    "fail_start",
    "failed",
    "connector_tariff",
    "finish",
    "flush_events",
    "list_provider_sessions",
    "list_user_sessions",
    "load_terms",
    "may_see_session",
    "request_stop",
    "running_cost",
    "session_event_of",
    "start_from_app",
    "view",
    "view_session",
]

log = logging.getLogger(__name__)
ATTEMPTS = 8  # read-change-replace rounds under an ETag before giving up
CLAIM_GRACE = timedelta(seconds=60)  # how long a claim may name a session not written yet
STARTABLE = {ConnectorStatus.AVAILABLE, ConnectorStatus.PREPARING, ConnectorStatus.RESERVED}
Change = Callable[[ChargingSession], ChargingSession | None]


# ---- storing changes with their events ---------------------------------------------------------


def session_event_of(session: ChargingSession, type_: str, at: datetime, *key: object, **extra: Any) -> Message:
    body = {
        "sessionId": session.id,
        "stationId": session.station_id,
        "connectorKey": session.connector_key,
        "chargerId": session.charger_id,
        "userId": session.user_id,
        "status": session.status,
        "origin": session.origin,
        "transactionId": session.transaction_id,
        "energyWh": session.energy_wh,
        "idleSeconds": session.idle_total(at),
        "durationSeconds": session.duration(at),
        "currency": session.currency,
        "costTotal": None if session.cost_total is None else str(session.cost_total),
        "tariffId": session.tariff_id,
        "tariffVersion": session.tariff_version,
        **extra,
    }
    return session_event(type_, body, tenant_id=session.provider_id, key=(session.id, *key), occurred_at=at)


def _with_events(session: ChargingSession, events: list[Message]) -> ChargingSession:
    if not events:
        return session
    pending = [*session.pending_events, *(e.model_dump(mode="json", by_alias=True) for e in events)]
    return session.model_copy(update={"pending_events": pending, "has_pending_events": True})


async def flush_events(deps: Deps, session: ChargingSession) -> ChargingSession:
    """Publish the session's outbox, then clear what was published (a lost race leaves it to the sweep)."""
    if not session.pending_events:
        return session

    async def publish(raw: dict[str, Any]) -> None:
        await publish_session_event(deps, Message.model_validate(raw))

    async def save(s: ChargingSession, left: list[dict[str, Any]]) -> ChargingSession:
        return await repo.save_session(
            deps.store, s.model_copy(update={"pending_events": left, "has_pending_events": bool(left)})
        )

    async def reread(s: ChargingSession) -> ChargingSession | None:
        return await repo.find_session(deps.store, s.id)

    published = await publish_in_order(session.pending_events, publish, message_id=_raw_id, owner=session.id)
    return await clear_published(
        session, published, entries=lambda s: s.pending_events, message_id=_raw_id, save=save, reread=reread
    )


def _raw_id(raw: dict[str, Any]) -> str:
    return str(raw["id"])


async def change_session(
    deps: Deps,
    session_id: str,
    change: Callable[[ChargingSession], tuple[ChargingSession, list[Message]] | None],
) -> ChargingSession | None:
    """Apply ``change`` under the session's ETag (retried), store its events with it, then publish them.

    ``change`` returns None for "nothing to do". Returns the stored session, or None if there is none.
    """
    for _ in range(ATTEMPTS):
        session = await repo.find_session(deps.store, session_id)
        if session is None:
            return None
        outcome = change(session)
        if outcome is None:
            return session
        changed, events = outcome
        changed = _with_events(changed, events).model_copy(update={"updated_at": deps.clock.now()})
        try:
            stored = await repo.save_session(deps.store, changed)
        except PreconditionFailed:
            continue
        _observe(session, stored)
        return await flush_events(deps, stored) if events else stored
    raise Conflict("The session kept changing; try again.", code="session_busy")


def _observe(before: ChargingSession, after: ChargingSession) -> None:
    """Metrics of a state change just stored: once, since only the writer whose ETag won gets here.

    Every way a session fails or closes (``_fail``, a lost connector, the sweep's timeout, ``finish``)
    goes through ``change_session``, so this is the one place that counts them."""
    if before.status == after.status:
        return
    if after.status == "failed":
        telemetry.sessions_failed(after.failure_reason or "unknown")
    elif after.status == "stopped":
        telemetry.sessions_stopped(after.stop_reason or "unknown", after.energy_wh)


# ---- starting from the app ---------------------------------------------------------------------


def _connector(station: Station, connector_key: str) -> StationConnector:
    found = next((c for c in station.connectors if c.key == connector_key), None)
    if found is None:
        raise NotFound("This station has no such connector.", code="connector_not_found")
    return found


async def connector_tariff(deps: Deps, station: Station, connector: StationConnector) -> TariffVersion | None:
    tariff_id = connector.tariff_id or station.tariff_id
    if tariff_id is None:
        return None
    return await get_tariff_version(deps.store, station.provider_id, tariff_id)


async def claim_connector(deps: Deps, station_id: str, connector_key: str, session_id: str, *, force: bool) -> bool:
    """Take the connector's claim for ``session_id``.

    Without ``force``: only if no live session holds it (one live session per connector, under
    concurrency). With ``force`` (the charger itself started a transaction there): always.

    The claim is taken before its session document is written, so a claim whose session does not
    exist yet is held, not free, for ``CLAIM_GRACE``: only then is it a start that died half-way.
    """
    for _ in range(ATTEMPTS):
        claim = await repo.claim_of(deps.store, station_id, connector_key)
        if claim is not None and claim.session_id == session_id:
            return True
        if claim is not None and not force:
            holder = await repo.find_session(deps.store, claim.session_id)
            if holder is not None and holder.live:
                return False
            if holder is None and deps.clock.now() - claim.claimed_at < CLAIM_GRACE:
                return False
        if await repo.put_claim(deps.store, station_id, connector_key, session_id, deps.clock.now(), claim):
            return True
    return False


async def _looks_free(deps: Deps, station_id: str, connector_key: str) -> bool:
    """No live session holds the connector's claim right now (a read, no write: the claim decides races)."""
    claim = await repo.claim_of(deps.store, station_id, connector_key)
    if claim is None:
        return True
    holder = await repo.find_session(deps.store, claim.session_id)
    if holder is None:
        return deps.clock.now() - claim.claimed_at >= CLAIM_GRACE
    return not holder.live


async def _refuse_if_reserved(deps: Deps, connector_key: str, user_id: str, now: datetime) -> str | None:
    from shared.services.reservations import reservation_holding

    held = await reservation_holding(deps, connector_key, now)
    if held is None:
        return None
    if held.user_id != user_id:
        raise Conflict("This connector is reserved for another driver right now.", code="connector_reserved")
    return held.id


async def start_from_app(deps: Deps, who: Principal | None, cmd: SessionStart) -> ChargingSession:
    user = guard.role(who, Role.DRIVER)
    now = deps.clock.now()
    station = await get_station(deps.store, cmd.station_id)
    if station.lifecycle != "active" or not station.provider_active:
        raise NotFound("No such station.", code="station_not_found")
    connector = _connector(station, cmd.connector_key)
    status = effective_status(station, connector, now)
    if status not in STARTABLE:
        raise Conflict(
            f"This connector cannot start now: it is {status.value}.",
            code="connector_unavailable",
            connectorStatus=status.value,
        )
    tariff = await connector_tariff(deps, station, connector)
    if tariff is None:
        raise Conflict(
            "This connector has no price yet, so it cannot be started from the app.", code="connector_not_priced"
        )
    reservation_id = await _refuse_if_reserved(deps, connector.key, user.user_id, now)
    if status is ConnectorStatus.RESERVED and reservation_id is None:
        raise Conflict("This connector is reserved at the charger.", code="connector_reserved")
    id_tag = await ensure_app_tag(deps.store, deps.clock, user.user_id)
    discount = None
    if cmd.promo_code is not None:
        discount = await promo_redemptions.redeem(
            deps, station.provider_id, cmd.promo_code,
            station_id=station.id, user_id=user.user_id, currency=tariff.currency, now=now,
        )  # fmt: skip
    session = ChargingSession(
        id=session_id_for(station.id, uuid.uuid4().hex[:16]),
        station_id=station.id,
        provider_id=station.provider_id,
        station_name=station.name,
        time_zone=station.time_zone,
        charger_id=connector.charger_id,
        connector_id=connector.connector_id,
        connector_key=connector.key,
        max_power_kw=connector.max_power_kw,
        user_id=user.user_id,
        id_tag=id_tag,
        origin="app",
        status="pending",
        caps=cmd.caps,
        reservation_id=reservation_id,
        tariff_id=tariff.tariff_id,
        tariff_version=tariff.version,
        currency=tariff.currency,
        discount=discount,
        requested_at=now,
        updated_at=now,
    )
    if not await _looks_free(deps, station.id, connector.key):
        raise Conflict("Someone is already charging at this connector.", code="connector_busy")
    # The hold comes next: a refused card refuses the start before the connector or the charger is involved.
    # (The look above only spares a hold for a start already known to lose; the claim below decides.)
    try:
        session, payment = await billing.place_hold(deps, user, session, tariff)
    except Exception:
        if discount is not None:
            await promo_redemptions.give_back(deps, station.provider_id, discount.code)
        raise
    try:
        if not await claim_connector(deps, station.id, connector.key, session.id, force=False):
            raise Conflict("Someone is already charging at this connector.", code="connector_busy")
        try:
            session = await repo.create_session(deps.store, session)
        except DocumentConflict as exc:  # an id drawn twice: practically never
            raise Conflict("Please try again.", code="session_conflict") from exc
    except Exception:
        await billing.release_hold(deps, payment, "start_refused")
        raise
    # counted once the session exists, so a start that then fails counts as started and failed
    telemetry.sessions_started(session.origin)
    try:
        command = await send_command(
            deps,
            connector.charger_id,
            CommandAction.remote_start_transaction,
            {"connectorId": connector.connector_id, "idTag": id_tag},
            subject={"sessionId": session.id, "stationId": station.id},
        )
    except DomainError as refusal:
        await fail_start(deps, session.id, "charger_offline")
        raise refusal
    stored = await change_session(
        deps, session.id, lambda s: (s.model_copy(update={"start_command_id": command.id}), []) if s.live else None
    )
    return stored or session


def failed(session: ChargingSession, reason: str, now: datetime) -> tuple[ChargingSession, list[Message]] | None:
    """The change that fails a start (a pending session only), with its SessionStopped."""
    if session.status != "pending":
        return None
    failed_now = session.model_copy(update={"status": "failed", "failure_reason": reason, "stopped_at": now})
    return failed_now, [session_event_of(failed_now, "SessionStopped", now, "failed")]


async def fail_start(deps: Deps, session_id: str, reason: str) -> ChargingSession | None:
    now = deps.clock.now()
    return await change_session(deps, session_id, lambda s: failed(s, reason, now))


@on_outcome(CommandAction.remote_start_transaction)
async def _remote_start_outcome(deps: Deps, record: CommandRecord) -> None:
    session_id = record.subject.get("sessionId")
    if session_id is None or record.status == "answered":
        return
    reason = {"rejected": "charger_rejected", "timed_out": "charger_no_answer"}.get(record.status, "charger_error")
    await fail_start(deps, session_id, reason)


@on_outcome(CommandAction.remote_stop_transaction)
async def _remote_stop_outcome(deps: Deps, record: CommandRecord) -> None:
    session_id = record.subject.get("sessionId")
    if session_id is None or record.status == "answered":
        return
    now = deps.clock.now()

    def refused(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.status != "active":
            return None
        noted = s.with_anomaly("remote_stop_refused", now, f"RemoteStopTransaction {record.status}")
        return noted.model_copy(update={"stop_requested_at": None, "stop_command_id": None}), []

    await change_session(deps, session_id, refused)


# ---- stopping ----------------------------------------------------------------------------------


def may_see_session(who: Principal | None, session: ChargingSession) -> Principal:
    """The driver of the session, the station's provider (staff or admin), or a platform admin; else 404."""
    user = guard.signed_in(who)
    if user.is_admin or (session.user_id is not None and user.user_id == session.user_id):
        return user
    if user.provider_id == session.provider_id and user.has_any(PROVIDER_ROLES):
        return user
    raise NotFound("No such charging session.", code="session_not_found")


async def request_stop(deps: Deps, session: ChargingSession, *, by: str) -> ChargingSession:
    """RemoteStopTransaction for an active session (idempotent); a pending one is cancelled."""
    now = deps.clock.now()
    if session.status == "pending":
        return await fail_start(deps, session.id, "cancelled") or session
    if session.status != "active" or session.transaction_id is None:
        return session
    if session.stop_requested_at is not None and now - session.stop_requested_at < timedelta(
        seconds=deps.settings.ocpp_command_timeout_seconds
    ):
        return session  # already asked: wait for the charger
    command = await send_command(
        deps,
        session.charger_id,
        CommandAction.remote_stop_transaction,
        {"transactionId": session.transaction_id},
        subject={"sessionId": session.id, "stationId": session.station_id},
    )

    def asked(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.status != "active":
            return None
        return s.model_copy(
            update={"stop_requested_at": now, "stop_requested_by": by, "stop_command_id": command.id}
        ), []

    return await change_session(deps, session.id, asked) or session


async def stop_from_app(deps: Deps, who: Principal | None, session_id: str) -> ChargingSession:
    session = await repo.find_session(deps.store, session_id)
    if session is None:
        raise NotFound("No such charging session.", code="session_not_found")
    user = may_see_session(who, session)
    if not session.live:
        raise Conflict(f"This session is already {session.status}.", code="session_not_live")
    by = "driver" if user.user_id == session.user_id else ("admin" if user.is_admin else "provider")
    return await request_stop(deps, session, by=by)


# ---- closing -----------------------------------------------------------------------------------


def usage_periods(session: ChargingSession, now: datetime) -> list[UsagePeriod]:
    """The session as the pricing function sees it: charging up to the idle start, then idle."""
    if session.started_at is None:
        return []
    end = session.stopped_at or now
    idle = session.idle_total(end)
    charging_end = max(session.started_at, end - timedelta(seconds=idle))
    power = None if session.power_w is None else Decimal(str(session.power_w)) / 1000
    periods = [UsagePeriod(session.started_at, charging_end, Decimal(session.energy_wh), "charging", power_kw=power)]
    if idle > 0:
        periods.append(UsagePeriod(charging_end, end, Decimal(0), "idle"))
    return periods


def running_cost(session: ChargingSession, terms: TariffVersion | None, now: datetime) -> Cost | None:
    if terms is None or session.started_at is None:
        return None
    return price_session(
        terms,
        usage_periods(session, now),
        time_zone=session.time_zone,
        session_start=session.started_at,
        discount=None if session.discount is None else session.discount.pricing(),
    )


# Tariff versions never change once written, so a worker keeps the ones its sessions use (per store: tests
# run many stores in one process). A cost cap prices every MeterValues frame; this keeps that a cache hit.
_TERMS: WeakKeyDictionary[DocumentStore, dict[tuple[str, str, int], TariffVersion]] = WeakKeyDictionary()
_TERMS_SIZE = 1000


async def load_terms(deps: Deps, session: ChargingSession) -> TariffVersion | None:
    """The tariff version in force when the session started (None for an unpriced session)."""
    if session.tariff_id is None or session.tariff_version is None:
        return None
    key = (session.provider_id, session.tariff_id, session.tariff_version)
    cache = _TERMS.setdefault(deps.store, {})
    if key in cache:
        return cache[key]
    try:
        terms = await get_tariff_version(deps.store, *key)
    except NotFound:
        return None
    if len(cache) >= _TERMS_SIZE:
        cache.clear()
    cache[key] = terms
    return terms


async def finish(
    deps: Deps,
    session_id: str,
    *,
    stopped_at: datetime,
    reason: str,
    meter_stop_wh: int | None,
    review: str | None = None,
) -> ChargingSession | None:
    """Close an active session: energy reconciled from every stored sample (and meterStop), final cost,
    the connector's claim released, SessionStopped. Idempotent: a stopped session is returned as is."""
    first = await repo.find_session(deps.store, session_id)
    if first is None or first.status != "active":
        return first
    samples = await repo.samples_of(deps.store, session_id)
    readings = [Reading(at=s.at, register_wh=s.register_wh) for s in samples]
    terms = await load_terms(deps, first)
    now = deps.clock.now()

    def close(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.status != "active":
            return None
        start = s.meter_start_wh or 0
        state, anomalies = reconcile(start, s.started_at, readings, meter_stop_wh, stopped_at)
        end = max(stopped_at, s.started_at or stopped_at)
        idle_seconds = s.idle_total(end)
        closed = s.model_copy(
            update={
                "status": "stopped",
                "stopped_at": end,
                "stop_reason": reason,
                "meter_stop_wh": meter_stop_wh,
                "base_energy_wh": state.base_energy_wh,
                "base_register_wh": state.base_register_wh,
                "register_wh": state.register_wh,
                "register_at": state.register_at,
                "energy_wh": state.energy_wh,
                "idle_since": None,
                "idle_seconds": idle_seconds,
                "totals_at": now,
                "power_w": 0.0,
            }
        )
        for anomaly in anomalies:
            if anomaly.code not in ("late_sample",):
                closed = closed.with_anomaly(anomaly.code, anomaly.at, anomaly.detail)
        if review is not None:
            closed = closed.with_anomaly(review, end, "closed without StopTransaction").model_copy(
                update={"needs_review": True}
            )
        if any(a.code in ("meter_reset", "meter_stop_below_start", "register_not_monotonic") for a in closed.anomalies):
            closed = closed.model_copy(update={"needs_review": True})
        cost = running_cost(closed, terms, end)
        if cost is not None:
            closed = closed.model_copy(update={"cost_excl_vat": cost.excl_vat, "cost_total": cost.total})
        return closed, [session_event_of(closed, "SessionStopped", end, "stopped", reason=reason)]

    # The connector's claim needs no write: one naming a finished session is free (see claim_connector).
    return await change_session(deps, session_id, close)


# ---- reading -----------------------------------------------------------------------------------


def view(
    session: ChargingSession, latest: MeterSample | None, terms: TariffVersion | None, now: datetime
) -> SessionView:
    """The session as shown: the document's totals, moved forward by a newer sample when there is one."""
    live = session
    if (
        session.status == "active"
        and latest is not None
        and (session.register_at is None or latest.at > session.register_at)
    ):
        energy = latest.energy_wh if latest.energy_wh is not None else session.energy_wh
        live = session.model_copy(
            update={
                "energy_wh": max(session.energy_wh, energy),
                "power_w": latest.power_w if latest.power_w is not None else session.power_w,
                "current_a": latest.current_a if latest.current_a is not None else session.current_a,
                "soc": latest.soc if latest.soc is not None else session.soc,
            }
        )
    cost: Money | None = None
    if live.status == "stopped" and live.cost_total is not None and live.currency:
        cost = Money(amount=str(live.cost_total), currency=live.currency)
    elif live.status == "active":
        priced = running_cost(live, terms, now)
        if priced is not None:
            cost = Money(amount=str(priced.total), currency=priced.currency)
    power = live.power_w if live.status == "active" else None
    return SessionView(
        id=live.id,
        status=live.status,
        station_id=live.station_id,
        station_name=live.station_name,
        provider_id=live.provider_id,
        charger_id=live.charger_id,
        connector_id=live.connector_id,
        connector_key=live.connector_key,
        origin=live.origin,
        user_id=live.user_id,
        caps=live.caps,
        reservation_id=live.reservation_id,
        transaction_id=live.transaction_id,
        requested_at=live.requested_at,
        started_at=live.started_at,
        stopped_at=live.stopped_at,
        energy_kwh=str((Decimal(live.energy_wh) / 1000).quantize(Decimal("0.001"))),
        power_kw=None if power is None else round(power / 1000, 2),
        current_a=live.current_a if live.status == "active" else None,
        soc=live.soc,
        duration_seconds=live.duration(now),
        idle_seconds=live.idle_total(now),
        idle=live.status == "active" and live.idle_since is not None,
        cost=cost,
        tariff_id=live.tariff_id,
        tariff_version=live.tariff_version,
        discount=live.discount,
        cap_reached=live.cap_reached,
        stop_requested_at=live.stop_requested_at,
        stop_reason=live.stop_reason,
        failure_reason=live.failure_reason,
        anomalies=live.anomalies,
        needs_review=live.needs_review,
        review_id=live.review_id,
        updated_at=live.updated_at,
    )


async def view_session(deps: Deps, who: Principal | None, session_id: str) -> SessionView:
    session = await repo.find_session(deps.store, session_id)
    if session is None:
        raise NotFound("No such charging session.", code="session_not_found")
    may_see_session(who, session)
    latest = await repo.latest_sample(deps.store, session.id) if session.status == "active" else None
    terms = await load_terms(deps, session) if session.status == "active" else None
    return view(session, latest, terms, deps.clock.now())


async def _views(deps: Deps, sessions: list[ChargingSession], now: datetime) -> list[SessionView]:
    """List items: an active session's cost so far from its totals (the tariff versions are cached)."""
    return [view(s, None, await load_terms(deps, s) if s.status == "active" else None, now) for s in sessions]


async def list_user_sessions(
    deps: Deps, who: Principal | None, *, limit: int, continuation: str | None
) -> tuple[list[SessionView], str | None]:
    user = guard.signed_in(who)
    sessions, token = await repo.query_sessions(
        deps.store, (Filter("userId", "eq", user.user_id),), limit=limit, continuation=continuation
    )
    now = deps.clock.now()
    return await _views(deps, sessions, now), token


async def list_provider_sessions(
    deps: Deps,
    who: Principal | None,
    provider_id: str,
    *,
    station_id: str | None,
    status: str | None,
    limit: int,
    continuation: str | None,
) -> tuple[list[SessionView], str | None]:
    guard.tenant(who, provider_id)
    filters: tuple[Filter, ...] = (Filter("providerId", "eq", provider_id),)
    if status is not None:
        if status not in ("pending", "active", "stopped", "failed"):
            raise InvalidInput("status is pending, active, stopped or failed.", code="invalid_status")
        filters = (*filters, Filter("status", "eq", status))
    sessions, token = await repo.query_sessions(
        deps.store, filters, station_id=station_id, limit=limit, continuation=continuation
    )
    now = deps.clock.now()
    return await _views(deps, sessions, now), token

"""StartTransaction, MeterValues and StopTransaction: where charging sessions meet the charger.

Every handler is idempotent on the frame's content (chargers retry a call that
got no answer), and accepts late frames from a charger that was offline: it
may send StartTransaction for a tag it authorised from its local list, hours
old MeterValues and a StopTransaction, all with past timestamps.

The per-frame cost of MeterValues follows DESIGN section 11: one point read of
the transaction index (cached in the worker: it never changes), one point read
of the session (conditional: If-None-Match on the ETag of the copy the worker
keeps, so an unchanged session sends no body and is not parsed again), one small
insert per reading. The session document is written only when its running
totals are due (SESSION_TOTALS_INTERVAL_SECONDS) or something changed state: a
cap reached, idle started or ended, an anomaly.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared import telemetry
from shared.domain.messages import Message
from shared.domain.metering import EnergyState, Reading, advance, ocpp_instant, parse_meter_values
from shared.domain.sessions import (
    ChargingSession,
    MeterSample,
    TransactionIndex,
    json_time,
    sample_body,
    session_id_for,
    sortable_time,
)
from shared.domain.stations import ConnectorStatus, Station
from shared.ocpp.actions import Action
from shared.ports.store import DocumentConflict, Filter, Query
from shared.repositories import sessions as repo
from shared.repositories.chargers import find_charger
from shared.repositories.stations import read_station
from shared.services import sessions as svc
from shared.services.events import publish_session_event, session_event
from shared.services.ocpp_authorize import TagVerdict, authorize_tag
from shared.services.ocpp_handlers import OcppContext, ocpp_time, router
from shared.services.transaction_ids import next_transaction_id

if TYPE_CHECKING:
    from shared.bootstrap import Deps
    from shared.domain.chargers import Charger

__all__ = ["IDLE_POWER_W", "SAMPLE_TTL_SECONDS", "ingest", "on_connector_status"]

log = logging.getLogger(__name__)
IDLE_POWER_W = 50.0  # below this a plugged-in car is not charging (parking time starts)
SAMPLE_TTL_SECONDS = 90 * 86400  # raw samples: METER_SAMPLE_RETENTION_DAYS' default (meter_history keeps the rest)
IDLE_STATUSES = {ConnectorStatus.SUSPENDED_EV, ConnectorStatus.SUSPENDED_EVSE, ConnectorStatus.FINISHING}


def _at(payload: dict[str, Any]) -> datetime:
    return ocpp_instant(payload["timestamp"])


def _id_tag_info(verdict: TagVerdict | str) -> dict[str, Any]:
    if isinstance(verdict, str):
        return {"status": verdict}
    info: dict[str, Any] = {"status": verdict.status}
    if verdict.expiry is not None:
        info["expiryDate"] = ocpp_time(verdict.expiry)
    return info


# ---- StartTransaction --------------------------------------------------------------------------


def _start_key(charger_id: str, payload: dict[str, Any]) -> str:
    raw = "|".join(
        (
            charger_id,
            str(payload["connectorId"]),
            payload["idTag"].upper(),
            sortable_time(_at(payload)),
            str(payload["meterStart"]),
        )
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


async def _pending_app_session(deps: Deps, station_id: str, connector_key: str, id_tag: str) -> ChargingSession | None:
    page = await deps.store.query(
        "sessions",
        Query(
            (
                Filter("stationId", "eq", station_id),
                Filter("type", "eq", "session"),
                Filter("connectorKey", "eq", connector_key),
                Filter("status", "eq", "pending"),
                Filter("idTag", "eq", id_tag),
            ),
            partition_key=station_id,
            limit=5,
        ),
    )
    found = [ChargingSession.model_validate(d) for d in page.items]
    return max(found, key=lambda s: s.requested_at) if found else None


def _started(
    session: ChargingSession, transaction_id: int, start_key: str, payload: dict[str, Any], status: str
) -> ChargingSession:
    at, meter_start = _at(payload), payload["meterStart"]
    return session.model_copy(
        update={
            "status": "active",
            "transaction_id": transaction_id,
            "start_key": start_key,
            "started_at": at,
            "meter_start_wh": meter_start,
            "base_energy_wh": 0,
            "base_register_wh": meter_start,
            "register_wh": meter_start,
            "register_at": at,
            "authorization": status,
        }
    )


async def _reservation_verdict(
    deps: Deps, connector_key: str, user_id: str | None, payload: dict[str, Any]
) -> tuple[str | None, bool]:
    """(the reservation this start uses, whether another driver holds the connector now)."""
    from shared.services.reservations import find_by_ocpp_id, reservation_holding

    if "reservationId" in payload:
        found = await find_by_ocpp_id(deps, connector_key, payload["reservationId"])
        if found is not None and found.user_id == user_id:
            return found.id, False
    held = await reservation_holding(deps, connector_key, _at(payload))
    if held is None:
        return None, False
    return (held.id, False) if held.user_id == user_id else (None, True)


@router.on(Action.start_transaction)
async def start_transaction(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    deps = ctx.deps
    charger = await find_charger(deps.store, ctx.charger_id)
    if charger is None:  # the socket outlived its charger: nothing to bill, but the charger needs an id
        return {"transactionId": await next_transaction_id(deps.store, deps.clock), "idTagInfo": {"status": "Invalid"}}
    station = await read_station(deps.store, charger.provider_id, charger.station_id)
    connector_id: int = payload["connectorId"]
    connector_key = f"{charger.id}/{connector_id}"
    id_tag = payload["idTag"].upper()
    start_key = _start_key(charger.id, payload)

    existing = await repo.session_by_start_key(deps.store, station.id, start_key)
    if existing is not None and existing.transaction_id is not None:  # a retried StartTransaction
        await _index(deps, existing, charger)
        return {"transactionId": existing.transaction_id, "idTagInfo": {"status": existing.authorization}}

    pending = await _pending_app_session(deps, station.id, connector_key, id_tag)
    verdict: TagVerdict | str
    if pending is not None:
        verdict = "Accepted"
        user_id = pending.user_id
    else:
        verdict = await authorize_tag(deps.store, deps.clock, id_tag)
        user_id = verdict.user_id
    reservation_id, reserved_for_other = await _reservation_verdict(deps, connector_key, user_id, payload)
    if reserved_for_other:
        verdict = "Invalid"
    status = verdict if isinstance(verdict, str) else verdict.status
    transaction_id = await next_transaction_id(deps.store, deps.clock)
    now = deps.clock.now()

    session: ChargingSession | None = None
    if pending is not None:

        def activate(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
            if s.status != "pending":
                return None
            started = _started(s, transaction_id, start_key, payload, status)
            started = started.model_copy(update={"reservation_id": reservation_id or s.reservation_id})
            return started, [svc.session_event_of(started, "SessionStarted", started.started_at or now)]

        session = await svc.change_session(deps, pending.id, activate)
        if session is not None and session.start_key != start_key:
            session = None  # it failed or started otherwise meanwhile: record this start on its own
    if session is None:
        session = await _charger_session(deps, charger, station, connector_id, id_tag, user_id, start_key, payload)
        if session.transaction_id is None:
            session = await _activate_new(deps, session, transaction_id, start_key, payload, status, reservation_id)
            if session.transaction_id == transaction_id:  # this frame started it, not a concurrent retry
                telemetry.sessions_started(session.origin)
        await _take_connector(deps, session)
    if reserved_for_other:
        session = (
            await svc.change_session(
                deps,
                session.id,
                lambda s: (
                    s.with_anomaly("reserved_for_other", now, "started on a connector reserved for another driver"),
                    [],
                ),
            )
            or session
        )
    await _index(deps, session, charger)
    if session.reservation_id is not None:
        await _use_reservation(deps, session)
    return {"transactionId": session.transaction_id, "idTagInfo": _id_tag_info(verdict)}


async def _charger_session(
    deps: Deps,
    charger: Charger,
    station: Station,
    connector_id: int,
    id_tag: str,
    user_id: str | None,
    start_key: str,
    payload: dict[str, Any],
) -> ChargingSession:
    """A session the charger started (RFID, or a remote start whose pending session is gone)."""
    key = f"{charger.id}/{connector_id}"
    connector = next((c for c in station.connectors if c.key == key), None)
    tariff = None if connector is None else await svc.connector_tariff(deps, station, connector)
    now = deps.clock.now()
    session = ChargingSession(
        id=session_id_for(station.id, start_key[:16]),
        station_id=station.id,
        provider_id=station.provider_id,
        station_name=station.name,
        time_zone=station.time_zone,
        charger_id=charger.id,
        connector_id=connector_id,
        connector_key=key,
        max_power_kw=connector.max_power_kw if connector is not None else 0,
        user_id=user_id,
        id_tag=id_tag,
        origin="charger",
        status="pending",
        tariff_id=None if tariff is None else tariff.tariff_id,
        tariff_version=None if tariff is None else tariff.version,
        currency=None if tariff is None else tariff.currency,
        requested_at=_at(payload),
        updated_at=now,
    )
    try:
        return await repo.create_session(deps.store, session)
    except DocumentConflict:  # the same start, handled concurrently or before a crash
        return await repo.get_session(deps.store, session.id)


async def _activate_new(
    deps: Deps,
    session: ChargingSession,
    transaction_id: int,
    start_key: str,
    payload: dict[str, Any],
    status: str,
    reservation_id: str | None,
) -> ChargingSession:
    def activate(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.transaction_id is not None:
            return None
        started = _started(s, transaction_id, start_key, payload, status)
        started = started.model_copy(update={"reservation_id": reservation_id})
        return started, [svc.session_event_of(started, "SessionStarted", started.started_at or deps.clock.now())]

    return await svc.change_session(deps, session.id, activate) or session


async def _take_connector(deps: Deps, session: ChargingSession) -> None:
    """The charger is the truth about its plug: its session holds the connector; a pending app
    session that was waiting for it has lost."""
    previous = await repo.claim_of(deps.store, session.station_id, session.connector_key)
    await svc.claim_connector(deps, session.station_id, session.connector_key, session.id, force=True)
    if previous is not None and previous.session_id != session.id:
        await svc.fail_start(deps, previous.session_id, "connector_taken")


async def _index(deps: Deps, session: ChargingSession, charger: Charger) -> None:
    if session.transaction_id is None:
        return
    await repo.index_transaction(
        deps.store,
        TransactionIndex(
            id=f"txn:{session.transaction_id}",
            transaction_id=session.transaction_id,
            session_id=session.id,
            station_id=session.station_id,
            charger_id=charger.id,
        ),
    )


async def _use_reservation(deps: Deps, session: ChargingSession) -> None:
    from shared.services.reservations import mark_used, reservation_holding

    held = await reservation_holding(deps, session.connector_key, session.started_at or deps.clock.now())
    if held is not None and held.id == session.reservation_id:
        await mark_used(deps, held, session.id)


# ---- MeterValues -------------------------------------------------------------------------------


def _energy_state(session: ChargingSession) -> EnergyState:
    """Where the session's energy stood at its last written totals."""
    start = session.meter_start_wh or 0
    return EnergyState(
        session.base_energy_wh,
        session.base_register_wh if session.base_register_wh is not None else start,
        session.register_wh if session.register_wh is not None else start,
        session.register_at,
    )


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__
class NewSample:
    """A reading of this frame as stored: its values (what ``_totals`` and the caps read, as of a MeterSample)
    and ``doc``, the document ``MeterSample.model_dump(mode="json", exclude_none=True)`` would give, built
    without a model (``sample_body``): one per reading is the MeterValues hot path."""

    at: datetime
    register_wh: int | None
    energy_wh: int | None
    power_w: float | None
    current_a: float | None
    soc: float | None
    doc: dict[str, Any]


def _samples(
    session: ChargingSession, readings: Sequence[Reading], now: datetime, ttl: int | None = SAMPLE_TTL_SECONDS
) -> list[NewSample]:
    state = _energy_state(session)
    session_id = session.id
    received = json_time(now)
    samples: list[NewSample] = []
    for reading in sorted(readings, key=lambda r: r.at):
        state, _ = advance(state, reading)
        at = sortable_time(reading.at)
        energy = state.energy_wh if reading.register_wh is not None else None
        doc = sample_body(f"{session_id}:{at}:{reading.context}", session_id, at, reading.register_wh, energy,
                          reading.power_w, reading.current_a, reading.soc, reading.context, received, ttl)  # fmt: skip
        power, current, soc = doc.get("powerW"), doc.get("currentA"), doc.get("soc")  # as stored: floats
        samples.append(NewSample(reading.at, reading.register_wh, energy, power, current, soc, doc))
    return samples


def _cap(session: ChargingSession, energy_wh: int, cost: Decimal | None, now: datetime) -> str | None:
    caps = session.caps
    if caps.max_kwh is not None and Decimal(energy_wh) >= caps.max_kwh * 1000:
        return "kwh"
    limit, kind = session.cost_limit()
    if limit is not None and cost is not None and cost >= limit:
        return kind
    if caps.max_minutes is not None and session.duration(now) >= caps.max_minutes * 60:
        return "minutes"
    return None


def _totals(
    s: ChargingSession,
    fresh: Sequence[MeterSample | NewSample],
    late: Sequence[Reading],
    problems: Sequence[str],
    now: datetime,
    interval: int,
) -> tuple[ChargingSession, list[Message]]:
    """The session with ``fresh`` (every stored sample newer than its totals) applied, and the events that causes."""
    state = _energy_state(s)
    changed = s
    events: list[Message] = []
    for sample in fresh:
        reading = Reading(at=sample.at, register_wh=sample.register_wh)
        state, anomaly = advance(state, reading)
        if anomaly is not None:
            changed = changed.with_anomaly(anomaly.code, anomaly.at, anomaly.detail)
            if anomaly.code == "meter_reset":
                changed = changed.model_copy(update={"needs_review": True})
        changed = changed.model_copy(
            update={
                "power_w": sample.power_w if sample.power_w is not None else changed.power_w,
                "current_a": sample.current_a if sample.current_a is not None else changed.current_a,
                "soc": sample.soc if sample.soc is not None else changed.soc,
            }
        )
        changed = _idle_by_power(changed, sample, events)
    for reading in late:
        changed = changed.with_anomaly("late_sample", reading.at, "a reading arrived after a newer one")
    for problem in problems:
        changed = changed.with_anomaly("unreadable_value", now, problem)
    changed = changed.model_copy(
        update={
            "base_energy_wh": state.base_energy_wh,
            "base_register_wh": state.base_register_wh,
            "register_wh": state.register_wh,
            "register_at": state.register_at,
            "energy_wh": max(changed.energy_wh, state.energy_wh),
            "totals_at": now,
        }
    )
    bucket = int(now.timestamp()) // max(1, interval)
    events.append(
        svc.session_event_of(
            changed, "SessionProgressed", now, "progress", bucket, powerW=changed.power_w, soc=changed.soc
        )
    )
    return changed, events


def _idle_by_power(s: ChargingSession, sample: MeterSample | NewSample, events: list[Message]) -> ChargingSession:
    if sample.power_w is None:
        return s
    if sample.power_w <= IDLE_POWER_W and s.idle_since is None and s.energy_wh > 0:
        idle = s.model_copy(update={"idle_since": sample.at})
        events.append(svc.session_event_of(idle, "IdleStarted", sample.at, "idle", sortable_time(sample.at)))
        return idle
    if sample.power_w > IDLE_POWER_W and s.idle_since is not None:
        return _idle_ended(s, sample.at)
    return s


def _idle_ended(s: ChargingSession, at: datetime) -> ChargingSession:
    if s.idle_since is None:
        return s
    spent = max(0, int((at - s.idle_since).total_seconds()))
    return s.model_copy(update={"idle_since": None, "idle_seconds": s.idle_seconds + spent})


async def ingest(
    deps: Deps, session_id: str, readings: Sequence[Reading], problems: Sequence[str], *, closing: bool = False
) -> ChargingSession | None:
    """Store the readings of one frame as samples and move the session on when that is due."""
    session = await repo.current_session(deps.store, session_id)  # shared: only read here, never mutated
    if session is None:
        return None
    now = deps.clock.now()
    if session.status != "active":
        if readings and not closing:
            detail = f"MeterValues after the session was {session.status}; not counted"
            await svc.change_session(deps, session.id, lambda s: (s.with_anomaly("frame_after_stop", now, detail), []))
        return session
    ttl = deps.settings.meter_sample_retention_days * 86400  # METER_SAMPLE_RETENTION_DAYS
    samples = _samples(session, readings, now, ttl)
    stored = await repo.add_samples(deps.store, [sample.doc for sample in samples])
    added = [sample for sample, new in zip(samples, stored, strict=True) if new]
    if not added and not problems:
        return session  # every reading was a duplicate
    late = [
        r
        for r in readings
        if session.register_at is not None and r.at < session.register_at and r.register_wh is not None
    ]
    newest = max(added, key=lambda s: s.at) if added else None
    energy = max(session.energy_wh, max((s.energy_wh or 0 for s in added), default=0))
    cost = None
    if session.cost_limit()[0] is not None:
        terms = await svc.load_terms(deps, session)
        probe = session.model_copy(update={"energy_wh": energy})
        priced = svc.running_cost(probe, terms, now)
        cost = None if priced is None else priced.total
    cap = None if session.cap_reached else _cap(session, energy, cost, now)
    power_flip = (
        newest is not None
        and newest.power_w is not None
        and ((newest.power_w <= IDLE_POWER_W) != (session.idle_since is not None))
    )
    interval = deps.settings.session_totals_interval_seconds
    if closing or not (cap or late or problems or power_flip or session.totals_due(now, interval)):
        return session
    fresh: Sequence[MeterSample | NewSample] = (
        await repo.samples_of(deps.store, session.id, after=session.register_at) if session.register_at else added
    )

    def move(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.status != "active":
            return None
        newer = [f for f in fresh if s.register_at is None or f.at > s.register_at]
        changed, events = _totals(s, newer, late, problems, now, interval)
        if cap and changed.cap_reached is None:
            changed = changed.model_copy(update={"cap_reached": cap})
            events.append(svc.session_event_of(changed, "CapReached", now, "cap", cap=cap))
        return changed, events

    moved = await svc.change_session(deps, session.id, move)
    if cap and moved is not None and moved.status == "active" and moved.stop_command_id is None:
        try:
            moved = await svc.request_stop(deps, moved, by="cap")
        except Exception:  # noqa: BLE001 - offline: the sweep asks again; the frame is still acknowledged
            log.warning("could not ask %s to stop %s at its cap", moved.charger_id, moved.id, exc_info=True)
    return moved


@router.on(Action.meter_values)
async def meter_values(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    transaction_id = payload.get("transactionId")
    if transaction_id is None:
        return {}  # values outside a transaction (e.g. clock-aligned): no session to add them to
    index = await repo.find_transaction(ctx.deps.store, transaction_id)
    if index is None or index.charger_id != ctx.charger_id:
        log.warning("MeterValues from %s for unknown transaction %s", ctx.charger_id, transaction_id)
        return {}
    readings, problems = parse_meter_values(payload["meterValue"])
    await ingest(ctx.deps, index.session_id, readings, problems)
    return {}


# ---- StopTransaction ---------------------------------------------------------------------------


@router.on(Action.stop_transaction)
async def stop_transaction(ctx: OcppContext, payload: dict[str, Any]) -> dict[str, Any]:
    deps = ctx.deps
    reply: dict[str, Any] = {}
    if "idTag" in payload:
        reply["idTagInfo"] = _id_tag_info(await authorize_tag(deps.store, deps.clock, payload["idTag"]))
    index = await repo.find_transaction(deps.store, payload["transactionId"])
    if index is None or index.charger_id != ctx.charger_id:
        # Always acknowledged, so the charger can drop it from its queue; nothing to bill.
        log.warning("StopTransaction from %s for unknown transaction %s", ctx.charger_id, payload["transactionId"])
        return reply
    readings, problems = parse_meter_values(payload.get("transactionData", []))
    await ingest(deps, index.session_id, readings, problems, closing=True)
    at, meter_stop = _at(payload), payload["meterStop"]
    reason = payload.get("reason", "Local")
    session = await svc.finish(deps, index.session_id, stopped_at=at, reason=reason, meter_stop_wh=meter_stop)
    if session is not None and session.status == "stopped" and session.meter_stop_wh != meter_stop:
        # closed earlier without it (the timer, after the connector became Available): keep its word on record
        detail = f"StopTransaction arrived after the session was closed: meterStop {meter_stop} Wh, reason {reason}"
        now = deps.clock.now()
        await svc.change_session(
            deps,
            session.id,
            lambda s: (
                (s.with_anomaly("late_stop_transaction", now, detail).model_copy(update={"needs_review": True}), [])
                if s.meter_stop_wh is None
                else None
            ),
        )
    return reply


# ---- connector status --------------------------------------------------------------------------


async def on_connector_status(
    deps: Deps, charger: Charger, connector_id: int, status: ConnectorStatus, at: datetime, error_code: str
) -> None:
    """After a StatusNotification is stored: its events, and what it means for the session on the connector."""
    key = f"{charger.id}/{connector_id}"
    body = {"stationId": charger.station_id, "chargerId": charger.id, "connectorId": connector_id,
            "connectorKey": key, "status": status.value, "errorCode": error_code, "at": sortable_time(at)}  # fmt: skip
    events = [
        session_event(
            "ConnectorStatusChanged",
            body,
            tenant_id=charger.provider_id,
            key=(key, status.value, sortable_time(at)),
            occurred_at=at,
        )
    ]
    if status is ConnectorStatus.FAULTED:
        events.append(
            session_event(
                "StationFaulted", body, tenant_id=charger.provider_id, key=(key, sortable_time(at)), occurred_at=at
            )
        )
    for event in events:
        await publish_session_event(deps, event)
    claim = await repo.claim_of(deps.store, charger.station_id, key)
    if claim is None:
        return

    def follow(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.status != "active" or (s.started_at is not None and at < s.started_at):
            return None
        if status in IDLE_STATUSES and s.idle_since is None and s.energy_wh > 0:
            idle = s.model_copy(update={"idle_since": at})
            return idle, [svc.session_event_of(idle, "IdleStarted", at, "idle", sortable_time(at))]
        if status is ConnectorStatus.CHARGING and (s.idle_since is not None or s.available_since is not None):
            return _idle_ended(s, at).model_copy(update={"available_since": None}), []
        if status is ConnectorStatus.AVAILABLE and s.available_since is None:
            return _idle_ended(s, at).model_copy(update={"available_since": at}), []
        if status is ConnectorStatus.FAULTED:
            return s.with_anomaly("connector_faulted", at, f"the connector reported Faulted ({error_code})"), []
        return None

    await svc.change_session(deps, claim.session_id, follow)

"""The sessions' timer work: what no charger frame will trigger.

- a ``pending`` session whose charger never sent StartTransaction fails after
  SESSION_START_TIMEOUT_SECONDS (``start_timeout``);
- an ``active`` session whose connector has said Available for
  SESSION_STOP_GRACE_SECONDS without a StopTransaction is closed from its
  samples and flagged for review (``stop_missing``);
- a duration cap is reached without any frame arriving: stop it; a cap reached while the charger
  could not be asked to stop (offline, or it refused) is asked again on every run;
- an outbox a crash left behind is published.

Each step is idempotent (the state change is made under the session's ETag and
its events have derived ids), so two timer runs at once do no harm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.domain.messages import Message
from shared.domain.sessions import ChargingSession
from shared.ports.store import Filter, Query
from shared.services import sessions as svc

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["SweepReport", "sweep_sessions"]

log = logging.getLogger(__name__)
C = "sessions"
PAGE = 200


@dataclass
class SweepReport:
    failed: int = 0
    closed: int = 0
    capped: int = 0
    flushed: int = 0


async def _each(deps: Deps, *filters: Filter) -> list[ChargingSession]:
    found: list[ChargingSession] = []
    continuation: str | None = None
    while True:
        page = await deps.store.query(
            C, Query((Filter("type", "eq", "session"), *filters), limit=PAGE, continuation=continuation)
        )
        found.extend(ChargingSession.model_validate(d) for d in page.items)
        continuation = page.continuation
        if continuation is None:
            return found


async def sweep_sessions(deps: Deps) -> SweepReport:
    now, settings, report = deps.clock.now(), deps.settings, SweepReport()
    start_deadline = now - timedelta(seconds=settings.session_start_timeout_seconds)
    for session in await _each(deps, Filter("status", "eq", "pending")):
        if session.requested_at <= start_deadline:
            changed = await svc.fail_start(deps, session.id, "start_timeout")
            report.failed += changed is not None and changed.failure_reason == "start_timeout"
    grace = timedelta(seconds=settings.session_stop_grace_seconds)
    for session in await _each(deps, Filter("status", "eq", "active")):
        if session.available_since is not None and session.available_since + grace <= now:
            log.warning("closing %s: its connector is Available and no StopTransaction came", session.id)
            closed = await svc.finish(
                deps,
                session.id,
                stopped_at=session.available_since,
                reason="StopTransactionMissing",
                meter_stop_wh=None,
                review="stop_missing",
            )
            report.closed += closed is not None and closed.status == "stopped"
            continue
        caps = session.caps
        if session.cap_reached is not None and session.stop_command_id is None:
            await _ask_to_stop(deps, session)  # the charger was offline when the cap was reached, or refused
        elif caps.max_minutes is not None and session.duration(now) >= caps.max_minutes * 60:
            report.capped += await _duration_cap(deps, session)
    for session in await _each(deps, Filter("hasPendingEvents", "eq", True)):
        if now - session.updated_at >= timedelta(seconds=30):
            await svc.flush_events(deps, session)
            report.flushed += 1
    return report


async def _duration_cap(deps: Deps, session: ChargingSession) -> bool:
    now = deps.clock.now()

    def reached(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.status != "active" or s.cap_reached is not None:
            return None
        capped = s.model_copy(update={"cap_reached": "minutes"})
        return capped, [svc.session_event_of(capped, "CapReached", now, "cap", cap="minutes")]

    changed = await svc.change_session(deps, session.id, reached)
    if changed is None or changed.status != "active":
        return False
    await _ask_to_stop(deps, changed)
    return True


async def _ask_to_stop(deps: Deps, session: ChargingSession) -> None:
    try:
        await svc.request_stop(deps, session, by="cap")
    except Exception:  # noqa: BLE001 - the charger is offline: asked again on the next run
        log.warning("could not ask %s to stop %s at its cap", session.charger_id, session.id, exc_info=True)

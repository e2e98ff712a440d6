"""'Report a problem' on a station or a connector: the provider is told, the connector is marked suspect.

A connector is ``suspect`` on the station document (station detail and search read it there) exactly
while an open problem names it. A problem closes when the provider resolves it, or when a session at
that connector that started after the report stops with energy delivered (the ``reviews`` subscription
of ``session-events``). ``mark_suspects`` recomputes every mark of the station from its open problems,
read after the station and written under its ETag, always: repeating it is harmless, and of two
concurrent recomputes the one stored last read the problems last.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Literal

from shared.domain.errors import NotFound
from shared.domain.messages import Message
from shared.domain.principal import Principal, guard
from shared.domain.problem_reports import ProblemReport, ProblemReportCreate, ProblemResolve, problem_id_for
from shared.domain.sessions import sortable_time
from shared.domain.stations import Station
from shared.ports.store import PreconditionFailed
from shared.repositories import reviews as repo
from shared.repositories import sessions as session_repo
from shared.repositories.stations import change_station, read_station
from shared.services import stations
from shared.services.idempotency import process_once
from shared.services.reviews_outbox import flush, notification, queued

if TYPE_CHECKING:
    from datetime import datetime

    from shared.bootstrap import Deps

__all__ = ["CONSUMER", "list_problems", "mark_suspects", "on_session_event", "report_problem", "resolve_problem"]

CONSUMER = "reviews"  # the subscription name on session-events
ATTEMPTS = 30


def _missing() -> NotFound:
    return NotFound("No such problem report.", code="problem_not_found")


async def mark_suspects(deps: Deps, provider_id: str, station_id: str) -> Station:
    async def change(station: Station) -> Station:
        suspect = {p.connector_key for p in await repo.open_problems(deps.store, station_id) if p.connector_key}
        connectors = [c.model_copy(update={"suspect": c.key in suspect}) for c in station.connectors]
        return station.model_copy(update={"connectors": connectors})

    return await change_station(deps.store, provider_id, station_id, change, attempts=ATTEMPTS)


async def report_problem(deps: Deps, who: Principal | None, station_id: str, cmd: ProblemReportCreate) -> ProblemReport:
    user = guard.signed_in(who)
    station = await stations.read_station(station_id, who=who, deps=deps)
    if cmd.connector_key is not None and all(c.key != cmd.connector_key for c in station.connectors):
        raise NotFound("This station has no such connector.", code="connector_not_found")
    now = deps.clock.now()
    problem = ProblemReport(
        id=problem_id_for(station.id, uuid.uuid4().hex[:16]),
        station_id=station.id,
        provider_id=station.provider_id,
        station_name=station.name,
        connector_key=cmd.connector_key,
        kind=cmd.kind,
        text=cmd.text,
        user_id=user.user_id,
        created_at=now,
        created_key=sortable_time(now),
        updated_at=now,
    )
    body = {
        "providerId": station.provider_id,
        "stationId": station.id,
        "stationName": station.name,
        "problemId": problem.id,
        "connectorKey": cmd.connector_key,
        "problemKind": cmd.kind,
        "text": cmd.text,
    }
    message = notification("ProblemReported", (problem.id,), body, tenant_id=station.provider_id, at=now)
    stored = await repo.create_problem(deps.store, queued(problem, message))
    if stored.connector_key is not None:
        await mark_suspects(deps, stored.provider_id, stored.station_id)
    return await flush(deps, stored)


async def _close(
    deps: Deps, problem: ProblemReport, how: Literal["provider", "session_succeeded"], by: str, note: str, at: datetime
) -> ProblemReport:
    """Resolve under the problem's ETag (re-read on a race); one already resolved is returned as it is."""
    for _ in range(ATTEMPTS):
        if problem.status == "resolved":
            return problem
        resolved = problem.model_copy(
            update={
                "status": "resolved",
                "resolution": how,
                "resolved_by": by,
                "resolved_at": at,
                "resolution_note": note,
                "updated_at": at,
            }
        )
        if how == "provider":
            body: dict[str, object] = {"userId": problem.user_id, "stationId": problem.station_id}
            body["stationName"] = problem.station_name
            body |= {"problemId": problem.id, "connectorKey": problem.connector_key, "note": note}
            told = notification("ProblemResolved", (problem.id,), body, tenant_id=problem.provider_id, at=at)
            resolved = queued(resolved, told)
        try:
            return await repo.save_problem(deps.store, resolved)
        except PreconditionFailed:
            fresh = await repo.find_problem(deps.store, problem.id)
            if fresh is None:
                raise _missing() from None
            problem = fresh
    return problem


async def resolve_problem(deps: Deps, who: Principal | None, problem_id: str, cmd: ProblemResolve) -> ProblemReport:
    """The station's provider (admin or staff) resolves it; the connector's mark goes with its last open problem."""
    problem = await repo.find_problem(deps.store, problem_id)
    if problem is None:
        raise _missing()
    member = guard.tenant(who, problem.provider_id)
    stored = await _close(deps, problem, "provider", member.user_id, cmd.note, deps.clock.now())
    await mark_suspects(deps, stored.provider_id, stored.station_id)
    return await flush(deps, stored)


async def list_problems(
    deps: Deps,
    who: Principal | None,
    provider_id: str,
    *,
    status: Literal["open", "resolved"] | None,
    station_id: str | None,
    limit: int,
    continuation: str | None,
) -> tuple[list[ProblemReport], str | None]:
    guard.tenant(who, provider_id)
    return await repo.provider_problems(
        deps.store, provider_id, status=status, station_id=station_id, limit=limit, continuation=continuation
    )


async def _after_good_session(deps: Deps, session_id: str) -> int:
    """Close the open problems of the session's connector reported before it started; lift the mark."""
    session = await session_repo.find_session(deps.store, session_id)
    if session is None or session.status != "stopped" or session.energy_wh <= 0:
        return 0
    started = session.started_at or session.requested_at
    now = deps.clock.now()
    closed = 0
    for problem in await repo.open_problems(deps.store, session.station_id):
        if problem.connector_key == session.connector_key and problem.created_at < started:
            await _close(deps, problem, "session_succeeded", session.id, "", now)
            closed += 1
    # Most sessions close nothing: spare the station its write unless a mark may be stale (a redelivery).
    try:
        station = await read_station(deps.store, session.provider_id, session.station_id)
    except NotFound:
        return closed
    if closed or any(c.suspect for c in station.connectors if c.key == session.connector_key):
        await mark_suspects(deps, session.provider_id, session.station_id)
    return closed


async def on_session_event(deps: Deps, message: Message) -> str:
    """The ``reviews`` subscription of ``session-events``: a SessionStopped with energy clears suspects.

    Processed once per message id; the work itself is safe to repeat (closing is idempotent, the marks
    are recomputed), so a redelivery after a crash between the two changes nothing more."""
    body = message.body
    if message.type != "SessionStopped" or body.get("status") != "stopped":
        return "ignored"
    energy, session_id = body.get("energyWh"), body.get("sessionId")
    if not isinstance(energy, int) or energy <= 0 or not isinstance(session_id, str):
        return "ignored"
    ran, closed = await process_once(
        deps.store, deps.clock, CONSUMER, message.id, lambda: _after_good_session(deps, session_id)
    )
    return "duplicate" if not ran else f"closed {closed}"

"""'Report a problem' on a station or connector; the provider's list and resolve; the session-events consumer
that lifts a connector's suspect mark after a good session; the timer that sends what the outboxes kept."""

from __future__ import annotations

import logging
from typing import Literal

import azure.functions as func

from functions.reviews import api, bp
from shared import bootstrap
from shared.domain.messages import Message
from shared.domain.principal import Role
from shared.domain.problem_reports import ProblemReportCreate, ProblemResolve, ProblemView
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import problems
from shared.services.reviews_outbox import flush_outbox

log = logging.getLogger("wattsup.reviews")
PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


class ProblemListQuery(ListQuery):
    status: Literal["open", "resolved"] | None = None
    station_id: str | None = None


@api.route(
    "stations/{stationId}/problems",
    methods=["POST"],
    body=ProblemReportCreate,
    response=ProblemView,
    status=201,
    errors=(404, 422),
    summary="Report a problem with a station or one connector: the provider is told, the connector marked suspect",
)
async def report_problem(call: Call) -> Reply:
    problem = await problems.report_problem(call.deps, call.principal, call.route["stationId"], call.body)
    return Reply(ProblemView.of(problem), headers={"Location": f"/api/problems/{problem.id}"})


@api.route(
    "providers/{providerId}/problems",
    roles=PROVIDER_ROLES,
    query=ProblemListQuery,
    response=Paged[ProblemView],
    errors=(403, 404),
    summary="Problems reported at the provider's stations, newest first",
)
async def list_provider_problems(call: Call) -> Paged[ProblemView]:
    q: ProblemListQuery = call.query
    found, token = await problems.list_problems(
        call.deps, call.principal, call.route["providerId"],
        status=q.status, station_id=q.station_id, limit=q.limit, continuation=q.continuation_token,
    )  # fmt: skip
    return Paged[ProblemView](items=[ProblemView.of(p) for p in found], continuation_token=token)


@api.route(
    "problems/{problemId}/resolve",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    body=ProblemResolve,
    response=ProblemView,
    errors=(403, 404),
    summary="Resolve a problem at one of your stations (its connector is no longer suspect)",
)
async def resolve_problem(call: Call) -> ProblemView:
    return ProblemView.of(await problems.resolve_problem(call.deps, call.principal, call.route["problemId"], call.body))


@bp.service_bus_topic_trigger(
    arg_name="msg",
    topic_name="%SessionEventsTopic%",
    subscription_name=problems.CONSUMER,
    connection="ServiceBusConnection",
)
async def reviews_session_events(msg: func.ServiceBusMessage) -> None:
    deps = await bootstrap.ready()
    message = Message.from_json(msg.get_body())
    outcome = await problems.on_session_event(deps, message)
    if outcome not in ("ignored", "closed 0"):
        log.info("reviews: %s %s -> %s", message.type, message.id, outcome)


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
async def reviews_outbox(timer: func.TimerRequest) -> None:
    deps = await bootstrap.ready()
    found = await flush_outbox(deps)
    if found:
        log.info("reviews outbox: %d documents had notifications left to send", found)

"""Billing's message consumer and timer: settle stopped sessions, raise holds, retry, release, republish.

The consumer is the ``billing`` subscription of the ``session-events`` topic (DESIGN section 5); the
timer runs every minute. Both only call ``shared.services.billing``, whose steps are idempotent.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions.payments import bp
from shared import bootstrap
from shared.domain.messages import Message
from shared.services.billing import on_session_event, run_billing_jobs

log = logging.getLogger("wattsup.billing")


@bp.service_bus_topic_trigger(
    arg_name="msg",
    topic_name="%SessionEventsTopic%",
    subscription_name="billing",
    connection="ServiceBusConnection",
)
async def billing_session_events(msg: func.ServiceBusMessage) -> None:
    deps = await bootstrap.ready()
    message = Message.from_json(msg.get_body())
    outcome = await on_session_event(deps, message)
    if outcome not in ("ignored", "hold enough"):
        log.info("billing: %s %s -> %s", message.type, message.id, outcome)


@bp.timer_trigger(schedule="0 * * * * *", arg_name="timer", run_on_startup=False)
async def billing_jobs(timer: func.TimerRequest) -> None:
    deps = await bootstrap.ready()
    run = await run_billing_jobs(deps)
    if run.retried or run.released or run.settled or run.refunds or run.flushed:
        log.info("billing jobs: %s", run)

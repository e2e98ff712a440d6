"""Analytics' message consumers and timers: rollups kept from both topics, rebuilt nightly for the last days,
and silent chargers marked Offline.

Both consumers are the ``analytics`` subscription of their topic (DESIGN section 5) and only call
``shared.services.analytics``, whose work is safe to repeat and to take in any order.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions.analytics import bp
from shared import bootstrap
from shared.domain.messages import Message
from shared.services.analytics import on_event
from shared.services.analytics_heartbeats import watch_heartbeats
from shared.services.analytics_recompute import recompute_recent

log = logging.getLogger("wattsup.analytics")


@bp.service_bus_topic_trigger(
    arg_name="msg",
    topic_name="%SessionEventsTopic%",
    subscription_name="analytics",
    connection="ServiceBusConnection",
)
async def analytics_session_events(msg: func.ServiceBusMessage) -> None:
    deps = await bootstrap.ready()
    message = Message.from_json(msg.get_body())
    outcome = await on_event(deps, message)
    if outcome != "ignored":
        log.debug("analytics: %s %s -> %s", message.type, message.id, outcome)


@bp.service_bus_topic_trigger(
    arg_name="msg",
    topic_name="%BillingEventsTopic%",
    subscription_name="analytics",
    connection="ServiceBusConnection",
)
async def analytics_billing_events(msg: func.ServiceBusMessage) -> None:
    deps = await bootstrap.ready()
    message = Message.from_json(msg.get_body())
    outcome = await on_event(deps, message)
    if outcome != "ignored":
        log.debug("analytics: %s %s -> %s", message.type, message.id, outcome)


@bp.timer_trigger(schedule="0 30 2 * * *", arg_name="timer", run_on_startup=False)
async def analytics_nightly(timer: func.TimerRequest) -> None:
    """02:30 UTC: the last ANALYTICS_RECOMPUTE_DAYS days rebuilt from sessions, payments and the status log."""
    deps = await bootstrap.ready()
    run = await recompute_recent(deps)
    log.info("analytics %s..%s: %d stations, %d sessions", run.first, run.last, run.stations, run.sessions)
    if run.failed:
        log.error("analytics %s..%s failed for stations %s", run.first, run.last, ", ".join(run.failed))


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
async def analytics_heartbeats(timer: func.TimerRequest) -> None:
    """Every 5 minutes: chargers silent for twice their heartbeat interval go Offline in the status log."""
    deps = await bootstrap.ready()
    went, back = await watch_heartbeats(deps)
    if went or back:
        log.info("analytics: %d chargers went silent, %d were heard again", went, back)

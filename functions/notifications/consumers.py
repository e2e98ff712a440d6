"""The notifications capability's message consumers and the reservation reminder timer.

Stage one, what to notify: the ``notifications`` subscriptions of ``session-events`` and
``billing-events`` queue one message per recipient. Stage two, sending: the ``notifications`` queue's
trigger renders, stores and mails each (``shared.services.notification_sender``); an exception there
makes the host retry the message and, after the max delivery count, dead-letter it.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions.notifications import bp
from shared import bootstrap
from shared.domain.messages import Message
from shared.services.notification_events import on_event
from shared.services.notification_reminders import send_reservation_reminders
from shared.services.notification_sender import deliver

log = logging.getLogger("wattsup.notifications")


@bp.service_bus_topic_trigger(
    arg_name="msg", topic_name="%SessionEventsTopic%", subscription_name="notifications",
    connection="ServiceBusConnection",
)  # fmt: skip
async def notifications_session_events(msg: func.ServiceBusMessage) -> None:
    outcome = await on_event(await bootstrap.ready(), Message.from_json(msg.get_body()))
    log.debug("notifications: session event -> %s", outcome)


@bp.service_bus_topic_trigger(
    arg_name="msg", topic_name="%BillingEventsTopic%", subscription_name="notifications",
    connection="ServiceBusConnection",
)  # fmt: skip
async def notifications_billing_events(msg: func.ServiceBusMessage) -> None:
    outcome = await on_event(await bootstrap.ready(), Message.from_json(msg.get_body()))
    log.debug("notifications: billing event -> %s", outcome)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name="%NotificationsQueue%", connection="ServiceBusConnection")
async def notifications_send(msg: func.ServiceBusMessage) -> None:
    message = Message.from_json(msg.get_body())
    outcome = await deliver(await bootstrap.ready(), message)
    log.info("notification %s %s -> %s", message.type, message.id, outcome)


@bp.timer_trigger(schedule="0 * * * * *", arg_name="timer", run_on_startup=False)
async def notifications_reservation_reminders(timer: func.TimerRequest) -> None:
    sent = await send_reservation_reminders(await bootstrap.ready())
    if sent:
        log.info("reservation reminders queued: %d", sent)

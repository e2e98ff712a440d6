"""Stripe's webhook endpoint, and the timer that delivers the local payment simulator's events to it.

``POST payments/stripe/webhook`` is anonymous (Stripe sends no token): the ``Stripe-Signature`` header
over the raw body is the authentication, checked before anything else; a bad one is a 400
``webhook_signature_invalid`` and changes nothing. Any accepted event answers 200 ``{"received": true}``,
duplicates and types we do not handle included, so Stripe stops retrying it.

The timer runs every 5 seconds and does nothing unless the gateway is the payment simulator; then it
passes each queued event, its signed body and header, through the same ``receive_webhook`` in process.
In process rather than an HTTP POST to our own host: a function does not know the address it is served
on (and tests call functions without a host), the request would only add the HTTP wrapper around the
very same call, and a failed event stays queued either way. In Azure, disable it with the app setting
``AzureWebJobs.payment_simulator_webhooks.Disabled=true`` to save its no-op runs.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions.payments import api, bp
from shared import bootstrap
from shared.http.auth import Auth
from shared.http.endpoint import Call
from shared.services.stripe_webhooks import WebhookReceived, deliver_simulator_webhooks, receive_webhook

log = logging.getLogger("wattsup.stripe")


@api.route(
    "payments/stripe/webhook",
    methods=["POST"],
    auth=Auth.PUBLIC,
    response=WebhookReceived,
    errors=(400, 413, 503),
    summary="Stripe's events (signed with Stripe-Signature; the raw event as Stripe sends it), each handled once",
)
async def stripe_webhook(call: Call) -> WebhookReceived:
    body = call.req.get_body() or b""
    await receive_webhook(call.deps, body, call.req.headers.get("stripe-signature") or "")
    return WebhookReceived()


@bp.timer_trigger(schedule="*/5 * * * * *", arg_name="timer", run_on_startup=False)
async def payment_simulator_webhooks(timer: func.TimerRequest) -> None:
    deps = await bootstrap.ready()
    run = await deliver_simulator_webhooks(deps)
    if run.failed:
        log.warning("payment simulator webhooks: %d delivered, %d left pending", run.delivered, run.failed)

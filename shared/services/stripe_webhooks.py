"""Stripe webhooks: verified by signature, handled once per event id, harmless in any order (DESIGN section 7).

``receive_webhook`` is the one path an event takes, from Stripe (``POST /api/payments/stripe/webhook``)
and from the local payment simulator alike: the raw body and its ``Stripe-Signature`` header are
verified by the gateway (a bad, missing or stale signature raises ``WebhookSignatureInvalid`` before
anything is read or written), then the event is handled once per event id (``process_once``; the
marker is written after the work, so a crash in between handles it again, which the handlers allow).
What each event changes is in ``shared.services.stripe_reconcile``.

Locally nothing can reach us from Stripe, so the simulator queues the events it would send, signed;
``deliver_simulator_webhooks`` (a timer, every few seconds) hands each one to ``receive_webhook`` with
its very body and header, and marks it delivered once accepted, as a 2xx does for Stripe.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from shared.domain.model import ApiModel
from shared.domain.payments import WebhookEvent
from shared.ports.store import PreconditionFailed
from shared.services.idempotency import process_once
from shared.services.stripe_reconcile import on_card_saved, on_charge_refunded, on_intent_event

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "CONSUMER",
    "HANDLED_EVENTS",
    "Delivery",
    "WebhookOutbox",
    "WebhookReceived",
    "deliver_simulator_webhooks",
    "handle_event",
    "receive_webhook",
]

log = logging.getLogger("wattsup.stripe")
CONSUMER = "stripe-webhook"
HANDLED_EVENTS = (
    "payment_intent.amount_capturable_updated",
    "payment_intent.succeeded",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
    "charge.refunded",
    "setup_intent.succeeded",
)


class WebhookReceived(ApiModel):
    """What Stripe gets back: any 2xx means "delivered", so duplicates and unhandled types get it too."""

    received: bool = True


async def handle_event(deps: Deps, event: WebhookEvent, request_key: str | None = None) -> str:
    """What ``event`` changes; returns what was done, for the log. ``request_key``: the idempotency key
    of the API request that caused it, if any (Stripe's ``request.idempotency_key``)."""
    if event.type.startswith("payment_intent.") and event.type in HANDLED_EVENTS:
        work = on_intent_event(deps, event)
    elif event.type == "charge.refunded":
        work = on_charge_refunded(deps, event, request_key)
    elif event.type == "setup_intent.succeeded":
        work = on_card_saved(deps, event)
    else:
        return "ignored: not a type we handle"
    try:
        return await work
    except PreconditionFailed:  # billing is writing this record right now: the winner carries on
        return "left to billing (concurrent write)"


def _request_key(payload: bytes) -> str | None:
    request = json.loads(payload).get("request")  # the payload verified already
    key = request.get("idempotency_key") if isinstance(request, dict) else None
    return key if isinstance(key, str) else None


async def receive_webhook(deps: Deps, payload: bytes, signature_header: str) -> tuple[WebhookEvent, str]:
    """Verify, then handle once; the event and what was done ("duplicate" for an event seen before)."""
    event = await deps.payments.verify_webhook(payload, signature_header)
    ran, outcome = await process_once(
        deps.store, deps.clock, CONSUMER, event.id, lambda: handle_event(deps, event, _request_key(payload))
    )
    outcome = outcome if ran and outcome is not None else "duplicate"
    log.info("stripe %s %s: %s", event.type, event.id, outcome)
    return event, outcome


# ---- local delivery of the payment simulator's events ------------------------------------------


@runtime_checkable
class WebhookOutbox(Protocol):
    """The payment simulator's queue of signed events (not part of the port: Stripe pushes its own)."""

    async def pending_webhooks(self, limit: int = 100) -> list[_Signed]: ...

    async def mark_delivered(self, event_id: str) -> bool: ...


class _Signed(Protocol):
    @property
    def event_id(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def signature_header(self) -> str: ...


@dataclass
class Delivery:
    delivered: int = 0
    failed: int = 0


async def deliver_simulator_webhooks(deps: Deps, *, limit: int = 100) -> Delivery:
    """One pass over the simulator's pending events, oldest first; nothing with another gateway. An event
    whose handling fails stays pending and is tried again next pass (as Stripe retries a non-2xx)."""
    run = Delivery()
    outbox = deps.payments
    if not isinstance(outbox, WebhookOutbox):
        return run
    for webhook in await outbox.pending_webhooks(limit):
        try:
            await receive_webhook(deps, webhook.payload, webhook.signature_header)
        except Exception:  # noqa: BLE001 - one bad event must not hold back the rest
            log.exception("local delivery of %s failed; it stays pending", webhook.event_id)
            run.failed += 1
            continue
        await outbox.mark_delivered(webhook.event_id)
        run.delivered += 1
    return run

"""What each Stripe event changes: our payment record reconciled against the intent as it is now.

An event's object is a snapshot from when it happened; events come late, twice and in any order. So
a handler uses the event only to find what it is about (the intent's id, and the session named in the
metadata billing sets on every hold and charge), then re-reads the intent from the gateway and our
record from the store, and acts on those. Billing stays the one that moves money: a handler records a
fact under the record's ETag, or calls ``billing.settle`` / ``billing.release_hold``, which repeat
nothing (each gateway call is keyed by the session). Each returns what it did, for the log.

A write that loses an ETag race to billing settling the same record right now is left to that writer
(``PreconditionFailed`` is acknowledged by the caller); billing's timer sweeps what a crash leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.domain.billing import SessionPayment
from shared.domain.payments import PaymentIntentResult, WebhookEvent
from shared.ports.store import Filter, PreconditionFailed, Query
from shared.repositories import payments as repo
from shared.repositories.sessions import find_session
from shared.services import billing
from shared.services.payment_methods import list_cards

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["on_card_saved", "on_charge_refunded", "on_intent_event"]

log = logging.getLogger("wattsup.stripe")
_ATTEMPTS = 5  # ETag rounds on one record


async def _record_for(deps: Deps, intent_id: str, metadata: dict[str, Any]) -> SessionPayment | None:
    """Our record of an intent: by the id billing wrote, else by the session its metadata names (billing
    may have crashed between the gateway's answer and writing the id down)."""
    found = await repo.find_payment_by_intent(deps.store, intent_id)
    if found is None and isinstance(metadata.get("userId"), str) and isinstance(metadata.get("sessionId"), str):
        found = await repo.find_payment(deps.store, metadata["userId"], metadata["sessionId"])
    return found


async def _note(deps: Deps, payment: SessionPayment, change: Callable[[SessionPayment], dict[str, Any] | None]) -> str:
    """Apply ``change`` (None: nothing to do) to the freshest record, under its ETag."""
    for _ in range(_ATTEMPTS):
        update = change(payment)
        if update is None:
            return "nothing to record"
        try:
            await billing.save_with_messages(deps, payment.model_copy(update=update))
            return "recorded"
        except PreconditionFailed:
            fresh = await repo.find_payment(deps.store, payment.user_id, payment.session_id)
            if fresh is None:
                return "record gone"
            payment = fresh
    raise PreconditionFailed(f"payment {payment.id} kept changing")


async def on_intent_event(deps: Deps, event: WebhookEvent) -> str:
    """payment_intent.*: find our record, re-read the intent, reconcile."""
    intent_id = event.object.get("id")
    metadata = event.object.get("metadata") or {}
    payment = await _record_for(deps, intent_id, metadata) if isinstance(intent_id, str) and intent_id else None
    if payment is None or not isinstance(intent_id, str):
        return "ignored: not our intent"
    intent = await deps.payments.retrieve_payment_intent(intent_id)
    if event.type == "payment_intent.amount_capturable_updated":
        return await _hold_changed(deps, payment, intent)
    if event.type == "payment_intent.succeeded":
        return await _succeeded(deps, payment, intent)
    if event.type == "payment_intent.canceled":
        return await _canceled(deps, payment, intent)
    return await _failed(deps, payment)


async def _hold_changed(deps: Deps, payment: SessionPayment, intent: PaymentIntentResult) -> str:
    """A raised hold: record the larger amount while the session runs (at its stop, settling decides)."""
    if payment.status != "authorized" or intent.id != payment.hold_intent_id or intent.status != "requires_capture":
        return "ignored: not an open hold"
    session = await find_session(deps.store, payment.session_id)
    if session is None or not session.live:
        return "ignored: the session has stopped"

    def larger(p: SessionPayment) -> dict[str, Any] | None:
        if p.status != "authorized" or intent.amount_capturable_minor <= p.hold_minor:
            return None
        return {
            "hold_minor": intent.amount_capturable_minor,
            "hold_incrementable": intent.incremental_authorization_available,
        }

    return await _note(deps, payment, larger)


def _accounted(payment: SessionPayment, intent: PaymentIntentResult) -> bool:
    if intent.id == payment.hold_intent_id:
        return payment.captured_minor == intent.amount_received_minor
    return intent.id == payment.topup_intent_id and payment.topped_up_minor > 0  # a processing one is not yet


async def _succeeded(deps: Deps, payment: SessionPayment, intent: PaymentIntentResult) -> str:
    """Money taken: if our record does not show it yet (a crash after the capture or charge), settle,
    which finds the intent captured and records it (and issues the invoice)."""
    if intent.status != "succeeded":
        return "ignored: the intent has not succeeded"
    if _accounted(payment, intent):
        return "already recorded"
    if payment.settled:
        log.error("%s of %s succeeded but payment %s (%s) does not account for it", intent.id,
                  intent.amount_received_minor, payment.id, payment.status)  # fmt: skip
        return "unaccounted: needs a person"
    session = await find_session(deps.store, payment.session_id)
    if session is None or session.live:
        return "ignored: the session has not stopped"
    settled = await billing.settle(deps, session.id)
    return f"settled: {settled.status if settled else 'nothing'}"


async def _canceled(deps: Deps, payment: SessionPayment, intent: PaymentIntentResult) -> str:
    """A hold released or lapsed (Stripe cancels uncaptured holds after 7 days)."""
    if payment.settled or intent.id != payment.hold_intent_id or intent.status != "canceled":
        return "ignored: nothing open about this intent"
    session = await find_session(deps.store, payment.session_id)
    if session is None:  # the start died after its hold: nothing to charge
        released = await billing.release_hold(deps, payment, "hold_canceled")
        return f"released: {released.status}"
    if not session.live:
        settled = await billing.settle(deps, session.id)  # nothing due: released; else charged in full
        return f"settled: {settled.status if settled else 'nothing'}"

    def lapsed(p: SessionPayment) -> dict[str, Any] | None:
        if p.settled or (not p.hold_incrementable and (p.last_error or "").startswith("hold canceled")):
            return None
        return {
            "hold_incrementable": False,
            "last_error": "hold canceled at the gateway: the whole amount is charged at stop",
        }

    return await _note(deps, payment, lapsed)


async def _failed(deps: Deps, payment: SessionPayment) -> str:
    """A charge failed. Billing records its own refusals (and tells the driver once per attempt), so only
    a refusal it never wrote down (a crash in between) is news: settling replays it under the same key."""
    if payment.settled or payment.status == "capture_failed":
        return "ignored: billing has it"
    session = await find_session(deps.store, payment.session_id)
    if session is None or session.live:
        return "ignored: the session has not stopped"
    settled = await billing.settle(deps, session.id)
    return f"settled: {settled.status if settled else 'nothing'}"


async def on_charge_refunded(deps: Deps, event: WebhookEvent, request_key: str | None) -> str:
    """Money given back at the gateway: refunds the app made record themselves; others (the dashboard)
    are recorded here, with a credit note (``refunds.record_external_refund``)."""
    charge = event.object
    intent_id = charge.get("payment_intent")
    payment = await repo.find_payment_by_intent(deps.store, intent_id) if isinstance(intent_id, str) else None
    if payment is None:
        return "ignored: not our charge"
    from shared.services.refunds import complete_refunds, record_external_refund  # refunds imports billing too

    if (request_key or "").startswith("refund:"):  # ours (refund_calls keys them so): it records itself
        await complete_refunds(deps, payment)  # unless a crash left it pending: finish it (same keys)
        return "a refund the app made"
    known = {rid for r in payment.refunds for rid in r.gateway_refund_ids}
    listed = (charge.get("refunds") or {}).get("data") or []
    record = record_external_refund
    done = 0
    for refund in listed:  # expanded on older API versions: exact ids and amounts
        if refund.get("id") not in known and refund.get("status", "succeeded") == "succeeded":
            reason = str((refund.get("metadata") or {}).get("reason") or refund.get("reason") or "refunded at Stripe")
            payment = await record(deps, payment, int(refund["amount"]), str(refund["id"]), reason)
            done += 1
    if listed:
        return f"recorded {done} refund(s)"
    if payment.topup_intent_id is not None and payment.captured_minor > 0:
        log.warning(
            "charge %s refunded: payment %s draws on two intents, the split is unknown", charge.get("id"), payment.id
        )
        return "unattributed: needs a person"
    gap = int(charge.get("amount_refunded") or 0) - payment.refunded_minor
    if gap <= 0:
        return "already recorded"
    await record(deps, payment, gap, f"{charge.get('id')}:{charge.get('amount_refunded')}", "refunded at Stripe")
    return "recorded 1 refund(s)"


async def on_card_saved(deps: Deps, event: WebhookEvent) -> str:
    """A card saved through the web app's card form: the driver's default rule runs (the first card
    becomes the default) without waiting for the driver to list their cards."""
    customer = event.object.get("customer")
    if not isinstance(customer, str):
        return "ignored: no customer"
    where = (Filter("type", "eq", "paymentAccount"), Filter("customerId", "eq", customer))
    page = await deps.store.query("payments", Query(where, limit=1))
    if not page.items:
        return "ignored: no account for this customer"
    user_id = str(page.items[0]["userId"])
    cards = await list_cards(user_id, store=deps.store, payments=deps.payments, clock=deps.clock)
    default = next((c.id for c in cards if c.is_default), None)
    return f"default card {default}"

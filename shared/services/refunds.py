"""Refunds with credit notes (DESIGN section 7): asked for over the API, or made in Stripe's dashboard.

``refund_payment`` (``POST /api/payments/{id}/refunds``): the station's provider admin or a platform
admin gives back part or all of what a captured payment collected. The steps, each safe to repeat:

1. **Reserve**: a ``pending`` RefundRecord is added to the payment and ``refunded_minor`` grows by its
   amount, under the record's ETag, so two refunds at once can never give back more than was
   collected. Its id is derived from the payment and the client's ``clientRefundId``: the same
   request again finds it instead of refunding twice.
2. **Gateway** (``refund_calls``): the refunds at the gateway, keyed by our refund id; the outcome
   written with RefundIssued on ``billing-events`` (a refused refund is ``failed`` and its amount
   refundable again).
3. **Credit note** (``credit_notes``): numbered from the provider's invoice sequence; the refund
   then names it.

``record_external_refund`` is for the charge.refunded webhook: a refund the gateway reports is
recorded once per gateway refund id. Our own refunds are reported too: a refund of ours still
pending is finished first (replaying its calls under the same keys tells its gateway ids), so
the webhook never counts our refund a second time.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from shared.domain.billing import RefundDraw, RefundRecord, SessionPayment
from shared.domain.errors import Conflict, InvalidInput
from shared.domain.messages import Message
from shared.domain.payment_api import RefundCreate
from shared.domain.payments import to_minor
from shared.domain.principal import Principal, guard
from shared.repositories import payments as repo
from shared.services.credit_notes import issue_credit_note
from shared.services.payment_queries import visible_payment
from shared.services.refund_calls import (
    GATEWAY,
    REPLAY_WINDOW,
    Change,
    call_gateway,
    change_payment,
    find_refund,
    issued_event,
    refund_plan,
)

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["complete_refunds", "record_external_refund", "refund_id_for", "refund_payment"]

_MAX_REASON = 500


def refund_id_for(payment_id: str, client_refund_id: str) -> str:
    return "ref_" + hashlib.sha256(f"{payment_id}:{client_refund_id}".encode()).hexdigest()[:24]


def _external_id(payment_id: str, gateway_refund_id: str) -> str:
    return "ref_" + hashlib.sha256(f"{payment_id}:gateway:{gateway_refund_id}".encode()).hexdigest()[:24]


def _amount_minor(payment: SessionPayment, body: RefundCreate) -> int:
    if body.amount is None:
        return payment.refundable_minor
    try:
        return to_minor(body.amount, payment.currency)
    except ValueError as exc:
        raise InvalidInput(f"{body.amount} is not an amount of {payment.currency}.", code="invalid_amount") from exc


def _reserve(body: RefundCreate, refund: RefundRecord) -> Change:
    def change(p: SessionPayment) -> tuple[SessionPayment, list[tuple[str, Message]]] | None:
        existing = find_refund(p, refund.id)
        if existing is not None:  # the same request again (or at the same time)
            if existing.reason != refund.reason or (
                body.amount is not None and existing.amount_minor != refund.amount_minor
            ):
                raise Conflict("That clientRefundId was used for another refund.", code="refund_id_reused")
            return None
        if p.status != "captured":
            raise Conflict(
                f"Only a captured payment can be refunded; this one is {p.status}.", code="payment_not_captured"
            )
        if body.currency != p.currency:
            raise InvalidInput(f"The payment is in {p.currency}, not {body.currency}.", code="currency_mismatch")
        amount = refund.amount_minor if body.amount is not None else p.refundable_minor
        if amount <= 0 or amount > p.refundable_minor:
            raise InvalidInput(
                f"At most {p.amount(max(p.refundable_minor, 0))} {p.currency} can still be refunded.",
                code="refund_exceeds_captured",
                refundable=format(p.amount(max(p.refundable_minor, 0)), "f"),
            )
        if p.invoice_id is None:
            raise Conflict("The payment's invoice is not issued yet; try again shortly.", code="invoice_not_issued")
        reserved = refund.model_copy(update={"amount_minor": amount})
        added = p.model_copy(update={"refunds": [*p.refunds, reserved], "refunded_minor": p.refunded_minor + amount})
        draws = [RefundDraw(source=d.source, intent_id=d.intent_id, amount_minor=d.amount_minor)
                 for d in refund_plan(added, refund.id)]  # fmt: skip
        fixed = reserved.model_copy(update={"parts": draws})
        return added.model_copy(update={"refunds": [*p.refunds, fixed]}), []

    return change


async def refund_payment(
    deps: Deps, who: Principal | None, payment_id: str, body: RefundCreate
) -> tuple[SessionPayment, RefundRecord]:
    """Refund (part of) a captured payment and issue its credit note; the same request again answers
    the same refund. 404 for whoever may not see the payment, 403 for the provider's staff."""
    payment = await visible_payment(deps, who, payment_id)
    user = guard.tenant(who, payment.provider_id, admin_only=True)
    refund = RefundRecord(
        id=refund_id_for(payment.id, body.client_refund_id),
        amount_minor=_amount_minor(payment, body),
        reason=body.reason,
        by=user.user_id,
        at=deps.clock.now(),
        status="pending",
    )
    payment = await change_payment(deps, payment, _reserve(body, refund))
    return await _finish(deps, payment, refund.id, raise_refused=True)


async def _finish(
    deps: Deps, payment: SessionPayment, refund_id: str, *, raise_refused: bool = False
) -> tuple[SessionPayment, RefundRecord]:
    """Gateway calls of a pending refund, then the credit note of a refund that went through."""
    payment = await call_gateway(deps, payment, refund_id)
    refund = find_refund(payment, refund_id)
    assert refund is not None
    if refund.status == "failed" and raise_refused:
        raise Conflict("The payment service refused the refund; nothing was refunded.", code="refund_refused")
    if refund.status == "succeeded" and refund.credit_note_id is None:
        note = await issue_credit_note(deps, payment, refund)
        if note is not None:
            payment = await change_payment(deps, payment, _name_credit_note(refund_id, note.id))
            refund = find_refund(payment, refund_id) or refund
    return payment, refund


def _name_credit_note(refund_id: str, note_id: str) -> Change:
    def change(p: SessionPayment) -> tuple[SessionPayment, list[tuple[str, Message]]] | None:
        refund = find_refund(p, refund_id)
        if refund is None or refund.credit_note_id is not None:
            return None
        named = refund.model_copy(update={"credit_note_id": note_id})
        return p.model_copy(update={"refunds": [named if r.id == refund_id else r for r in p.refunds]}), []

    return change


async def complete_refunds(deps: Deps, payment: SessionPayment) -> SessionPayment:
    """Finish what a crash or an outage left: pending refunds (within the gateway's key lifetime) and
    credit notes not issued yet. For a timer, and for the webhook before it judges a refund unknown."""
    for refund in list(payment.refunds):
        replayable = refund.status == "pending" and deps.clock.now() - refund.at <= REPLAY_WINDOW
        if replayable or (refund.status == "succeeded" and refund.credit_note_id is None):
            payment, _ = await _finish(deps, payment, refund.id)
    return payment


async def record_external_refund(
    deps: Deps, payment: SessionPayment, amount_minor: int, gateway_refund_id: str, reason: str | None
) -> SessionPayment:
    """Record a refund the gateway reports (Stripe's charge.refunded: made in its dashboard, or ours),
    once per gateway refund id, with its credit note. A gateway outage while finishing a refund of
    ours raises ``PaymentGatewayError``: answer the webhook with an error so that it comes again."""
    fresh = await repo.find_payment(deps.store, payment.user_id, payment.session_id)
    payment = await complete_refunds(deps, fresh or payment)

    def known(p: SessionPayment) -> RefundRecord | None:
        return next((r for r in p.refunds if gateway_refund_id in r.gateway_refund_ids), None)

    if known(payment) is None:
        payment = await change_payment(deps, payment, _adopt_or_add(deps, amount_minor, gateway_refund_id, reason))
    refund = known(payment)
    if refund is not None and refund.credit_note_id is None and refund.status == "succeeded":
        payment, _ = await _finish(deps, payment, refund.id)
    return payment


def _adopt_or_add(deps: Deps, amount_minor: int, gateway_refund_id: str, reason: str | None) -> Change:
    """A refund of ours pending past the replay window with this very amount is this one (its answer
    was lost); any other unknown gateway refund is new: recorded as made in the gateway."""

    def change(p: SessionPayment) -> tuple[SessionPayment, list[tuple[str, Message]]] | None:
        if any(gateway_refund_id in r.gateway_refund_ids for r in p.refunds):
            return None
        stale = [r for r in p.refunds if r.status == "pending" and deps.clock.now() - r.at > REPLAY_WINDOW]
        lost = next((r for r in stale if r.amount_minor == amount_minor), None)
        if lost is not None:
            found = lost.model_copy(
                update={
                    "status": "succeeded",
                    "gateway_refund_ids": [gateway_refund_id],
                    "succeeded_at": deps.clock.now(),
                }
            )
            refunds = [found if r.id == lost.id else r for r in p.refunds]
            updated = p.model_copy(update={"refunds": refunds})
            return updated, [issued_event(deps, updated, found)]
        added = RefundRecord(
            id=_external_id(p.id, gateway_refund_id),
            gateway_refund_ids=[gateway_refund_id],
            amount_minor=amount_minor,
            reason=(reason or "").strip()[:_MAX_REASON] or "Refunded in the payment service",
            by=GATEWAY,
            at=deps.clock.now(),
            succeeded_at=deps.clock.now(),
        )
        updated = p.model_copy(
            update={"refunds": [*p.refunds, added], "refunded_minor": p.refunded_minor + amount_minor}
        )
        return updated, [issued_event(deps, updated, added)]

    return change

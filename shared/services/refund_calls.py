"""A refund at the gateway: which intents it draws from, the calls, and writing their outcome.

A payment's money sits on up to two PaymentIntents: the hold's captured part and the top-up.
A refund draws from the hold first, then the top-up (``refund_plan``); what earlier refunds
(not failed ones) drew counts as drawn in the same order, so the plan of a refund is the same
every time it is computed while earlier refunds keep their outcome. Each call's idempotency key
is derived from our refund id and the intent (``refund:<refundId>:hold``), so replaying a pending
refund returns the gateway's first outcome and never refunds twice. Keys live 24 hours at the
gateway: a refund still pending after ``REPLAY_WINDOW`` is not replayed (it needs a person).

Outcome: all parts done, the refund ``succeeded``; a part refused (not an outage) after others went
through, it succeeded for what went through; nothing went through, ``failed`` (its amount is
refundable again). An outage leaves it ``pending``: the same request again resumes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from shared.domain.billing import RefundRecord, SessionPayment
from shared.domain.errors import Conflict, DependencyFailed, NotFound
from shared.domain.invoice_records import credit_note_id_for
from shared.domain.messages import Message
from shared.domain.payments import PaymentDeclined, PaymentGatewayError
from shared.ports.store import PreconditionFailed
from shared.repositories import payments as repo
from shared.services import billing

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "GATEWAY",
    "REPLAY_WINDOW",
    "Change",
    "RefundPart",
    "call_gateway",
    "change_payment",
    "find_refund",
    "issued_event",
    "refund_plan",
]

log = logging.getLogger(__name__)
REPLAY_WINDOW = timedelta(hours=23)
GATEWAY = "gateway"  # ``RefundRecord.by`` of a refund made in the gateway's dashboard
_ATTEMPTS = 8

Change = Callable[[SessionPayment], tuple[SessionPayment, list[tuple[str, Message]]] | None]


@dataclass(frozen=True, slots=True)
class RefundPart:
    source: Literal["hold", "topup"]
    intent_id: str
    amount_minor: int


def find_refund(payment: SessionPayment, refund_id: str) -> RefundRecord | None:
    return next((r for r in payment.refunds if r.id == refund_id), None)


def refund_plan(payment: SessionPayment, refund_id: str) -> list[RefundPart]:
    """The intents the refund draws from: the hold's captured part first, then the top-up."""
    index = next(i for i, r in enumerate(payment.refunds) if r.id == refund_id)
    if payment.refunds[index].parts:  # fixed at reservation: later outcomes of other refunds change nothing
        return [RefundPart(d.source, d.intent_id, d.amount_minor) for d in payment.refunds[index].parts]
    prior = sum(r.amount_minor for r in payment.refunds[:index] if r.status != "failed")
    left = payment.refunds[index].amount_minor
    parts: list[RefundPart] = []
    sources: tuple[tuple[Literal["hold", "topup"], str | None, int], ...] = (
        ("hold", payment.hold_intent_id, payment.captured_minor),
        ("topup", payment.topup_intent_id, payment.topped_up_minor),
    )
    for source, intent_id, collected in sources:
        drawn = min(prior, collected)
        prior -= drawn
        take = min(left, collected - drawn)
        if take > 0 and intent_id is not None:
            parts.append(RefundPart(source, intent_id, take))
            left -= take
    return parts


async def change_payment(deps: Deps, payment: SessionPayment, change: Change) -> SessionPayment:
    """Apply ``change`` under the record's ETag, again on a fresh copy when someone wrote first.

    ``change`` returns the new record and its messages, or None when there is nothing to do; it
    may raise (a check that fails on the fresh copy)."""
    for _ in range(_ATTEMPTS):
        outcome = change(payment)
        if outcome is None:
            return payment
        updated, messages = outcome
        try:
            return await billing.save_with_messages(deps, updated, *messages)
        except PreconditionFailed:
            fresh = await repo.find_payment(deps.store, payment.user_id, payment.session_id)
            if fresh is None:
                raise NotFound("No such payment.", code="payment_not_found") from None
            payment = fresh
    raise DependencyFailed("The payment is being changed by others; try again.", code="payment_contended")


async def call_gateway(deps: Deps, payment: SessionPayment, refund_id: str) -> SessionPayment:
    """Make (or replay) the gateway refunds of a pending refund and write the outcome."""
    refund = find_refund(payment, refund_id)
    if refund is None or refund.status != "pending":
        return payment
    if deps.clock.now() - refund.at > REPLAY_WINDOW:
        log.error("refund %s of %s is pending past the gateway's key lifetime: check it by hand", refund_id, payment.id)
        raise Conflict(
            "This refund is still pending with the payment service; support will check it.", code="refund_pending"
        )
    plan = refund_plan(payment, refund_id)
    done: list[str] = []
    done_minor = 0
    refused: str | None = None if sum(p.amount_minor for p in plan) == refund.amount_minor else "not_covered"
    for part in plan if refused is None else []:
        try:
            result = await deps.payments.refund(
                part.intent_id,
                part.amount_minor,
                reason=refund.reason,
                idempotency_key=f"refund:{refund_id}:{part.source}",
            )
        except PaymentGatewayError as exc:
            if exc.retryable:
                raise  # stays pending: the same request again resumes it
            refused = f"{exc.code}: {exc.message}"
            break
        except PaymentDeclined as exc:
            refused = f"{exc.code}: {exc.message}"
            break
        done.append(result.id)
        done_minor += part.amount_minor
    if refused is not None:
        log.warning("refund %s of %s refused after %d of %d: %s", refund_id, payment.id, done_minor,
                    refund.amount_minor, refused)  # fmt: skip
    return await change_payment(deps, payment, _outcome(deps, refund_id, done, done_minor, refused))


def _outcome(deps: Deps, refund_id: str, done: list[str], done_minor: int, refused: str | None) -> Change:
    def change(p: SessionPayment) -> tuple[SessionPayment, list[tuple[str, Message]]] | None:
        refund = find_refund(p, refund_id)
        if refund is None or refund.status != "pending":
            return None  # finished by someone else (a replay, or the webhook of the same refund)
        status = "succeeded" if done_minor > 0 else "failed"
        given_back = refund.amount_minor - done_minor  # reserved but not refunded: refundable again
        finished = refund.model_copy(
            update={
                "error": refused,
                "status": status,
                "succeeded_at": deps.clock.now() if status == "succeeded" else None,
                "amount_minor": done_minor or refund.amount_minor,
                "gateway_refund_ids": sorted({*refund.gateway_refund_ids, *done}),
            }
        )
        refunds = [finished if r.id == refund_id else r for r in p.refunds]
        updated = p.model_copy(update={"refunds": refunds, "refunded_minor": p.refunded_minor - given_back})
        return updated, [] if status == "failed" else [issued_event(deps, updated, finished)]

    return change


def issued_event(deps: Deps, payment: SessionPayment, refund: RefundRecord) -> tuple[str, Message]:
    """RefundIssued on ``billing-events``, once per refund (its id is derived from the refund)."""
    event = billing.billing_event(
        payment, "RefundIssued", deps.clock.now(), refund.id,
        refundId=refund.id, amount=str(payment.amount(refund.amount_minor)), reason=refund.reason,
        creditNoteId=credit_note_id_for(refund.id), initiatedBy="gateway" if refund.by == GATEWAY else "provider",
    )  # fmt: skip
    return deps.settings.billing_events_topic, event

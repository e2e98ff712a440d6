"""The money flow of a charging session (DESIGN section 7): hold at start, capture at stop, retries.

- **Hold** (``place_hold``, from ``sessions.start_from_app`` once the connector is claimed and before
  the charger is told anything): the driver's default card is authorized for an amount sized from the
  tariff, the connector's power and the session's caps (``shared.domain.billing.hold_limits``). No card,
  or a refused hold, refuses the start (402). The session carries the hold and the running cost at which
  it is stopped to stay within it (``ChargingSession.cost_limit``).
- **Raise** (``raise_hold_if_near``, on SessionProgressed): once the running cost passes a share of the
  hold, billing asks the gateway to raise it (Stripe's incremental authorization, where the card allows);
  the session's stop limit moves up with it. Where it cannot, the session stops at its limit.
- **Settle** (``settle``, on SessionStopped and from the retry timer): the session's final cost, or
  nothing for a failed start or less than BILLING_MIN_ENERGY_WH; the hold captured for the amount (the
  rest released by the capture), a top-up charge for what exceeds it, the invoice issued. A refusal
  leaves ``capture_failed`` with a time for the next attempt; the driver is told; after
  BILLING_CAPTURE_MAX_ATTEMPTS it is ``uncollectible``.

Every step is safe to repeat: the payment record's status says what is done, and each gateway call's
idempotency key is derived from the session, so a redelivered SessionStopped, a timer run twice or a
crash between the gateway's answer and our write never takes money twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.domain.billing import HoldPolicy, SessionPayment, hold_limits, payment_id_for, stop_limit
from shared.domain.errors import PaymentRequired
from shared.domain.messages import Message
from shared.domain.payments import PaymentDeclined, PaymentGatewayError, to_minor
from shared.domain.pricing import estimate
from shared.domain.sessions import ChargingSession
from shared.domain.tariffs import TariffVersion
from shared.ports.store import PreconditionFailed
from shared.repositories import payments as repo
from shared.repositories import sessions as session_repo
from shared.services.events import event_id
from shared.services.outbox import clear_published, publish_in_order
from shared.services.payment_methods import default_card

if TYPE_CHECKING:
    from shared.bootstrap import Deps
    from shared.domain.invoice_records import InvoiceRecord
    from shared.domain.principal import Principal

__all__ = [
    "BILLING_CONSUMER",
    "BillingRun",
    "amount_due",
    "attach_invoice",
    "flush_billing_events",
    "hold_policy",
    "on_session_event",
    "place_hold",
    "raise_hold_if_near",
    "release_hold",
    "run_billing_jobs",
    "save_with_messages",
    "settle",
]

log = logging.getLogger(__name__)
BILLING_CONSUMER = "billing"
_ATTEMPTS = 8  # ETag rounds on one payment record


def hold_policy(deps: Deps) -> HoldPolicy:
    s = deps.settings
    return HoldPolicy(
        default_minutes=s.billing_hold_default_minutes,
        min_amount=s.billing_hold_min_amount,
        max_amount=s.billing_hold_max_amount,
        stop_ratio=s.billing_hold_stop_ratio,
        raise_ratio=s.billing_hold_raise_ratio,
        max_raised_amount=s.billing_hold_max_raised_amount,
    )


# ---- events ------------------------------------------------------------------------------------


def billing_event(payment: SessionPayment, type_: str, at: datetime, *key: object, **extra: Any) -> Message:
    body = {
        "paymentId": payment.id,
        "sessionId": payment.session_id,
        "userId": payment.user_id,
        "providerId": payment.provider_id,
        "stationId": payment.station_id,
        "status": payment.status,
        "currency": payment.currency,
        "holdAmount": str(payment.amount(payment.hold_minor)),
        "amountDue": None if payment.due_minor is None else str(payment.amount(payment.due_minor)),
        "amountCollected": str(payment.amount(payment.collected_minor)),
        "amountRefunded": str(payment.amount(payment.refunded_minor)),
        "invoiceId": payment.invoice_id,
        **extra,
    }
    return Message(
        id=event_id(type_, payment.id, *key), type=type_, occurred_at=at, tenant_id=payment.provider_id, body=body
    )


def _notification(payment: SessionPayment, kind: str, at: datetime, *key: object, **extra: Any) -> Message:
    """One message on the notifications queue (the notifications capability sends it)."""
    body = {
        "kind": kind,
        "userId": payment.user_id,
        "sessionId": payment.session_id,
        "currency": payment.currency,
        "amount": None if payment.due_minor is None else str(payment.amount(payment.due_minor)),
        **extra,
    }
    return Message(
        id=event_id("notify", kind, payment.id, *key),
        type=kind,
        occurred_at=at,
        tenant_id=payment.provider_id,
        body=body,
    )


def _queue(payment: SessionPayment, *messages: tuple[str, Message]) -> SessionPayment:
    """Put messages (destination, message) in the record's outbox, written with the change."""
    if not messages:
        return payment
    pending = [*payment.pending_events]
    for destination, message in messages:
        pending.append({"to": destination, "message": message.model_dump(mode="json", by_alias=True)})
    return payment.model_copy(update={"pending_events": pending, "has_pending_events": True})


async def flush_billing_events(deps: Deps, payment: SessionPayment) -> SessionPayment:
    """Publish the record's outbox, then clear what went out (what did not, the timer sends later)."""
    if not payment.pending_events:
        return payment

    async def publish(entry: dict[str, Any]) -> None:
        await deps.bus.publish(entry["to"], Message.model_validate(entry["message"]))

    async def save(p: SessionPayment, left: list[dict[str, Any]]) -> SessionPayment:
        return await repo.save_payment(
            deps.store, p.model_copy(update={"pending_events": left, "has_pending_events": bool(left)})
        )

    async def reread(p: SessionPayment) -> SessionPayment | None:
        return await repo.find_payment(deps.store, p.user_id, p.session_id)

    published = await publish_in_order(payment.pending_events, publish, message_id=_entry_id, owner=payment.id)
    return await clear_published(
        payment, published, entries=lambda p: p.pending_events, message_id=_entry_id, save=save, reread=reread
    )


def _entry_id(entry: dict[str, Any]) -> str:
    return str(entry["message"]["id"])


async def save_with_messages(deps: Deps, payment: SessionPayment, *messages: tuple[str, Message]) -> SessionPayment:
    """Write the record (under its ETag; a stale one raises PreconditionFailed) with its messages (destination,
    message) in its outbox, then publish them."""
    changed = _queue(payment, *messages).model_copy(update={"updated_at": deps.clock.now()})
    stored = await repo.save_payment(deps.store, changed)
    return await flush_billing_events(deps, stored) if messages else stored


# ---- the hold ----------------------------------------------------------------------------------


def _estimate(deps: Deps, session: ChargingSession, terms: TariffVersion, policy: HoldPolicy) -> Decimal:
    caps = session.caps
    minutes = caps.max_minutes
    if minutes is None and (caps.max_kwh is None or session.max_power_kw <= 0):
        minutes = policy.default_minutes
    cost = estimate(
        terms,
        kwh=caps.max_kwh,
        minutes=minutes,
        power_kw=Decimal(str(session.max_power_kw)),
        start=deps.clock.now(),
        time_zone=session.time_zone,
    )
    return cost.total


async def place_hold(
    deps: Deps, user: Principal, session: ChargingSession, terms: TariffVersion
) -> tuple[ChargingSession, SessionPayment]:
    """Hold money on the driver's default card for ``session`` (not stored yet); 402 when there is none
    or the card refuses. Returns the session with its hold and the payment record (``authorized``)."""
    found = await default_card(user.user_id, store=deps.store, payments=deps.payments, clock=deps.clock)
    if found is None:
        raise PaymentRequired(
            "Add a card before you start charging: a hold is placed on it at the start.",
            code="payment_method_required",
        )
    account, card = found
    currency = terms.currency
    policy = hold_policy(deps)
    hold_minor, stop_at = hold_limits(_estimate(deps, session, terms, policy), session.caps.max_cost, currency, policy)
    now = deps.clock.now()
    payment = await repo.create_payment(
        deps.store,
        SessionPayment(
            id=payment_id_for(session.id),
            user_id=user.user_id,
            provider_id=session.provider_id,
            station_id=session.station_id,
            session_id=session.id,
            currency=currency,
            status="authorized",
            customer_id=account.customer_id,
            payment_method_id=card.id,
            card_brand=card.brand,
            card_last4=card.last4,
            hold_minor=hold_minor,
            promo_code=None if session.discount is None else session.discount.code,
            created_at=now,
            updated_at=now,
        ),
    )
    try:
        intent = await deps.payments.authorize(
            customer_id=account.customer_id,
            payment_method_id=card.id,
            amount_minor=hold_minor,
            currency=currency,
            idempotency_key=f"hold:{session.id}",
            metadata={"sessionId": session.id, "userId": user.user_id, "providerId": session.provider_id},
        )
    except PaymentDeclined as exc:
        await _finish_without_money(deps, payment, "declined", exc.code, intent_id=exc.intent_id)
        raise PaymentRequired(
            f"Your card refused the hold of {payment.amount(hold_minor)} {currency}: {exc.message}",
            code=exc.code,
            declineCode=exc.decline_code,
        ) from exc
    except PaymentGatewayError as exc:
        await _finish_without_money(deps, payment, "gateway_error", exc.code)
        raise
    payment = payment.model_copy(
        update={
            "hold_intent_id": intent.id,
            "hold_minor": intent.amount_capturable_minor,
            "hold_incrementable": intent.incremental_authorization_available,
        }
    )
    payment = await save_with_messages(
        deps, payment, (deps.settings.billing_events_topic, billing_event(payment, "PaymentAuthorized", now))
    )
    held = session.model_copy(
        update={"payment_id": payment.id, "hold_amount": payment.amount(payment.hold_minor), "hold_stop_at": stop_at}
    )
    return held, payment


async def _finish_without_money(
    deps: Deps, payment: SessionPayment, reason: str, error: str, *, intent_id: str | None = None
) -> None:
    """The hold never came to be: the record is closed as released (nothing held, nothing taken)."""
    for _ in range(_ATTEMPTS):
        try:
            await save_with_messages(
                deps,
                payment.model_copy(
                    update={
                        "status": "released",
                        "hold_minor": 0,
                        "hold_intent_id": intent_id,
                        "due_minor": 0,
                        "last_error": f"{reason}: {error}",
                        "settled_at": deps.clock.now(),
                    }
                ),
            )
            return
        except PreconditionFailed:
            fresh = await repo.find_payment(deps.store, payment.user_id, payment.session_id)
            if fresh is None or fresh.settled:
                return
            payment = fresh


async def release_hold(deps: Deps, payment: SessionPayment, reason: str) -> SessionPayment:
    """Cancel the whole hold (a start that failed or was never made): nothing is taken."""
    if payment.status != "authorized":
        return payment
    if payment.hold_intent_id is not None:
        try:
            await deps.payments.cancel(payment.hold_intent_id, idempotency_key=f"release:{payment.session_id}")
        except PaymentGatewayError as exc:
            current = await deps.payments.retrieve_payment_intent(payment.hold_intent_id)
            if current.status != "canceled":  # already released (lapsed, or by a webhook-driven retry): fine
                raise exc
    now = deps.clock.now()
    released = payment.model_copy(update={"status": "released", "due_minor": 0, "settled_at": now, "last_error": None})
    topic = deps.settings.billing_events_topic
    stored = await save_with_messages(
        deps, released, (topic, billing_event(released, "PaymentReleased", now, reason=reason))
    )
    if payment.promo_code is not None:  # nothing bought: the promo code's use is given back
        from shared.services.promo_redemptions import give_back

        await give_back(deps, payment.provider_id, payment.promo_code)
    return stored


async def raise_hold_if_near(deps: Deps, session: ChargingSession, running_total: Decimal) -> ChargingSession:
    """Raise the hold when the running cost nears it and the card allows; move the session's stop limit."""
    if session.payment_id is None or session.user_id is None or session.hold_amount is None:
        return session
    policy = hold_policy(deps)
    if running_total < session.hold_amount * policy.raise_ratio or session.hold_amount >= policy.max_raised_amount:
        return session
    payment = await repo.find_payment(deps.store, session.user_id, session.id)
    if payment is None or payment.status != "authorized" or not payment.hold_incrementable:
        return session
    if payment.hold_intent_id is None:
        return session
    currency = payment.currency
    new_amount = min(session.hold_amount * 2, policy.max_raised_amount)
    new_minor = to_minor(new_amount.quantize(payment.amount(1)), currency)
    if new_minor <= payment.hold_minor:
        return session
    try:
        intent = await deps.payments.increment_authorization(
            payment.hold_intent_id, new_minor, idempotency_key=f"increment:{session.id}:{new_minor}"
        )
    except (PaymentDeclined, PaymentGatewayError) as exc:
        log.info("hold of %s not raised (%s): the session stops at its limit", session.id, exc)
        payment = payment.model_copy(update={"hold_incrementable": False, "last_error": f"increment: {exc}"})
        try:
            await save_with_messages(deps, payment)
        except PreconditionFailed:
            pass
        return session
    payment = payment.model_copy(
        update={
            "hold_minor": intent.amount_capturable_minor,
            "hold_incrementable": intent.incremental_authorization_available,
        }
    )
    for _ in range(_ATTEMPTS):
        try:
            payment = await save_with_messages(deps, payment)
            break
        except PreconditionFailed:
            fresh = await repo.find_payment(deps.store, payment.user_id, payment.session_id)
            if fresh is None or fresh.status != "authorized":
                break
            payment = fresh.model_copy(update={"hold_minor": max(fresh.hold_minor, intent.amount_capturable_minor)})
    held = payment.amount(intent.amount_capturable_minor)
    stop_at = stop_limit(held, currency, policy)
    from shared.services import sessions as svc

    def raised(s: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        if s.status != "active" or (s.hold_amount is not None and s.hold_amount >= held):
            return None
        return s.model_copy(update={"hold_amount": held, "hold_stop_at": stop_at}), []

    return await svc.change_session(deps, session.id, raised) or session


# ---- settling ----------------------------------------------------------------------------------


def _vat_minor(session: ChargingSession) -> int:
    if session.cost_total is None or session.cost_excl_vat is None or session.currency is None:
        return 0
    return to_minor(session.cost_total - session.cost_excl_vat, session.currency)


def amount_due(deps: Deps, session: ChargingSession) -> int:
    """What the stopped session costs in minor units: nothing for a failed start, for less than the
    minimum energy, or for a session without a price."""
    if session.status != "stopped" or session.cost_total is None or session.currency is None:
        return 0
    if session.energy_wh < deps.settings.billing_min_energy_wh:
        return 0
    return to_minor(session.cost_total, session.currency)


def _backoff(deps: Deps, attempts: int) -> timedelta:
    base = deps.settings.billing_retry_base_seconds
    return timedelta(seconds=min(base * 2 ** max(0, attempts - 1), 86400))


async def _new_record(deps: Deps, session: ChargingSession) -> SessionPayment | None:
    """The record of a session that had no hold (started at the charger): made at its stop."""
    if session.user_id is None or session.currency is None:
        return None
    now = deps.clock.now()
    return await repo.create_payment(
        deps.store,
        SessionPayment(
            id=payment_id_for(session.id),
            user_id=session.user_id,
            provider_id=session.provider_id,
            station_id=session.station_id,
            session_id=session.id,
            currency=session.currency,
            status="authorized",  # nothing held: settling charges the whole amount
            created_at=now,
            updated_at=now,
        ),
    )


async def settle(deps: Deps, session_id: str) -> SessionPayment | None:
    """Take what the stopped session costs (idempotent; the retry timer calls it again after a refusal).

    Two settlers of one session (the consumer and a webhook, say) meet on the record's ETag: the loser
    starts over from what the winner wrote, and the gateway's idempotency keys make its calls replays."""
    for _ in range(3):
        try:
            return await _settle(deps, session_id)
        except PreconditionFailed:
            continue
    return await _settle(deps, session_id)


async def _settle(deps: Deps, session_id: str) -> SessionPayment | None:
    session = await session_repo.find_session(deps.store, session_id)
    if session is None or session.live or session.user_id is None:
        return None
    payment = await repo.find_payment(deps.store, session.user_id, session.id)
    due = amount_due(deps, session)
    if payment is None:
        if due == 0:
            return None  # nothing held, nothing owed
        payment = await _new_record(deps, session)
        if payment is None:
            return None
    if payment.settled:
        if payment.status == "captured" and payment.invoice_id is None:  # captured, but its invoice failed
            from shared.services.invoicing import issue_session_invoice

            return await issue_session_invoice(deps, session, payment)
        return payment
    if due == 0:
        return await release_hold(deps, payment, "failed_start" if session.status == "failed" else "below_minimum")
    return await _collect(deps, session, payment, due)


async def _collect(deps: Deps, session: ChargingSession, payment: SessionPayment, due: int) -> SessionPayment:
    now = deps.clock.now()
    if payment.due_minor is None:
        stopped = {
            "due_minor": due,
            "stopped_at": session.stopped_at,
            "energy_wh": session.energy_wh,
            "vat_minor": _vat_minor(session),
        }
        payment = await save_with_messages(deps, payment.model_copy(update=stopped))
    try:
        payment = await _capture_hold(deps, payment, due)
        payment = await _top_up(deps, session, payment, due)
    except (PaymentDeclined, PaymentGatewayError) as exc:
        return await _failed(deps, payment, exc)
    captured = payment.model_copy(
        update={"status": "captured", "settled_at": now, "next_attempt_at": None, "last_error": None}
    )
    topic = deps.settings.billing_events_topic
    captured = await save_with_messages(deps, captured, (topic, billing_event(captured, "PaymentCaptured", now)))
    from shared.services.invoicing import issue_session_invoice

    return await issue_session_invoice(deps, session, captured)


async def _capture_hold(deps: Deps, payment: SessionPayment, due: int) -> SessionPayment:
    """Capture the hold for min(due, hold), raising it first when the card allows; the rest is released."""
    if payment.hold_intent_id is None or payment.captured_minor > 0 or payment.hold_minor == 0:
        return payment
    intent_id = payment.hold_intent_id
    take = min(due, payment.hold_minor)
    if due > payment.hold_minor and payment.hold_incrementable:
        try:
            raised = await deps.payments.increment_authorization(
                intent_id, due, idempotency_key=f"increment:{payment.session_id}:{due}"
            )
            take = min(due, raised.amount_capturable_minor)
        except (PaymentDeclined, PaymentGatewayError) as exc:
            log.info("hold of %s not raised to the amount due (%s): topping up instead", payment.session_id, exc)
    try:
        intent = await deps.payments.capture(intent_id, take, idempotency_key=f"capture:{payment.session_id}")
        received = intent.amount_received_minor
    except PaymentGatewayError as exc:
        current = await deps.payments.retrieve_payment_intent(intent_id)
        if current.status == "succeeded":  # captured before, under another key (a webhook-driven retry)
            received = current.amount_received_minor
        elif current.status == "canceled":  # the hold lapsed (7 days) or was released: charge it all instead
            received = 0
        else:
            raise exc
    return await save_with_messages(deps, payment.model_copy(update={"captured_minor": received}))


async def _top_up(deps: Deps, session: ChargingSession, payment: SessionPayment, due: int) -> SessionPayment:
    """Charge what the hold did not cover (the whole amount for a session without a hold)."""
    rest = due - payment.captured_minor - payment.topped_up_minor - payment.written_off_minor
    if rest <= 0:
        return payment
    if payment.topup_intent_id is not None and payment.topped_up_minor == 0:  # made, not counted: how did it end?
        earlier = await deps.payments.retrieve_payment_intent(payment.topup_intent_id)
        if earlier.status == "processing":
            raise PaymentGatewayError("The top-up is still processing.", code="payment_processing", retryable=True)
        if earlier.status == "succeeded" and earlier.amount_received_minor > 0:
            counted = payment.topped_up_minor + earlier.amount_received_minor
            return await save_with_messages(deps, payment.model_copy(update={"topped_up_minor": counted}))
    customer, method = payment.customer_id, payment.payment_method_id
    if customer is None or method is None or payment.attempts > 0:  # a retry takes the driver's current default
        found = await default_card(payment.user_id, store=deps.store, payments=deps.payments, clock=deps.clock)
        if found is None:
            raise PaymentDeclined("payment_method_required", None, "There is no card on file to charge.")
        account, card = found
        customer, method = account.customer_id, card.id
        payment = payment.model_copy(
            update={
                "customer_id": customer,
                "payment_method_id": method,
                "card_brand": card.brand,
                "card_last4": card.last4,
            }
        )
    try:
        intent = await deps.payments.charge(
            customer_id=customer,
            payment_method_id=method,
            amount_minor=rest,
            currency=payment.currency,
            # one key per attempt: a crash before the outcome is written replays it; a new attempt is new
            idempotency_key=f"topup:{session.id}:{payment.attempts}",
            metadata={"sessionId": session.id, "userId": payment.user_id, "providerId": payment.provider_id},
        )
    except PaymentGatewayError as exc:
        if exc.code != "amount_too_small" or payment.captured_minor == 0:
            raise
        # below the card network's minimum charge: the provider carries the few cents over the hold
        log.info("top-up of %s below the minimum charge: %d written off", session.id, rest)
        return await save_with_messages(deps, payment.model_copy(update={"written_off_minor": rest}))
    if intent.status != "succeeded":  # e.g. processing: counted once it succeeded (the retry looks it up)
        await save_with_messages(deps, payment.model_copy(update={"topup_intent_id": intent.id}))
        raise PaymentGatewayError(f"The top-up is {intent.status}.", code="payment_processing", retryable=True)
    return await save_with_messages(
        deps,
        payment.model_copy(
            update={
                "topup_intent_id": intent.id,
                "topped_up_minor": payment.topped_up_minor + intent.amount_received_minor,
            }
        ),
    )


async def _failed(deps: Deps, payment: SessionPayment, exc: PaymentDeclined | PaymentGatewayError) -> SessionPayment:
    """A refused or failed collection: retry later (the driver is told), or give up after the last attempt."""
    now = deps.clock.now()
    attempts = payment.attempts + 1
    final = attempts >= deps.settings.billing_capture_max_attempts
    final = final or not (isinstance(exc, PaymentDeclined) or exc.retryable)  # a refused request stays refused
    code = exc.code
    failed = payment.model_copy(
        update={
            "status": "uncollectible" if final else "capture_failed",
            "attempts": attempts,
            "next_attempt_at": None if final else now + _backoff(deps, attempts),
            "last_error": f"{code}: {exc.detail}"[:500],
            "settled_at": now if final else None,
        }
    )
    s = deps.settings
    messages = [
        (s.billing_events_topic, billing_event(failed, "PaymentFailed", now, attempts, reason=code, final=final))
    ]
    if isinstance(exc, PaymentDeclined) or final:  # the driver can act on a refused card; outages retry quietly
        messages.append(
            (s.notifications_queue, _notification(failed, "PaymentFailed", now, attempts, reason=code, final=final))
        )
    for _ in range(_ATTEMPTS):
        try:
            return await save_with_messages(deps, failed, *messages)
        except PreconditionFailed:
            fresh = await repo.find_payment(deps.store, payment.user_id, payment.session_id)
            if fresh is None or fresh.settled:
                return fresh or payment
            failed = fresh.model_copy(
                update={
                    k: getattr(failed, k) for k in ("status", "attempts", "next_attempt_at", "last_error", "settled_at")
                }
            )
    return failed


async def attach_invoice(deps: Deps, payment: SessionPayment, invoice: InvoiceRecord) -> SessionPayment:
    """The payment names its issued invoice; InvoiceIssued goes out with that change (once)."""
    topic = deps.settings.billing_events_topic
    for _ in range(_ATTEMPTS):
        if payment.invoice_id is not None:
            return payment
        named = payment.model_copy(update={"invoice_id": invoice.id})
        event = billing_event(
            named, "InvoiceIssued", deps.clock.now(), invoice.id,
            invoiceNumber=invoice.number, total=format(invoice.total_incl_vat or 0, "f"),
        )  # fmt: skip
        try:
            return await save_with_messages(deps, named, (topic, event))
        except PreconditionFailed:
            fresh = await repo.find_payment(deps.store, payment.user_id, payment.session_id)
            if fresh is None:
                return payment
            payment = fresh
    return payment


# ---- consuming session events, and the billing timer -------------------------------------------


async def on_session_event(deps: Deps, message: Message) -> str:
    """The billing subscription of ``session-events``: settle stopped sessions, raise holds that run low.

    Returns what was done (for the log). A SessionStopped is processed once per message id; settling
    is idempotent anyway, so a redelivery after a crash between the two does nothing new."""
    from shared.services.idempotency import process_once
    from shared.services.sessions import load_terms, running_cost

    session_id = message.body.get("sessionId")
    if not isinstance(session_id, str):
        return "ignored"
    if message.type == "SessionStopped":
        ran, _ = await process_once(
            deps.store, deps.clock, BILLING_CONSUMER, message.id, lambda: settle(deps, session_id)
        )
        return "settled" if ran else "duplicate"
    if message.type in ("SessionProgressed", "CapReached"):
        session = await session_repo.find_session(deps.store, session_id)
        if session is None or session.status != "active" or session.hold_amount is None:
            return "ignored"
        cost = running_cost(session, await load_terms(deps, session), deps.clock.now())
        if cost is None:
            return "ignored"
        raised = await raise_hold_if_near(deps, session, cost.total)
        return "hold raised" if raised.hold_amount != session.hold_amount else "hold enough"
    return "ignored"


@dataclass
class BillingRun:
    retried: int = 0
    released: int = 0
    settled: int = 0
    refunds: int = 0
    flushed: int = 0


async def run_billing_jobs(deps: Deps, *, limit: int = 100) -> BillingRun:
    """The billing timer: retry failed collections whose time has come; close holds whose session never
    started (or whose stop was never billed: a lost message); publish what an outbox kept."""
    from shared.services.refunds import complete_refunds

    run = BillingRun()
    now = deps.clock.now()
    for payment in await repo.due_for_retry(deps.store, now, limit=limit):
        if await _job(payment, "retry", settle(deps, payment.session_id)):
            run.retried += 1
    grace = timedelta(seconds=deps.settings.session_start_timeout_seconds + deps.settings.ocpp_command_timeout_seconds)
    for payment in await repo.holds_older_than(deps.store, now - grace, limit=limit):
        session = await session_repo.find_session(deps.store, payment.session_id)
        if session is None:  # the start died between the hold and the session: give the money back
            if await _job(payment, "release", _release_lost(deps, payment)):
                run.released += 1
        elif not session.live and await _job(payment, "settle", settle(deps, session.id)):
            run.settled += 1
    for payment in await repo.with_open_refunds(deps.store, limit=limit):
        if await _job(payment, "refunds", complete_refunds(deps, payment)):
            run.refunds += 1
    for payment in await repo.with_pending_events(deps.store, limit=limit):
        if await _job(payment, "outbox", flush_billing_events(deps, payment)):
            run.flushed += 1
    return run


async def _job(payment: SessionPayment, what: str, work: Awaitable[object]) -> bool:
    """One record's job: a failure is logged and left for the next run, never stops the others."""
    try:
        await work
    except Exception:  # noqa: BLE001 - the next run tries again
        log.warning("billing job %s of %s failed; next run retries", what, payment.id, exc_info=True)
        return False
    return True


async def _release_lost(deps: Deps, payment: SessionPayment) -> SessionPayment:
    return await release_hold(deps, await _recover_hold(deps, payment), "never_started")


async def _recover_hold(deps: Deps, payment: SessionPayment) -> SessionPayment:
    """A record whose authorize call may have run without its answer being written: ask again under the
    same key (the gateway replays the first outcome within a day) so the hold can be released."""
    if payment.hold_intent_id is not None or payment.customer_id is None or payment.payment_method_id is None:
        return payment
    try:
        intent = await deps.payments.authorize(
            customer_id=payment.customer_id,
            payment_method_id=payment.payment_method_id,
            amount_minor=payment.hold_minor,
            currency=payment.currency,
            idempotency_key=f"hold:{payment.session_id}",
            metadata={"sessionId": payment.session_id, "userId": payment.user_id, "providerId": payment.provider_id},
        )
    except (PaymentDeclined, PaymentGatewayError):
        return payment
    return payment.model_copy(update={"hold_intent_id": intent.id})

"""Payment values and errors: what the PaymentGateway port (shared/ports/payments.py) speaks.

Amounts cross the port as integers in the currency's minor unit (cents), as Stripe counts them, so
no gateway ever rounds. ``to_minor`` and ``from_minor`` convert the domain's ``Decimal`` money
exactly: an amount finer than the currency's minor unit is a ValueError, never rounded here, since
money is rounded once, by the pricing engine. Currencies are upper-case ISO 4217 on this side
(Stripe wants lower case on the wire: the adapters convert).

Errors::

    DomainError
    ├── Conflict
    │   └── PaymentDeclined          the card was refused (Stripe's card_error): code, decline_code, message
    ├── MalformedRequest
    │   └── WebhookSignatureInvalid  a webhook whose Stripe-Signature does not verify (or is too old)
    └── DependencyFailed
        └── PaymentGatewayError      anything else; ``retryable``: the same call, same key, may succeed later
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from shared.domain.errors import Conflict, DependencyFailed, MalformedRequest
from shared.domain.pricing import minor_unit

__all__ = [
    "CardSummary",
    "PaymentDeclined",
    "PaymentGatewayError",
    "PaymentIntentResult",
    "PaymentIntentStatus",
    "RefundResult",
    "SetupIntentResult",
    "WebhookEvent",
    "WebhookSignatureInvalid",
    "from_minor",
    "to_minor",
]

# Stripe's PaymentIntent statuses; a hold waits in requires_capture.
PaymentIntentStatus = Literal[
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "canceled",
    "succeeded",
]


def to_minor(amount: Decimal, currency: str) -> int:
    """12.40 EUR -> 1240; 500 JPY -> 500. Refuses negative amounts and amounts finer than the minor unit."""
    scaled = amount.scaleb(minor_unit(currency))
    if amount < 0 or scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} is not a whole, non-negative number of minor units.")
    return int(scaled)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """1240 EUR -> Decimal("12.40"), exactly the minor unit's places."""
    return Decimal(amount_minor).scaleb(-minor_unit(currency))


@dataclass(frozen=True, slots=True)
class SetupIntentResult:
    id: str
    client_secret: str  # for the web app's card form only; never logged or stored
    status: str  # requires_payment_method until the card form confirms it, then succeeded
    customer_id: str | None = None
    payment_method_id: str | None = None


@dataclass(frozen=True, slots=True)
class CardSummary:
    id: str  # the payment method id (pm_...)
    brand: str  # visa, mastercard, amex ...
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True, slots=True)
class PaymentIntentResult:
    id: str
    status: PaymentIntentStatus
    amount_minor: int  # what was asked for (after increments)
    amount_capturable_minor: int  # still held: capturable now
    amount_received_minor: int  # captured (before refunds)
    currency: str  # upper case
    decline_code: str | None = None  # of the last failed attempt, if any
    failure_message: str | None = None
    incremental_authorization_available: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundResult:
    id: str
    payment_intent_id: str
    amount_minor: int
    currency: str  # upper case
    status: str  # succeeded, pending, failed, canceled
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str  # evt_...: what a handler dedupes on
    type: str  # payment_intent.succeeded ...
    object: dict[str, Any]  # data.object: the Stripe object as it was when the event happened
    created: int = 0  # epoch seconds: order events by it, never by arrival


class PaymentDeclined(Conflict):
    """The card was refused: Stripe's card_error (402). ``code`` is Stripe's error code (card_declined,
    expired_card, incorrect_cvc, authentication_required, invalid_number ...), ``decline_code`` the
    issuer's reason when given (generic_decline, insufficient_funds ...). A declined hold still left a
    PaymentIntent behind (``intent_id``, status requires_payment_method)."""

    title = "Payment declined"

    def __init__(self, code: str, decline_code: str | None, message: str, *, intent_id: str | None = None) -> None:
        super().__init__(message, code=code, declineCode=decline_code)
        self.decline_code = decline_code
        self.message = message
        self.intent_id = intent_id


class PaymentGatewayError(DependencyFailed):
    """Any other failure: refused requests (``retryable`` False: fix the call, e.g. amount_too_large,
    payment_intent_unexpected_state, idempotency_error) and outages (``retryable`` True: retry the
    same call with the same idempotency key)."""

    title = "Payment service unavailable"

    def __init__(self, message: str, *, code: str = "payment_gateway_error", retryable: bool = False) -> None:
        super().__init__(message, code=code)
        self.message = message
        self.retryable = retryable


class WebhookSignatureInvalid(MalformedRequest):
    """The payload's Stripe-Signature header is missing, malformed, does not match the secret, or is older
    than the tolerance. Answer 400 and do nothing else."""

    code = "webhook_signature_invalid"
    title = "Invalid webhook signature"

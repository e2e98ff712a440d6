"""PaymentGateway: saved cards, holds, captures and refunds, shaped by Stripe's PaymentIntents (DESIGN section 7).

Adapters: Stripe (shared/adapters/azure/stripe_gateway.py) and the embedded payment simulator
(shared/adapters/embedded/payment_simulator.py), which answers Stripe's test card numbers the way
Stripe does. Both are tested by one contract suite (tests/contract/test_payment_gateways.py).

The rules every adapter keeps:

- Amounts are integers in the currency's minor unit (``shared.domain.payments.to_minor``); currencies
  are upper-case ISO 4217.
- Every mutating call takes an ``idempotency_key``. The same key with the same request returns the
  first outcome again (a declined hold is declined again, without a second attempt on the card); the
  same key with a different request is a non-retryable ``PaymentGatewayError`` (code
  ``idempotency_error``). Keys live 24 hours, as Stripe's do. Derive them from what the call is for
  (``hold:{session_id}``, ``capture:{session_id}``), never from a random draw, so a redelivered message
  or a retried timer cannot charge twice.
- A hold is a PaymentIntent with manual capture, confirmed off-session: ``requires_capture`` on
  success. ``capture`` takes at most the capturable amount and releases the rest; ``cancel``
  releases all of it. Uncaptured holds lapse after 7 days (status ``canceled``).
- Declines raise ``PaymentDeclined``; anything else ``PaymentGatewayError`` (see its ``retryable``).
- Webhooks: ``verify_webhook`` checks the Stripe-Signature header (HMAC-SHA256, 5 minutes' tolerance)
  and returns the event; handlers dedupe on the event id and must accept any order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from shared.domain.payments import CardSummary, PaymentIntentResult, RefundResult, SetupIntentResult, WebhookEvent

__all__ = ["PaymentGateway"]


class PaymentGateway(Protocol):
    # -- customers and saved cards --------------------------------------------------------------
    async def ensure_customer(self, user_id: str, email: str, *, idempotency_key: str) -> str:
        """The gateway's customer id for this user, created on first call (later calls find it)."""
        ...

    async def create_setup_intent(self, customer_id: str, *, idempotency_key: str) -> SetupIntentResult:
        """Start saving a card for off-session use; the client secret goes to the web app's card form."""
        ...

    async def list_payment_methods(self, customer_id: str) -> list[CardSummary]:
        """The customer's saved cards, newest first."""
        ...

    async def detach_payment_method(self, payment_method_id: str, *, idempotency_key: str) -> None:
        """Remove a saved card from its customer; it can never be used again."""
        ...

    # -- holds -------------------------------------------------------------------------------------
    async def authorize(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> PaymentIntentResult:
        """Hold ``amount_minor`` on the card (manual capture, off-session): status requires_capture."""
        ...

    async def increment_authorization(
        self, intent_id: str, amount_minor: int, *, idempotency_key: str
    ) -> PaymentIntentResult:
        """Raise a hold to the new total ``amount_minor`` (not the difference). Needs
        ``incremental_authorization_available``; a refused increment raises and leaves the hold as it was."""
        ...

    async def capture(self, intent_id: str, amount_minor: int, *, idempotency_key: str) -> PaymentIntentResult:
        """Take ``amount_minor`` (at most the capturable amount) and release the rest: status succeeded."""
        ...

    async def cancel(self, intent_id: str, *, idempotency_key: str) -> PaymentIntentResult:
        """Release the whole hold (or abandon a declined intent): status canceled."""
        ...

    async def charge(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> PaymentIntentResult:
        """An immediate off-session payment (a top-up above the hold): status succeeded."""
        ...

    async def refund(self, intent_id: str, amount_minor: int, *, reason: str, idempotency_key: str) -> RefundResult:
        """Give back part or all of what was captured and not yet refunded; ``reason`` is free text."""
        ...

    async def retrieve_payment_intent(self, intent_id: str) -> PaymentIntentResult:
        """The intent as it is now: what a retry or an out-of-order webhook reconciles against."""
        ...

    # -- webhooks ----------------------------------------------------------------------------------
    async def verify_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        """The event in a webhook body, once its signature checks out; else ``WebhookSignatureInvalid``."""
        ...

    async def close(self) -> None: ...

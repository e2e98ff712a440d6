"""PaymentGateway on Stripe's v1 API through ``stripe.StripeClient`` (stripe 16.1.0), async end to end.

The requests it sends (form-encoded, ``Idempotency-Key`` on every POST):

- hold: ``POST /v1/payment_intents`` amount, currency, customer, payment_method, capture_method=manual,
  confirm=true, off_session=true, payment_method_types[0]=card,
  payment_method_options[card][request_incremental_authorization]=if_available, metadata[...],
  expand[0]=latest_charge (the charge says whether the hold can be raised);
- ``.../{id}/increment_authorization`` amount (the new total), ``.../{id}/capture`` amount_to_capture,
  ``.../{id}/cancel``; a top-up is a PaymentIntent with capture_method=automatic;
- ``POST /v1/refunds`` payment_intent, amount, metadata[reason] (Stripe's own ``reason`` only takes
  duplicate, fraudulent or requested_by_customer, so it is sent only for those);
- ``POST /v1/setup_intents`` customer, usage=off_session, payment_method_types[0]=card;
  ``GET /v1/customers/{id}/payment_methods?type=card``; ``POST /v1/payment_methods/{id}/detach``;
- customers: ``GET /v1/customers?email=`` (strongly consistent, unlike search) for one whose
  metadata[user_id] matches, else ``POST /v1/customers``.

Errors: a 402 (``stripe.CardError``) is ``PaymentDeclined`` with Stripe's code and decline code;
any other ``stripe.StripeError`` is ``PaymentGatewayError``, retryable for connection errors, rate
limits, 409 and 5xx (the library itself retries those ``max_network_retries`` times with the same key).

The async HTTP client is ``stripe.AIOHTTPClient`` (aiohttp is a runtime dependency; httpx is only a
dev one), or the one given: tests pass a ``stripe.HTTPClient`` subclass that records each request.
Building the gateway does no I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import stripe

from shared.adapters.azure import stripe_objects as so
from shared.domain.payments import (
    CardSummary,
    PaymentGatewayError,
    PaymentIntentResult,
    RefundResult,
    SetupIntentResult,
    WebhookEvent,
)

__all__ = ["StripeGateway"]

T = TypeVar("T")
_STRIPE_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
_MAX_PAGES = 10  # of 100 cards each: a bound on a listing, not a limit anyone reaches


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        http_client: stripe.HTTPClient | None = None,
        *,
        max_network_retries: int = 2,
        timeout_seconds: float = 30.0,
        webhook_tolerance_seconds: int = so.WEBHOOK_TOLERANCE_SECONDS,
    ) -> None:
        self._http = http_client or stripe.AIOHTTPClient(timeout=timeout_seconds)
        self._stripe = stripe.StripeClient(secret_key, http_client=self._http, max_network_retries=max_network_retries)
        self._webhook_secret, self._tolerance = webhook_secret, webhook_tolerance_seconds

    async def _call(self, request: Awaitable[T]) -> T:
        try:
            return await request
        except stripe.CardError as exc:
            body = exc.json_body if isinstance(exc.json_body, dict) else {}
            raise so.declined(body.get("error") or {"code": exc.code, "message": exc.user_message}) from exc
        except stripe.StripeError as exc:
            raise _failure(exc) from exc

    # -- customers and saved cards --------------------------------------------------------------
    async def ensure_customer(self, user_id: str, email: str, *, idempotency_key: str) -> str:
        v1 = self._stripe.v1
        found = await self._call(v1.customers.list_async(params={"email": email, "limit": 100}))
        for customer in (c.to_dict() for c in found.data):
            if (customer.get("metadata") or {}).get("user_id") == user_id:
                return str(customer["id"])
        params: Any = {"email": email, "metadata": {"user_id": user_id}}
        created = await self._call(
            v1.customers.create_async(params=params, options={"idempotency_key": idempotency_key})
        )
        return created.id

    async def create_setup_intent(self, customer_id: str, *, idempotency_key: str) -> SetupIntentResult:
        params: Any = {"customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]}
        options: Any = {"idempotency_key": idempotency_key}
        intent = await self._call(self._stripe.v1.setup_intents.create_async(params=params, options=options))
        return so.setup_result(intent.to_dict())

    async def list_payment_methods(self, customer_id: str) -> list[CardSummary]:
        params: Any = {"type": "card", "limit": 100}
        cards: list[CardSummary] = []
        for _ in range(_MAX_PAGES):
            page = await self._call(self._stripe.v1.customers.payment_methods.list_async(customer_id, params=params))
            cards += [so.card_summary(pm.to_dict()) for pm in page.data]
            if not page.has_more or not page.data:
                break
            params = {**params, "starting_after": page.data[-1].id}
        return cards

    async def detach_payment_method(self, payment_method_id: str, *, idempotency_key: str) -> None:
        options: Any = {"idempotency_key": idempotency_key}
        await self._call(self._stripe.v1.payment_methods.detach_async(payment_method_id, options=options))

    # -- holds -------------------------------------------------------------------------------------
    async def _create_intent(self, params: dict[str, Any], idempotency_key: str) -> PaymentIntentResult:
        options: Any = {"idempotency_key": idempotency_key}
        intent = await self._call(self._stripe.v1.payment_intents.create_async(params=params, options=options))  # type: ignore[arg-type]
        return so.intent_result(intent.to_dict())

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
        params = _intent(customer_id, payment_method_id, amount_minor, currency, metadata)
        params |= {
            "capture_method": "manual",
            "payment_method_options": {"card": {"request_incremental_authorization": "if_available"}},
            "expand": ["latest_charge"],
        }
        return await self._create_intent(params, idempotency_key)

    async def increment_authorization(
        self, intent_id: str, amount_minor: int, *, idempotency_key: str
    ) -> PaymentIntentResult:
        call = self._stripe.v1.payment_intents.increment_authorization_async(
            intent_id,
            params={"amount": amount_minor, "expand": ["latest_charge"]},
            options={"idempotency_key": idempotency_key},
        )
        return so.intent_result((await self._call(call)).to_dict())

    async def capture(self, intent_id: str, amount_minor: int, *, idempotency_key: str) -> PaymentIntentResult:
        call = self._stripe.v1.payment_intents.capture_async(
            intent_id, params={"amount_to_capture": amount_minor}, options={"idempotency_key": idempotency_key}
        )
        return so.intent_result((await self._call(call)).to_dict())

    async def cancel(self, intent_id: str, *, idempotency_key: str) -> PaymentIntentResult:
        call = self._stripe.v1.payment_intents.cancel_async(intent_id, options={"idempotency_key": idempotency_key})
        return so.intent_result((await self._call(call)).to_dict())

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
        params = _intent(customer_id, payment_method_id, amount_minor, currency, metadata)
        return await self._create_intent(params | {"capture_method": "automatic"}, idempotency_key)

    async def refund(self, intent_id: str, amount_minor: int, *, reason: str, idempotency_key: str) -> RefundResult:
        params: Any = {"payment_intent": intent_id, "amount": amount_minor, "metadata": {"reason": reason}}
        if reason in _STRIPE_REASONS:
            params["reason"] = reason
        options: Any = {"idempotency_key": idempotency_key}
        refund = await self._call(self._stripe.v1.refunds.create_async(params=params, options=options))
        return so.refund_result(refund.to_dict())

    async def retrieve_payment_intent(self, intent_id: str) -> PaymentIntentResult:
        call = self._stripe.v1.payment_intents.retrieve_async(intent_id, params={"expand": ["latest_charge"]})
        return so.intent_result((await self._call(call)).to_dict())

    # -- webhooks ----------------------------------------------------------------------------------
    async def verify_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        return so.verify_webhook(payload, signature_header, self._webhook_secret, self._tolerance)

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]


def _intent(
    customer_id: str, payment_method_id: str, amount_minor: int, currency: str, metadata: Mapping[str, str] | None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "amount": amount_minor,
        "currency": currency.lower(),
        "customer": customer_id,
        "payment_method": payment_method_id,
        "confirm": True,
        "off_session": True,
        "payment_method_types": ["card"],
    }
    if metadata:
        params["metadata"] = dict(metadata)
    return params


def _failure(exc: stripe.StripeError) -> PaymentGatewayError:
    status = exc.http_status
    if isinstance(exc, stripe.APIConnectionError):
        return PaymentGatewayError(
            f"Stripe could not be reached: {exc.user_message}", code="gateway_unreachable", retryable=True
        )
    if isinstance(exc, stripe.IdempotencyError):
        return PaymentGatewayError(str(exc.user_message), code="idempotency_error")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return PaymentGatewayError(f"Stripe refused our credentials: {exc.user_message}", code="gateway_auth_failed")
    retryable = isinstance(exc, stripe.RateLimitError) or status is None or status == 409 or status >= 500
    error = exc.json_body.get("error") if isinstance(exc.json_body, dict) else None
    stated = exc.code or (error.get("code") if isinstance(error, dict) else None)  # an APIError keeps it in the body
    code = stated or ("rate_limit" if isinstance(exc, stripe.RateLimitError) else "gateway_error")
    return PaymentGatewayError(f"Stripe: {exc.user_message}", code=str(code), retryable=retryable)

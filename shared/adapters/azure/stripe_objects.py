"""Stripe's wire objects (plain JSON dicts) read into the payment values, and its webhook signatures.

Shared by the Stripe adapter and the embedded payment simulator: the simulator keeps Stripe-shaped
objects and signs its webhooks with Stripe's scheme, so one webhook handler and one reading of
Stripe's JSON serve both gateways.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import stripe

from shared.domain.payments import (
    CardSummary,
    PaymentDeclined,
    PaymentIntentResult,
    PaymentIntentStatus,
    RefundResult,
    SetupIntentResult,
    WebhookEvent,
    WebhookSignatureInvalid,
)

__all__ = [
    "WEBHOOK_TOLERANCE_SECONDS",
    "card_summary",
    "declined",
    "intent_result",
    "refund_result",
    "setup_result",
    "sign_webhook",
    "verify_webhook",
]

WEBHOOK_TOLERANCE_SECONDS = 300  # Stripe's default: a signature older than 5 minutes is refused (replay guard)


def _id(value: Any) -> str | None:
    """A reference that may be an id or the expanded object."""
    if isinstance(value, Mapping):
        return str(value["id"])
    return str(value) if value else None


def intent_result(obj: Mapping[str, Any]) -> PaymentIntentResult:
    error = obj.get("last_payment_error") or {}
    charge = obj.get("latest_charge")
    card = charge.get("payment_method_details", {}).get("card", {}) if isinstance(charge, Mapping) else {}
    incremental = (card.get("incremental_authorization") or {}).get("status") == "available"
    return PaymentIntentResult(
        id=str(obj["id"]),
        status=cast(PaymentIntentStatus, obj["status"]),
        amount_minor=int(obj["amount"]),
        amount_capturable_minor=int(obj.get("amount_capturable") or 0),
        amount_received_minor=int(obj.get("amount_received") or 0),
        currency=str(obj["currency"]).upper(),
        decline_code=error.get("decline_code") or error.get("code"),
        failure_message=error.get("message"),
        incremental_authorization_available=incremental,
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
    )


def setup_result(obj: Mapping[str, Any]) -> SetupIntentResult:
    return SetupIntentResult(
        id=str(obj["id"]),
        client_secret=str(obj.get("client_secret") or ""),
        status=str(obj["status"]),
        customer_id=_id(obj.get("customer")),
        payment_method_id=_id(obj.get("payment_method")),
    )


def card_summary(obj: Mapping[str, Any]) -> CardSummary:
    card = obj.get("card") or {}
    return CardSummary(
        id=str(obj["id"]),
        brand=str(card.get("brand") or "unknown"),
        last4=str(card.get("last4") or ""),
        exp_month=int(card.get("exp_month") or 0),
        exp_year=int(card.get("exp_year") or 0),
    )


def refund_result(obj: Mapping[str, Any]) -> RefundResult:
    metadata = obj.get("metadata") or {}
    return RefundResult(
        id=str(obj["id"]),
        payment_intent_id=_id(obj.get("payment_intent")) or "",
        amount_minor=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        status=str(obj.get("status") or "succeeded"),
        reason=metadata.get("reason") or obj.get("reason"),
    )


def declined(error: Mapping[str, Any]) -> PaymentDeclined:
    """The ``error`` member of a 402 card_error body."""
    return PaymentDeclined(
        str(error.get("code") or "card_declined"),
        error.get("decline_code"),
        str(error.get("message") or "Your card was declined."),
        intent_id=_id(error.get("payment_intent")),
    )


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for ``payload``: ``t=<epoch>,v1=<hex HMAC-SHA256 of "t.payload">``."""
    header: str = stripe.WebhookSignature.generate_signature_header(payload.decode("utf-8"), secret, timestamp)
    return header


def verify_webhook(
    payload: bytes, signature_header: str, secret: str, tolerance: int = WEBHOOK_TOLERANCE_SECONDS
) -> WebhookEvent:
    """The event in a webhook body, verified as Stripe documents it; ``WebhookSignatureInvalid`` otherwise."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
        body = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureInvalid(f"The webhook signature does not verify: {exc.user_message}") from exc
    except ValueError as exc:  # not UTF-8 (before any HMAC), or signed but not JSON: not from Stripe either way
        raise WebhookSignatureInvalid("The webhook body is not a signed Stripe event.") from exc
    if not isinstance(body, dict) or body.get("object") != "event" or not isinstance(body.get("data"), dict):
        raise WebhookSignatureInvalid("The webhook body is not a signed Stripe event.")
    return WebhookEvent(
        id=str(body["id"]),
        type=str(body["type"]),
        object=dict(body["data"].get("object") or {}),
        created=int(body.get("created") or 0),
    )

"""The payment simulator's PaymentIntents: Stripe's hold, capture, cancel and increment rules on Stripe-shaped dicts.

Each operation takes the transaction's ``Books`` and the request's parameters and returns what Stripe
would answer: ``(200, object)``, or ``(402, {"error": ...})`` for a declined card (both are remembered
under the idempotency key); a request Stripe would refuse with a 400 raises ``PaymentGatewayError`` and
changes nothing. A hold goes requires_capture -> succeeded (capture: the uncaptured rest is released)
or canceled (cancel, or 7 days without a capture); a declined attempt leaves requires_payment_method.
Each confirmed intent has a Charge (``latest_charge``), which is what refunds and charge.refunded use.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.adapters.embedded.payment_simulator_cards import DECLINES
from shared.adapters.embedded.payment_simulator_sql import Books, Reply, invalid
from shared.domain.payments import from_minor
from shared.domain.pricing import minor_unit

__all__ = [
    "HOLD_LIFETIME",
    "MINIMUM_CHARGE",
    "cancel",
    "capture",
    "confirm_intent",
    "expire_holds",
    "increment_authorization",
    "money_text",
    "retrieve",
    "unexpected_state",
]

HOLD_LIFETIME = timedelta(days=7)  # Stripe cancels an uncaptured card PaymentIntent after 7 days
MAX_AMOUNT = 99_999_999  # Stripe's cap: eight digits of minor units
MAX_INCREMENTS = 10  # attempts per PaymentIntent, declines included
# Stripe's minimum charge per presentment currency (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts),
# for the currencies a European network meets; others are not checked.
MINIMUM_CHARGE = {"eur": 50, "usd": 50, "gbp": 30, "chf": 50, "dkk": 250, "nok": 300, "sek": 300, "pln": 200}
_CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action")


def money_text(amount: int, currency: str) -> str:
    return f"{from_minor(amount, currency.upper())} {currency.upper()}"


def unexpected_state(intent: dict[str, Any], verb: str, allowed: str) -> Exception:
    return invalid(
        f"This PaymentIntent could not be {verb} because it has a status of {intent['status']}. "
        f"Only a PaymentIntent with one of the following statuses may be {verb}: {allowed}.",
        "payment_intent_unexpected_state",
    )


def _check_amount(amount: Any, currency: str) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        raise invalid("Invalid positive integer: amount", "parameter_invalid_integer")
    if amount > MAX_AMOUNT:
        raise invalid(f"Amount must be no more than {money_text(MAX_AMOUNT, currency)}", "amount_too_large")
    if amount < MINIMUM_CHARGE.get(currency, 0):
        raise invalid(f"Amount must be at least {money_text(MINIMUM_CHARGE[currency], currency)}", "amount_too_small")


def _expanded(b: Books, intent: dict[str, Any]) -> dict[str, Any]:
    charge = intent.get("latest_charge")
    return {**intent, "latest_charge": b.get("charge", charge)} if charge else intent


def expire_holds(b: Books) -> None:
    """Cancel every hold past its lifetime, as Stripe does on its own (cancellation_reason automatic)."""
    for intent in b.where_status("payment_intent", "requires_capture"):
        if intent["created"] + HOLD_LIFETIME.total_seconds() <= b.epoch:
            _cancel(b, intent, "automatic", None)


def _cancel(b: Books, intent: dict[str, Any], reason: str | None, key: str | None) -> dict[str, Any]:
    if intent.get("latest_charge") and intent["status"] == "requires_capture":
        charge = b.get("charge", intent["latest_charge"])  # the released hold counts as refunded on the charge
        b.put(charge | {"amount_refunded": charge["amount"], "refunded": True})
    intent |= {"status": "canceled", "amount_capturable": 0, "canceled_at": b.epoch, "cancellation_reason": reason}
    b.put(intent)
    b.emit("payment_intent.canceled", intent, key)
    return intent


def _new_intent(b: Books, p: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    currency = str(p["currency"])
    try:
        minor_unit(currency.upper())
    except ValueError:
        raise invalid(f"Invalid currency: {currency}", "parameter_invalid_string") from None
    _check_amount(p["amount"], currency)
    b.get("customer", p["customer"])
    method = b.get("payment_method", p["payment_method"])
    if method.get("customer") != p["customer"]:
        raise invalid(
            f"The provided PaymentMethod {method['id']} is not attached to customer {p['customer']}.",
            "payment_method_unexpected_state",
        )
    intent = {
        "id": b.new_id("pi"),
        "object": "payment_intent",
        "amount": p["amount"],
        "amount_capturable": 0,
        "amount_received": 0,
        "currency": currency,
        "customer": p["customer"],
        "payment_method": method["id"],
        "payment_method_types": ["card"],
        "capture_method": p["capture_method"],
        "confirmation_method": "automatic",
        "status": "requires_confirmation",
        "metadata": dict(p.get("metadata") or {}),
        "latest_charge": None,
        "last_payment_error": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "created": b.epoch,
        "livemode": False,
    }
    return intent, method, b.private(method["id"])


def _charge(b: Books, intent: dict[str, Any], method: dict[str, Any], status: str) -> dict[str, Any]:
    card = method["card"]
    return {
        "id": b.new_id("ch"),
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": 0,
        "amount_refunded": 0,
        "captured": False,
        "refunded": False,
        "paid": status == "succeeded",
        "status": status,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "payment_intent": intent["id"],
        "payment_method": method["id"],
        "payment_method_details": {
            "type": "card",
            "card": {
                "brand": card["brand"],
                "last4": card["last4"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "incremental_authorization": {"status": "available"},
            },
        },
        "created": b.epoch,
        "livemode": False,
    }


def _decline_of(private: dict[str, Any]) -> tuple[str, str | None, str] | None:
    behaviour = private.get("behaviour", "succeeds")
    if behaviour == "auth_unless_set_up" and private.get("set_up"):
        return None
    return DECLINES.get(behaviour)


def confirm_intent(b: Books, p: dict[str, Any], key: str) -> Reply:
    """A PaymentIntent created and confirmed off-session: a hold (manual capture) or a payment (automatic)."""
    intent, method, private = _new_intent(b, p)
    decline = _decline_of(private)
    charge = _charge(b, intent, method, "failed" if decline else "succeeded")
    intent["latest_charge"] = charge["id"]
    if decline is not None:
        code, decline_code, message = decline
        error = {"type": "card_error", "code": code, "decline_code": decline_code, "message": message}
        charge |= {"failure_code": code, "failure_message": message}
        intent |= {"status": "requires_payment_method", "last_payment_error": error | {"charge": charge["id"]}}
        b.put(charge)
        b.put(intent)
        b.emit("payment_intent.payment_failed", intent, key)
        return 402, {"error": error | {"charge": charge["id"], "payment_intent": _expanded(b, intent)}}
    if p["capture_method"] == "manual":
        intent |= {"status": "requires_capture", "amount_capturable": intent["amount"]}
        event = "payment_intent.amount_capturable_updated"
    else:
        charge |= {"captured": True, "amount_captured": intent["amount"]}
        intent |= {"status": "succeeded", "amount_received": intent["amount"]}
        event = "payment_intent.succeeded"
    b.put(charge)
    b.put(intent, private={"increments": 0})
    b.emit(event, intent, key)
    return 200, _expanded(b, intent)


def increment_authorization(b: Books, p: dict[str, Any], key: str) -> Reply:
    intent = b.get("payment_intent", p["intent"])
    if intent["status"] != "requires_capture":
        raise unexpected_state(intent, "incremented", "requires_capture")
    private = b.private(intent["id"])
    if private.get("increments", 0) >= MAX_INCREMENTS:
        raise invalid(f"This PaymentIntent has reached the limit of {MAX_INCREMENTS} incremental authorizations.")
    _check_amount(p["amount"], intent["currency"])
    if p["amount"] <= intent["amount"]:
        raise invalid(f"The amount must be greater than the current amount ({intent['amount']}).", "amount_too_small")
    charge = b.get("charge", intent["latest_charge"])
    b.put(charge | {"amount": p["amount"]})
    intent |= {"amount": p["amount"], "amount_capturable": p["amount"]}
    b.put(intent, private=private | {"increments": private.get("increments", 0) + 1})
    b.emit("payment_intent.amount_capturable_updated", intent, key)
    return 200, _expanded(b, intent)


def capture(b: Books, p: dict[str, Any], key: str) -> Reply:
    intent = b.get("payment_intent", p["intent"])
    if intent["status"] != "requires_capture":
        raise unexpected_state(intent, "captured", "requires_capture")
    amount = p["amount_to_capture"]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        raise invalid(
            "amount_to_capture must be a positive integer; cancel to release the whole hold.", "amount_too_small"
        )
    if amount > intent["amount_capturable"]:
        raise invalid(
            f"The amount to capture ({amount}) is greater than the amount capturable ({intent['amount_capturable']}).",
            "amount_too_large",
        )
    charge = b.get("charge", intent["latest_charge"])
    b.put(charge | {"captured": True, "amount_captured": amount})
    intent |= {"status": "succeeded", "amount_received": amount, "amount_capturable": 0}
    b.put(intent)
    b.emit("payment_intent.succeeded", intent, key)
    return 200, intent


def cancel(b: Books, p: dict[str, Any], key: str) -> Reply:
    intent = b.get("payment_intent", p["intent"])
    if intent["status"] not in _CANCELABLE:
        raise unexpected_state(intent, "canceled", ", ".join(_CANCELABLE))
    return 200, _cancel(b, intent, None, key)


def retrieve(b: Books, p: dict[str, Any], key: str) -> Reply:
    return 200, _expanded(b, b.get("payment_intent", p["intent"]))

"""The payment simulator's other operations: customers, saved cards, refunds, and the table of all of them.

Same contract as the PaymentIntent operations (``payment_simulator_intents``): Stripe-shaped objects in,
``(status, body)`` out, a 400 raised as ``PaymentGatewayError`` with nothing changed.
"""

from __future__ import annotations

from typing import Any

from shared.adapters.embedded import payment_simulator_intents as intents
from shared.adapters.embedded.payment_simulator_intents import money_text, unexpected_state
from shared.adapters.embedded.payment_simulator_sql import Books, Reply, invalid

__all__ = ["OPERATIONS"]


def ensure_customer(b: Books, p: dict[str, Any], key: str) -> Reply:
    found = b.owned("customer", p["user_id"])
    if found:
        return 200, found[0]
    customer = {
        "id": b.new_id("cus"),
        "object": "customer",
        "email": p["email"],
        "metadata": {"user_id": p["user_id"]},
        "created": b.epoch,
        "livemode": False,
    }
    b.put(customer, owner=p["user_id"])
    return 200, customer


def create_setup_intent(b: Books, p: dict[str, Any], key: str) -> Reply:
    b.get("customer", p["customer"])
    intent_id = b.new_id("seti")
    intent = {
        "id": intent_id,
        "object": "setup_intent",
        "client_secret": f"{intent_id}_secret_{b.new_id('s')[2:]}",
        "customer": p["customer"],
        "payment_method": None,
        "payment_method_types": ["card"],
        "status": "requires_payment_method",
        "usage": "off_session",
        "last_setup_error": None,
        "created": b.epoch,
        "livemode": False,
    }
    b.put(intent, owner=p["customer"])
    return 200, intent


def detach(b: Books, p: dict[str, Any], key: str) -> Reply:
    method = b.get("payment_method", p["payment_method"])
    if method.get("customer") is None:
        raise invalid(
            "The payment method you provided is not attached to a customer so detachment is impossible.",
            "payment_method_unexpected_state",
        )
    method["customer"] = None
    b.put(method)
    b.disown(method["id"])
    return 200, method


def refund(b: Books, p: dict[str, Any], key: str) -> Reply:
    intent = b.get("payment_intent", p["payment_intent"])
    if intent["status"] != "succeeded":
        raise unexpected_state(intent, "refunded", "succeeded")
    charge = b.get("charge", intent["latest_charge"])
    left = charge["amount_captured"] - charge["amount_refunded"]
    if left <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", "charge_already_refunded")
    amount = p["amount"]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        raise invalid("Invalid positive integer: amount", "parameter_invalid_integer")
    if amount > left:
        raise invalid(
            f"Refund amount ({money_text(amount, charge['currency'])}) is greater than unrefunded amount on charge "
            f"({money_text(left, charge['currency'])})",
            "amount_too_large",
        )
    created = {
        "id": b.new_id("re"),
        "object": "refund",
        "amount": amount,
        "charge": charge["id"],
        "currency": charge["currency"],
        "payment_intent": intent["id"],
        "reason": p.get("reason"),
        "metadata": dict(p.get("metadata") or {}),
        "status": "succeeded",
        "created": b.epoch,
    }
    b.put(created, owner=intent["id"])
    refunded = charge["amount_refunded"] + amount
    charge |= {"amount_refunded": refunded, "refunded": refunded == charge["amount_captured"]}
    b.put(charge)
    b.emit("charge.refunded", charge, key)
    return 200, created


OPERATIONS = {
    "ensure_customer": ensure_customer,
    "create_setup_intent": create_setup_intent,
    "detach": detach,
    "confirm_intent": intents.confirm_intent,
    "increment_authorization": intents.increment_authorization,
    "capture": intents.capture,
    "cancel": intents.cancel,
    "refund": refund,
    "retrieve": intents.retrieve,
}

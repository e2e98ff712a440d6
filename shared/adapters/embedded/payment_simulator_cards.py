"""The payment simulator's card form: Stripe's test card numbers and what each one does.

The form checks what Stripe's card form checks (Luhn, expiry, CVC length) and then keeps only what
Stripe keeps (brand, last 4, expiry) plus the card's test behaviour. A number that passes Luhn but
is not one of Stripe's test cards is refused as Stripe's test mode refuses a live card, so no real
card number is ever stored here.

Behaviours, as in Stripe's testing docs (docs.stripe.com/testing), applied when the card is charged:
succeeds; generic_decline (4000000000000002, and 4000000000000341 which Stripe lets you attach but
never charge); insufficient_funds (...9995); expired_card (...0069); incorrect_cvc (...0127);
auth_unless_set_up (4000002500003155: an off-session payment needs authentication unless the card was
saved through a SetupIntent); auth_always (4000002760003184: off-session always needs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.domain.payments import PaymentDeclined

__all__ = ["DECLINES", "SimulatedCard", "read_card_form"]


@dataclass(frozen=True, slots=True)
class SimulatedCard:
    brand: str
    behaviour: str  # see the module docstring
    funding: str = "credit"


_CARDS = {
    "4242424242424242": SimulatedCard("visa", "succeeds"),
    "4000056655665556": SimulatedCard("visa", "succeeds", "debit"),
    "5555555555554444": SimulatedCard("mastercard", "succeeds"),
    "2223003122003222": SimulatedCard("mastercard", "succeeds"),
    "5200828282828210": SimulatedCard("mastercard", "succeeds", "debit"),
    "378282246310005": SimulatedCard("amex", "succeeds"),
    "6011111111111117": SimulatedCard("discover", "succeeds"),
    "4000003800000446": SimulatedCard("visa", "succeeds"),  # "already set up" for off-session use
    "4000000000000002": SimulatedCard("visa", "generic_decline"),
    "4000000000000341": SimulatedCard("visa", "generic_decline"),
    "4000000000009995": SimulatedCard("visa", "insufficient_funds"),
    "4000000000000069": SimulatedCard("visa", "expired_card"),
    "4000000000000127": SimulatedCard("visa", "incorrect_cvc"),
    "4000002500003155": SimulatedCard("visa", "auth_unless_set_up"),
    "4000002760003184": SimulatedCard("visa", "auth_always"),
}

_AUTH = (
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)
# behaviour -> (Stripe error code, decline code, message), as Stripe answers a charge of that card
DECLINES: dict[str, tuple[str, str | None, str]] = {
    "generic_decline": ("card_declined", "generic_decline", "Your card was declined."),
    "insufficient_funds": ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "expired_card": ("expired_card", None, "Your card has expired."),
    "incorrect_cvc": ("incorrect_cvc", None, "Your card's security code is incorrect."),
    "auth_unless_set_up": _AUTH,
    "auth_always": _AUTH,
}


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _refuse(code: str, message: str, decline_code: str | None = None) -> PaymentDeclined:
    return PaymentDeclined(code, decline_code, message)


def read_card_form(number: str, exp_month: int, exp_year: int, cvc: str, today: date) -> tuple[str, SimulatedCard]:
    """The card's digits and test behaviour, or ``PaymentDeclined`` with Stripe's card-form code."""
    digits = number.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not _luhn(digits):
        raise _refuse("invalid_number", "Your card number is invalid.")
    if not 1 <= exp_month <= 12:
        raise _refuse("invalid_expiry_month", "Your card's expiration month is invalid.")
    if (exp_year, exp_month) < (today.year, today.month) or exp_year > today.year + 50:
        raise _refuse("invalid_expiry_year", "Your card's expiration year is invalid.")
    card = _CARDS.get(digits)
    if card is None:
        raise _refuse(
            "card_declined",
            "Your card was declined. Your request was in test mode, but used a non test (live) card. "
            "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
            "test_mode_live_card",
        )
    if not cvc.isdigit() or len(cvc) != (4 if card.brand == "amex" else 3):
        raise _refuse("invalid_cvc", "Your card's security code is invalid.")
    return digits, card

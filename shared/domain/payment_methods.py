"""A driver's saved cards: the payment account that ties a user to the gateway, and the API shapes.

The cards themselves live at the gateway (Stripe, or the local simulator); the app keeps one small
document per driver, the ``PaymentAccount`` (``payments`` container, partition ``/userId``, id
``acct:<userId>``): the gateway's customer id and which card is the default.

The default rule: the card the driver picked. When none is picked, or the picked one was removed, it
is the oldest saved card. So the first card saved becomes the default (whether it was saved through
the web app's card form, which never passes through the API, or the local test-card form), a second
card does not take over, and removing the default hands the role to the longest-saved card left.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.domain.model import ApiModel, InputModel
from shared.domain.payments import CardSummary

__all__ = [
    "CardFormEntry",
    "CardSetupPublic",
    "PaymentAccount",
    "PaymentMethodPublic",
    "effective_default",
    "public_cards",
]


class PaymentAccount(ApiModel):
    id: str
    type: Literal["paymentAccount"] = "paymentAccount"
    user_id: str
    customer_id: str
    default_payment_method_id: str | None = None
    created_at: datetime
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @staticmethod
    def key(user_id: str) -> str:
        return f"acct:{user_id}"


class CardSetupPublic(ApiModel):
    """What the web app's card form needs: it confirms the SetupIntent with Stripe Elements."""

    setup_intent_id: str
    client_secret: str
    publishable_key: str | None = None


class PaymentMethodPublic(ApiModel):
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool

    @classmethod
    def of(cls, card: CardSummary, *, default_id: str | None) -> PaymentMethodPublic:
        return cls(
            id=card.id,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            is_default=card.id == default_id,
        )


class CardFormEntry(InputModel):
    """The local card form (payment simulator only). Only shapes are checked here: the simulator checks
    the number, expiry and CVC itself and answers with Stripe's codes, as Stripe's form does."""

    number: str = Field(min_length=1, max_length=32)
    exp_month: int
    exp_year: int
    cvc: str = Field(min_length=1, max_length=8)
    setup_intent_id: str | None = Field(default=None, min_length=1, max_length=255)


def effective_default(cards: Sequence[CardSummary], picked: str | None) -> str | None:
    """The default card's id among ``cards`` (the gateway's order: newest first); see the module docstring."""
    if not cards:
        return None
    if picked is not None and any(c.id == picked for c in cards):
        return picked
    return cards[-1].id


def public_cards(cards: Sequence[CardSummary], default_id: str | None) -> list[PaymentMethodPublic]:
    """The cards as the API shows them: the default first, then the rest newest first."""
    ordered = sorted(cards, key=lambda c: c.id != default_id)  # stable: keeps the gateway's order
    return [PaymentMethodPublic.of(c, default_id=default_id) for c in ordered]

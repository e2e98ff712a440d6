"""A driver's saved cards: start a card setup, list, pick the default, remove; the local test-card form.

Cards live at the gateway; the driver's ``PaymentAccount`` document (shared/domain/payment_methods.py)
holds the gateway's customer id and the default card. A card is the driver's only if the gateway lists
it under their customer, so another driver's card id is simply "not found".

The account is made on first use. Its customer comes from ``ensure_customer`` under a key derived from
the user id, so concurrent first calls get one customer; the document's id is fixed per user, so they
also end with one account (the losers of the create read it back).
"""

from __future__ import annotations

import uuid
from typing import Protocol, runtime_checkable

from shared.domain.errors import InvalidInput, NotFound
from shared.domain.payment_methods import (
    CardFormEntry,
    CardSetupPublic,
    PaymentAccount,
    PaymentMethodPublic,
    effective_default,
    public_cards,
)
from shared.domain.payments import CardSummary, PaymentDeclined, PaymentGatewayError
from shared.domain.principal import Principal
from shared.ports.clock import Clock
from shared.ports.payments import PaymentGateway
from shared.ports.store import DocumentStore, PreconditionFailed
from shared.repositories.payment_accounts import claim_account, find_account, save_account

__all__ = [
    "CardForm",
    "add_test_card",
    "card_form",
    "default_card",
    "ensure_account",
    "list_cards",
    "remove_card",
    "set_default",
    "start_setup",
]

_WRITE_ATTEMPTS = 5  # ETag retries on the account document; each needs another writer in between


@runtime_checkable
class CardForm(Protocol):
    """The payment simulator's card form (what Stripe.js does in the browser); not part of the port."""

    async def add_test_card(
        self, customer_id: str, number: str, exp_month: int, exp_year: int, cvc: str, *, setup_intent_id: str | None
    ) -> str: ...


def card_form(payments: PaymentGateway) -> CardForm | None:
    return payments if isinstance(payments, CardForm) else None


def _no_such_card() -> NotFound:
    return NotFound("You have no such payment method.", code="payment_method_not_found")


async def ensure_account(
    user: Principal, *, store: DocumentStore, payments: PaymentGateway, clock: Clock
) -> PaymentAccount:
    account = await find_account(store, user.user_id)
    if account is not None:
        return account
    key = f"customer:{user.user_id}"  # never random: every first call must find the same customer
    customer_id = await payments.ensure_customer(user.user_id, user.email, idempotency_key=key)
    now = clock.now()
    fresh = PaymentAccount(
        id=PaymentAccount.key(user.user_id),
        user_id=user.user_id,
        customer_id=customer_id,
        created_at=now,
        updated_at=now,
    )
    return await claim_account(store, fresh)


async def start_setup(
    user: Principal, *, store: DocumentStore, payments: PaymentGateway, clock: Clock, publishable_key: str | None
) -> CardSetupPublic:
    account = await ensure_account(user, store=store, payments=payments, clock=clock)
    # Each request opens a new card form. A SetupIntent moves no money, so a retried request that makes
    # a second one leaves only an unused intent behind; a key per user would hand back a used one.
    key = f"setup:{user.user_id}:{uuid.uuid4().hex}"
    intent = await payments.create_setup_intent(account.customer_id, idempotency_key=key)
    return CardSetupPublic(
        setup_intent_id=intent.id, client_secret=intent.client_secret, publishable_key=publishable_key
    )


async def _write_default(
    store: DocumentStore, clock: Clock, account: PaymentAccount, cards: list[CardSummary], picked: str | None
) -> str | None:
    """Record ``picked`` (None: let the rule choose among ``cards``) as the default; returns the default."""
    for _ in range(_WRITE_ATTEMPTS):
        default = picked if picked is not None else effective_default(cards, account.default_payment_method_id)
        if default == account.default_payment_method_id:
            return default
        changed = account.model_copy(update={"default_payment_method_id": default, "updated_at": clock.now()})
        try:
            await save_account(store, changed)
            return default
        except PreconditionFailed:
            account = await find_account(store, account.user_id) or account
    return picked if picked is not None else effective_default(cards, account.default_payment_method_id)


async def _account_and_cards(
    store: DocumentStore, payments: PaymentGateway, user_id: str
) -> tuple[PaymentAccount | None, list[CardSummary]]:
    account = await find_account(store, user_id)
    if account is None:
        return None, []  # no account yet: no cards, and no customer made just to say so
    return account, await payments.list_payment_methods(account.customer_id)


async def list_cards(
    user_id: str, *, store: DocumentStore, payments: PaymentGateway, clock: Clock
) -> list[PaymentMethodPublic]:
    account, cards = await _account_and_cards(store, payments, user_id)
    if account is None:
        return []
    return public_cards(cards, await _write_default(store, clock, account, cards, None))


async def default_card(
    user_id: str, *, store: DocumentStore, payments: PaymentGateway, clock: Clock
) -> tuple[PaymentAccount, CardSummary] | None:
    """The account and the card to charge (for holds), or None when the driver has no card."""
    account, cards = await _account_and_cards(store, payments, user_id)
    if account is None:
        return None
    default = await _write_default(store, clock, account, cards, None)
    return next(((account, c) for c in cards if c.id == default), None)


async def set_default(
    user_id: str, payment_method_id: str, *, store: DocumentStore, payments: PaymentGateway, clock: Clock
) -> list[PaymentMethodPublic]:
    account, cards = await _account_and_cards(store, payments, user_id)
    if account is None or all(c.id != payment_method_id for c in cards):
        raise _no_such_card()
    return public_cards(cards, await _write_default(store, clock, account, cards, payment_method_id))


async def remove_card(
    user_id: str, payment_method_id: str, *, store: DocumentStore, payments: PaymentGateway, clock: Clock
) -> None:
    """Detach the card; if it was the default, the oldest card left takes over (none left: no default)."""
    account, cards = await _account_and_cards(store, payments, user_id)
    if account is None or all(c.id != payment_method_id for c in cards):
        raise _no_such_card()
    await payments.detach_payment_method(payment_method_id, idempotency_key=f"detach:{payment_method_id}")
    await _write_default(store, clock, account, [c for c in cards if c.id != payment_method_id], None)


async def add_test_card(
    user: Principal,
    entry: CardFormEntry,
    *,
    form: CardForm,
    store: DocumentStore,
    payments: PaymentGateway,
    clock: Clock,
) -> PaymentMethodPublic:
    """Save a test card through the simulator's card form; its refusals are 422s with Stripe's codes."""
    account = await ensure_account(user, store=store, payments=payments, clock=clock)
    try:
        card_id = await form.add_test_card(
            account.customer_id, entry.number, entry.exp_month, entry.exp_year, entry.cvc,
            setup_intent_id=entry.setup_intent_id,
        )  # fmt: skip
    except PaymentDeclined as exc:
        raise InvalidInput(exc.message, code=exc.code, declineCode=exc.decline_code) from exc
    except PaymentGatewayError as exc:
        if exc.retryable:
            raise
        raise InvalidInput(exc.message, code=exc.code) from exc  # an unknown or used setupIntentId
    cards = await payments.list_payment_methods(account.customer_id)
    default = await _write_default(store, clock, account, cards, None)
    card = next((c for c in cards if c.id == card_id), None)
    if card is None:  # removed by a concurrent request before we could list it
        raise _no_such_card()
    return PaymentMethodPublic.of(card, default_id=default)

"""A driver's saved cards over HTTP: set up a card (Stripe SetupIntent), list, pick the default, remove.

``POST me/payment-methods/test-card`` is the local card form: only where the payment simulator runs
(APP_ENV development or test, PAYMENT_BACKEND=simulator); anywhere else it does not exist (404).
"""

from __future__ import annotations

from functions.payments import api
from shared.domain.errors import NotFound
from shared.domain.payment_methods import CardFormEntry, CardSetupPublic, PaymentMethodPublic
from shared.domain.principal import Role
from shared.http.endpoint import Call
from shared.http.reply import Reply
from shared.services import payment_methods
from shared.services.payment_methods import CardForm

DRIVER = (Role.DRIVER,)
LOCAL_ENVIRONMENTS = frozenset({"development", "test"})


@api.route(
    "me/payment-methods/setup",
    methods=["POST"],
    roles=DRIVER,
    response=CardSetupPublic,
    status=201,
    errors=(503,),
    summary="Start saving a card: a SetupIntent whose client secret the web app's card form confirms",
)
async def start_card_setup(call: Call) -> CardSetupPublic:
    d = call.deps
    # STRIPE_PUBLISHABLE_KEY is not a setting yet; the field is filled once it is (see the issue note).
    publishable_key = d.settings.stripe_publishable_key or None
    return await payment_methods.start_setup(
        call.user, store=d.store, payments=d.payments, clock=d.clock, publishable_key=publishable_key
    )


@api.route(
    "me/payment-methods",
    roles=DRIVER,
    response=list[PaymentMethodPublic],
    errors=(503,),
    summary="The signed-in driver's saved cards, the default first",
)
async def list_my_payment_methods(call: Call) -> list[PaymentMethodPublic]:
    d = call.deps
    return await payment_methods.list_cards(call.user.user_id, store=d.store, payments=d.payments, clock=d.clock)


@api.route(
    "me/payment-methods/{paymentMethodId}/default",
    methods=["PUT"],
    roles=DRIVER,
    response=list[PaymentMethodPublic],
    errors=(404, 503),
    summary="Make one of your saved cards the default; answers the cards, the default first",
)
async def set_default_payment_method(call: Call) -> list[PaymentMethodPublic]:
    d = call.deps
    return await payment_methods.set_default(
        call.user.user_id, call.route["paymentMethodId"], store=d.store, payments=d.payments, clock=d.clock
    )


@api.route(
    "me/payment-methods/{paymentMethodId}",
    methods=["DELETE"],
    roles=DRIVER,
    status=204,
    errors=(404, 503),
    summary="Remove a saved card; if it was the default, the oldest card left becomes the default",
)
async def remove_payment_method(call: Call) -> None:
    d = call.deps
    await payment_methods.remove_card(
        call.user.user_id, call.route["paymentMethodId"], store=d.store, payments=d.payments, clock=d.clock
    )


def _local_card_form(call: Call) -> CardForm:
    settings = call.deps.settings
    form = payment_methods.card_form(call.deps.payments)
    if settings.environment not in LOCAL_ENVIRONMENTS or settings.payment_backend != "simulator" or form is None:
        raise NotFound("No such resource.", code="not_found")
    return form


@api.route(
    "me/payment-methods/test-card",
    methods=["POST"],
    roles=DRIVER,
    body=CardFormEntry,
    response=PaymentMethodPublic,
    status=201,
    errors=(404, 503),
    summary="Local only (payment simulator): save a Stripe test card, as the card form would",
)
async def add_test_card(call: Call) -> Reply:
    form = _local_card_form(call)
    d = call.deps
    card = await payment_methods.add_test_card(
        call.user, call.body, form=form, store=d.store, payments=d.payments, clock=d.clock
    )
    return Reply(card, headers={"Location": f"/api/me/payment-methods/{card.id}"})

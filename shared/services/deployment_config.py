"""What the web app needs to know about this deployment before it can show some screens.

The web app is one static build served everywhere, so it cannot carry the deployment's choices:
which payment backend takes cards (Stripe Elements with a publishable key, or the payment simulator's
local card form). ``GET /api/config`` answers this, to anyone, from the settings.

Only public values leave: the Stripe publishable key (``pk_...``, meant for browsers) and flags. A value
in STRIPE_PUBLISHABLE_KEY that is not a publishable key (a secret key pasted there by mistake) is never
sent; the web app then has no Stripe form, and the log says why.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field

from shared.config import Settings
from shared.domain.model import ApiModel
from shared.ports.payments import PaymentGateway
from shared.services.payment_methods import card_form

__all__ = ["CACHE_SECONDS", "LOCAL_ENVIRONMENTS", "DeploymentConfig", "deployment_config"]

CACHE_SECONDS = 300  # settings change with a deployment, which restarts the workers anyway
# Where the simulator's card form exists (functions/payments/payment_methods.py: POST me/payment-methods/test-card)
LOCAL_ENVIRONMENTS = frozenset({"development", "test"})
_PUBLISHABLE_PREFIX = "pk_"

log = logging.getLogger("wattsup.config")


class DeploymentConfig(ApiModel):
    payment_backend: Literal["stripe", "simulator"] = Field(description="who takes the drivers' cards")
    stripe_publishable_key: str | None = Field(
        description="for Stripe Elements; only with paymentBackend stripe and a publishable key (pk_...) set"
    )
    simulator_card_form: bool = Field(
        description="POST /api/me/payment-methods/test-card exists (the payment simulator, locally)"
    )


def _publishable_key(settings: Settings) -> str | None:
    key = settings.stripe_publishable_key.strip()
    if settings.payment_backend != "stripe" or not key:
        return None
    if not key.startswith(_PUBLISHABLE_PREFIX):
        log.error("STRIPE_PUBLISHABLE_KEY is not a publishable key (pk_...); the web app gets none")
        return None
    return key


def deployment_config(settings: Settings, payments: PaymentGateway) -> DeploymentConfig:
    form = (
        settings.payment_backend == "simulator"
        and settings.environment in LOCAL_ENVIRONMENTS
        and card_form(payments) is not None
    )
    return DeploymentConfig(
        payment_backend=settings.payment_backend,
        stripe_publishable_key=_publishable_key(settings),
        simulator_card_form=form,
    )

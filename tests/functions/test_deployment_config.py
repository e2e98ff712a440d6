"""GET /api/config: the payment backend, the Stripe publishable key, the simulator's card form; never a secret."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from shared import bootstrap
from shared.config import Settings
from shared.domain.principal import Role
from tests.conftest import fast_hasher, make_settings
from tests.fakes import FakeClock, RecordingLink
from tests.providers_fixture import add_member

PUBLISHABLE = "pk_test_" + "51Hx" + secrets.token_hex(12)
SECRET_NAMES = ("secret", "password", "_key", "connection_string")  # every setting that could hold one

Deploy = Callable[..., Awaitable[bootstrap.Deps]]


@pytest.fixture
async def deploy(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Deploy]:
    """Install dependencies built from the test settings with ``overrides`` (one deployment per test)."""

    async def make(**overrides: Any) -> bootstrap.Deps:
        built = bootstrap.build(make_settings(tmp_path, **overrides), clock=clock)
        built.passwords = fast_hasher()
        built.link = RecordingLink()
        bootstrap.use(built)
        return built

    yield make
    await bootstrap.close()


def stripe_settings(**extra: str) -> dict[str, str]:
    return {
        "PAYMENT_BACKEND": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_" + secrets.token_hex(20),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(20),
        **extra,
    }


def secret_values(settings: Settings) -> list[str]:
    """The values of every setting named like a secret, except the one meant for browsers."""
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if name != "stripe_publishable_key" and any(part in name for part in SECRET_NAMES) and value:
            found.append(str(value))
    return found


async def read_config(functions: Any) -> Any:
    answer = await functions("read_deployment_config")
    assert answer.status == 200, answer.json
    assert answer.headers["cache-control"] == "public, max-age=300"
    return answer


async def test_simulator_mode_offers_the_simulator_card_form(deploy: Deploy, functions: Any) -> None:
    deps = await deploy(PAYMENT_SIMULATOR_WEBHOOK_SECRET="whsec_sim_" + secrets.token_hex(16))
    answer = await read_config(functions)
    assert answer.json == {"paymentBackend": "simulator", "stripePublishableKey": None, "simulatorCardForm": True}
    # what the flag promises: the card form's endpoint exists
    me = await add_member(deps, email="driver@example.com", roles=(Role.DRIVER,))
    card = {"number": "4242424242424242", "expMonth": 12, "expYear": 2034, "cvc": "123", "setupIntentId": None}
    assert (await functions("add_test_card", "POST", token=me.token, body=card)).status == 201


async def test_stripe_mode_gives_the_publishable_key_and_no_card_form(deploy: Deploy, functions: Any) -> None:
    deps = await deploy(**stripe_settings(STRIPE_PUBLISHABLE_KEY=PUBLISHABLE))
    answer = await read_config(functions)
    assert answer.json == {"paymentBackend": "stripe", "stripePublishableKey": PUBLISHABLE, "simulatorCardForm": False}
    me = await add_member(deps, email="driver@example.com", roles=(Role.DRIVER,))
    card = {"number": "4242424242424242", "expMonth": 12, "expYear": 2034, "cvc": "123", "setupIntentId": None}
    assert (await functions("add_test_card", "POST", token=me.token, body=card)).status == 404


async def test_stripe_mode_without_a_publishable_key_gives_none(deploy: Deploy, functions: Any) -> None:
    await deploy(**stripe_settings())
    assert (await read_config(functions)).json["stripePublishableKey"] is None


async def test_the_simulator_never_hands_out_a_stripe_key(deploy: Deploy, functions: Any) -> None:
    await deploy(STRIPE_PUBLISHABLE_KEY=PUBLISHABLE)
    body = (await read_config(functions)).json
    assert (body["paymentBackend"], body["stripePublishableKey"]) == ("simulator", None)


async def test_a_secret_key_set_as_the_publishable_key_is_not_sent(deploy: Deploy, functions: Any) -> None:
    mistaken = "sk_live_" + secrets.token_hex(20)
    await deploy(**stripe_settings(STRIPE_PUBLISHABLE_KEY=mistaken))
    answer = await read_config(functions)
    assert answer.json["stripePublishableKey"] is None
    assert mistaken not in answer.body.decode()


@pytest.mark.parametrize("mode", ["simulator", "stripe"])
async def test_no_secret_ever_appears(deploy: Deploy, functions: Any, mode: str) -> None:
    common = {
        "JWT_SECRET": "jwt_" + secrets.token_hex(24),
        "COSMOS_KEY": "cosmos_" + secrets.token_hex(16),
        "WEBPUBSUB_ACCESS_KEYS": "wps_" + secrets.token_hex(16),
        "SMTP_PASSWORD": "smtp_" + secrets.token_hex(16),
        "NOTIFICATIONS_UNSUBSCRIBE_SECRET": "unsub_" + secrets.token_hex(16),
        "PAYMENT_SIMULATOR_WEBHOOK_SECRET": "whsec_sim_" + secrets.token_hex(16),
        "SERVICEBUS_CONNECTION_STRING": "Endpoint=sb://x/;SharedAccessKey=" + secrets.token_hex(16),
        "AZURE_STORAGE_CONNECTION_STRING": "AccountKey=" + secrets.token_hex(16),
        "ADMIN_PASSWORD": "admin_" + secrets.token_hex(16),
    }
    extra = stripe_settings(STRIPE_PUBLISHABLE_KEY=PUBLISHABLE) if mode == "stripe" else {}
    deps = await deploy(**common, **extra)
    hidden = secret_values(deps.settings)
    assert len(hidden) >= len(common)  # the check sees the secrets set above (and Stripe's in stripe mode)
    text = (await read_config(functions)).body.decode()
    leaked = [value for value in hidden if value in text]
    assert leaked == []


async def test_anyone_may_read_it_without_signing_in(deploy: Deploy, functions: Any) -> None:
    await deploy()
    answer = await functions("read_deployment_config", headers={"authorization": "Bearer not-a-token"})
    assert answer.status == 200  # a public endpoint reads no token, so a stale one cannot break the app's start

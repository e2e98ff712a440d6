"""Stripe webhook signatures: what the gateway accepts and refuses (Stripe-Signature, HMAC-SHA256, 5 minutes)."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from shared.adapters.azure.stripe_gateway import StripeGateway
from shared.domain.payments import WebhookSignatureInvalid
from tests import stripe_fakes as sf

SECRET = "whsec_test_secret_0123456789"


def event_body(event_type: str = "payment_intent.succeeded", event_id: str = "evt_1") -> bytes:
    intent = sf.payment_intent("pi_1", 5000, "succeeded", received=3120)
    event = {
        "id": event_id,
        "object": "event",
        "api_version": stripe.api_version,
        "created": 1_795_000_100,
        "data": {"object": intent},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": "capture:ses_1"},
        "type": event_type,
    }
    return json.dumps(event).encode()


def signed(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    header: str = stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, timestamp)
    return header


@pytest.fixture
def gateway() -> StripeGateway:
    return StripeGateway("sk_test_x", SECRET, http_client=sf.StripeRecorder())


async def test_a_signed_event_is_read(gateway: StripeGateway) -> None:
    payload = event_body()
    event = await gateway.verify_webhook(payload, signed(payload))
    assert (event.id, event.type, event.created) == ("evt_1", "payment_intent.succeeded", 1_795_000_100)
    assert event.object["id"] == "pi_1"
    assert event.object["amount_received"] == 3120


async def test_a_tampered_payload_is_refused(gateway: StripeGateway) -> None:
    payload = event_body()
    header = signed(payload)
    tampered = payload.replace(b'"amount_received": 3120', b'"amount_received": 31200')
    assert tampered != payload
    with pytest.raises(WebhookSignatureInvalid):
        await gateway.verify_webhook(tampered, header)


async def test_a_signature_under_another_secret_is_refused(gateway: StripeGateway) -> None:
    payload = event_body()
    with pytest.raises(WebhookSignatureInvalid) as caught:
        await gateway.verify_webhook(payload, signed(payload, secret="whsec_someone_else"))
    assert caught.value.code == "webhook_signature_invalid"


async def test_an_old_timestamp_is_refused_and_a_recent_one_accepted(gateway: StripeGateway) -> None:
    payload = event_body()
    now = int(time.time())
    with pytest.raises(WebhookSignatureInvalid, match="tolerance"):
        await gateway.verify_webhook(payload, signed(payload, timestamp=now - 301))
    event = await gateway.verify_webhook(payload, signed(payload, timestamp=now - 240))
    assert event.id == "evt_1"


async def test_a_timestamp_moved_after_signing_is_refused(gateway: StripeGateway) -> None:
    payload = event_body()
    header = signed(payload, timestamp=int(time.time()) - 1000)
    replayed = header.replace(header.split(",")[0], f"t={int(time.time())}")  # fresh t, old v1
    with pytest.raises(WebhookSignatureInvalid):
        await gateway.verify_webhook(payload, replayed)


async def test_one_matching_signature_among_several_is_enough(gateway: StripeGateway) -> None:
    # during a secret roll Stripe sends one v1 per secret
    payload = event_body()
    mine = signed(payload)
    t, v1 = mine.split(",")
    other = signed(payload, secret="whsec_old", timestamp=int(t[2:])).split(",")[1]
    event = await gateway.verify_webhook(payload, f"{t},{other},{v1}")
    assert event.id == "evt_1"


@pytest.mark.parametrize("header", ["", "garbage", "t=notanumber,v1=abc", "t=1795000000", "v1=abcdef"])
async def test_a_missing_or_malformed_header_is_refused(gateway: StripeGateway, header: str) -> None:
    with pytest.raises(WebhookSignatureInvalid):
        await gateway.verify_webhook(event_body(), header)


async def test_a_body_that_is_not_utf8_is_refused(gateway: StripeGateway) -> None:
    with pytest.raises(WebhookSignatureInvalid):
        await gateway.verify_webhook(b"\xff\xfe not text", "t=1,v1=00")


async def test_a_signed_body_that_is_not_a_stripe_event_is_refused(gateway: StripeGateway) -> None:
    for payload in (b"not json", b'{"id": "x"}', b"[1, 2]"):
        with pytest.raises(WebhookSignatureInvalid):
            await gateway.verify_webhook(payload, signed(payload))


async def test_no_webhook_secret_configured_refuses_everything() -> None:
    gateway = StripeGateway("sk_test_x", "", http_client=sf.StripeRecorder())
    payload = event_body()
    with pytest.raises(WebhookSignatureInvalid):
        await gateway.verify_webhook(payload, signed(payload, secret=""))

"""StripeGateway on the real ``stripe`` library with a recording HTTP client: the exact requests, the answers read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import stripe

from shared.adapters.azure.stripe_gateway import StripeGateway
from shared.domain.payments import CardSummary, PaymentDeclined, PaymentGatewayError
from shared.ports.payments import PaymentGateway
from tests import stripe_fakes as sf

KEY = "sk_test_51WattsUpOfflineKey"
HOLD = "pi_hold"


@pytest.fixture
def http() -> sf.StripeRecorder:
    return sf.StripeRecorder()


@pytest.fixture
async def gateway(http: sf.StripeRecorder) -> AsyncIterator[StripeGateway]:
    built = StripeGateway(KEY, "whsec_test", http_client=http, max_network_retries=0)
    yield built
    await built.close()


def held(amount: int = 5000, **fields: object) -> sf.Json:
    charge = sf.charge("ch_1", HOLD, amount)
    return sf.payment_intent(HOLD, amount, "requires_capture", capturable=amount, latest_charge=charge, **fields)  # type: ignore[arg-type]


async def test_building_it_sends_nothing_and_close_closes_the_http_client(http: sf.StripeRecorder) -> None:
    gateway: PaymentGateway = StripeGateway(KEY, "whsec_test", http_client=http)
    assert http.sent == []
    await gateway.close()
    assert http.closed


async def test_authorize_is_a_manual_capture_intent_confirmed_off_session(
    gateway: StripeGateway, http: sf.StripeRecorder
) -> None:
    http.reply(held(5000, metadata={"session_id": "ses_1"}))
    hold = await gateway.authorize(
        customer_id="cus_test",
        payment_method_id="pm_card_visa",
        amount_minor=5000,
        currency="EUR",
        idempotency_key="hold:ses_1",
        metadata={"session_id": "ses_1"},
    )
    (sent,) = http.sent
    assert (sent.method, sent.path) == ("POST", "/v1/payment_intents")
    assert sent.form == {
        "amount": "5000",
        "currency": "eur",
        "customer": "cus_test",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "off_session": "true",
        "payment_method_types[0]": "card",
        "metadata[session_id]": "ses_1",
        "capture_method": "manual",
        "payment_method_options[card][request_incremental_authorization]": "if_available",
        "expand[0]": "latest_charge",
    }
    assert sent.idempotency_key == "hold:ses_1"
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["Stripe-Version"] == stripe.api_version
    assert (hold.id, hold.status, hold.amount_minor, hold.amount_capturable_minor) == (
        HOLD,
        "requires_capture",
        5000,
        5000,
    )
    assert (hold.amount_received_minor, hold.currency, hold.metadata) == (0, "EUR", {"session_id": "ses_1"})
    assert hold.incremental_authorization_available


async def test_a_hold_without_incremental_support_says_so(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    charge = sf.charge("ch_1", HOLD, 5000, incremental="unavailable")
    http.reply(sf.payment_intent(HOLD, 5000, "requires_capture", capturable=5000, latest_charge=charge))
    hold = await gateway.authorize(
        customer_id="cus_test", payment_method_id="pm_1", amount_minor=5000, currency="EUR", idempotency_key="k"
    )
    assert not hold.incremental_authorization_available
    assert "metadata[session_id]" not in http.sent[0].form


async def test_capture_sends_amount_to_capture(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(sf.payment_intent(HOLD, 5000, "succeeded", received=3120, latest_charge="ch_1"))
    done = await gateway.capture(HOLD, 3120, idempotency_key="capture:ses_1")
    (sent,) = http.sent
    assert (sent.method, sent.path, sent.form) == (
        "POST",
        f"/v1/payment_intents/{HOLD}/capture",
        {"amount_to_capture": "3120"},
    )
    assert sent.idempotency_key == "capture:ses_1"
    assert (done.status, done.amount_received_minor, done.amount_capturable_minor) == ("succeeded", 3120, 0)


async def test_cancel_posts_to_cancel_with_no_parameters(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(sf.payment_intent(HOLD, 5000, "canceled"))
    released = await gateway.cancel(HOLD, idempotency_key="release:ses_1")
    (sent,) = http.sent
    assert (sent.method, sent.path, sent.form, sent.idempotency_key) == (
        "POST",
        f"/v1/payment_intents/{HOLD}/cancel",
        {},
        "release:ses_1",
    )
    assert (released.status, released.amount_capturable_minor) == ("canceled", 0)


async def test_increment_authorization_sends_the_new_total(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(held(7000))
    raised = await gateway.increment_authorization(HOLD, 7000, idempotency_key="raise:ses_1:7000")
    (sent,) = http.sent
    assert (sent.method, sent.path) == ("POST", f"/v1/payment_intents/{HOLD}/increment_authorization")
    assert sent.form == {"amount": "7000", "expand[0]": "latest_charge"}
    assert sent.idempotency_key == "raise:ses_1:7000"
    assert (raised.amount_minor, raised.amount_capturable_minor) == (7000, 7000)


async def test_a_partial_refund_keeps_a_free_text_reason_in_metadata(
    gateway: StripeGateway, http: sf.StripeRecorder
) -> None:
    http.reply(sf.refund("re_1", HOLD, 1000, note="connector fault"))
    refunded = await gateway.refund(HOLD, 1000, reason="connector fault", idempotency_key="refund:r1")
    (sent,) = http.sent
    assert (sent.method, sent.path, sent.idempotency_key) == ("POST", "/v1/refunds", "refund:r1")
    assert sent.form == {"payment_intent": HOLD, "amount": "1000", "metadata[reason]": "connector fault"}
    assert (refunded.id, refunded.payment_intent_id, refunded.amount_minor, refunded.currency) == (
        "re_1",
        HOLD,
        1000,
        "EUR",
    )
    assert refunded.reason == "connector fault"


async def test_a_refund_reason_stripe_knows_is_also_sent_as_its_reason(
    gateway: StripeGateway, http: sf.StripeRecorder
) -> None:
    http.reply(sf.refund("re_2", HOLD, 500, reason="requested_by_customer", note="requested_by_customer"))
    await gateway.refund(HOLD, 500, reason="requested_by_customer", idempotency_key="refund:r2")
    assert http.sent[0].form["reason"] == "requested_by_customer"


async def test_top_up_charge_captures_automatically(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(sf.payment_intent("pi_top", 250, "succeeded", received=250, capture_method="automatic"))
    paid = await gateway.charge(
        customer_id="cus_test", payment_method_id="pm_1", amount_minor=250, currency="EUR", idempotency_key="top-up:s"
    )
    form = http.sent[0].form
    assert form["capture_method"] == "automatic"
    assert (form["confirm"], form["off_session"], form["amount"]) == ("true", "true", "250")
    assert "payment_method_options[card][request_incremental_authorization]" not in form
    assert (paid.status, paid.amount_received_minor) == ("succeeded", 250)


async def test_setup_intent_for_off_session_use(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(sf.setup_intent("seti_1"))
    setup = await gateway.create_setup_intent("cus_test", idempotency_key="setup:u1:1")
    (sent,) = http.sent
    assert (sent.method, sent.path, sent.idempotency_key) == ("POST", "/v1/setup_intents", "setup:u1:1")
    assert sent.form == {"customer": "cus_test", "usage": "off_session", "payment_method_types[0]": "card"}
    assert (setup.id, setup.client_secret, setup.status) == ("seti_1", "seti_1_secret_abc", "requires_payment_method")


async def test_list_payment_methods_follows_pages(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    url = "/v1/customers/cus_test/payment_methods"
    http.reply(
        sf.a_list(url, [sf.payment_method("pm_2", "mastercard", "4444"), sf.payment_method("pm_1")], has_more=True),
        sf.a_list(url, [sf.payment_method("pm_0", "amex", "0005")]),
    )
    cards = await gateway.list_payment_methods("cus_test")
    assert [(s.method, s.path) for s in http.sent] == [("GET", url)] * 2
    assert http.sent[0].query == {"type": "card", "limit": "100"}
    assert http.sent[1].query == {"type": "card", "limit": "100", "starting_after": "pm_1"}
    assert http.sent[0].form == {}
    assert cards == [
        CardSummary("pm_2", "mastercard", "4444", 12, 2034),
        CardSummary("pm_1", "visa", "4242", 12, 2034),
        CardSummary("pm_0", "amex", "0005", 12, 2034),
    ]


async def test_detach_payment_method(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(sf.payment_method("pm_1", customer_id=None))  # type: ignore[arg-type]
    await gateway.detach_payment_method("pm_1", idempotency_key="detach:pm_1")
    (sent,) = http.sent
    assert (sent.method, sent.path, sent.form, sent.idempotency_key) == (
        "POST",
        "/v1/payment_methods/pm_1/detach",
        {},
        "detach:pm_1",
    )


async def test_ensure_customer_finds_the_users_customer_by_email(
    gateway: StripeGateway, http: sf.StripeRecorder
) -> None:
    other = sf.customer("cus_other", user_id="usr_someone_else")
    http.reply(sf.a_list("/v1/customers", [other, sf.customer("cus_ada")]))
    assert await gateway.ensure_customer("usr_ada", "ada@example.com", idempotency_key="customer:usr_ada") == "cus_ada"
    assert http.calls == [("GET", "/v1/customers")]
    assert http.sent[0].query == {"email": "ada@example.com", "limit": "100"}


async def test_ensure_customer_creates_one_tagged_with_the_user(
    gateway: StripeGateway, http: sf.StripeRecorder
) -> None:
    http.reply(sf.a_list("/v1/customers", []), sf.customer("cus_new"))
    assert await gateway.ensure_customer("usr_ada", "ada@example.com", idempotency_key="customer:usr_ada") == "cus_new"
    assert http.calls == [("GET", "/v1/customers"), ("POST", "/v1/customers")]
    assert http.sent[1].form == {"email": "ada@example.com", "metadata[user_id]": "usr_ada"}
    assert http.sent[1].idempotency_key == "customer:usr_ada"


async def test_retrieve_expands_the_latest_charge(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(held(5000))
    intent = await gateway.retrieve_payment_intent(HOLD)
    (sent,) = http.sent
    assert (sent.method, sent.path, sent.query) == (
        "GET",
        f"/v1/payment_intents/{HOLD}",
        {"expand[0]": "latest_charge"},
    )
    assert intent.status == "requires_capture"


@pytest.mark.parametrize(
    ("code", "decline_code", "message"),
    [
        ("card_declined", "generic_decline", "Your card was declined."),
        ("card_declined", "insufficient_funds", "Your card has insufficient funds."),
        ("authentication_required", "authentication_required", "This transaction requires authentication."),
    ],
)
async def test_a_402_is_payment_declined_with_stripes_codes(
    gateway: StripeGateway, http: sf.StripeRecorder, code: str, decline_code: str, message: str
) -> None:
    http.reply(sf.card_error(code, decline_code, message, "pi_declined", 5000))
    with pytest.raises(PaymentDeclined) as caught:
        await gateway.authorize(
            customer_id="cus_test", payment_method_id="pm_1", amount_minor=5000, currency="EUR", idempotency_key="k"
        )
    declined = caught.value
    assert (declined.code, declined.decline_code, declined.message) == (code, decline_code, message)
    assert declined.intent_id == "pi_declined"
    assert declined.extensions == {"declineCode": decline_code}


@pytest.mark.parametrize(
    ("status", "error", "code", "retryable"),
    [
        (400, {"type": "invalid_request_error", "code": "payment_intent_unexpected_state", "message": "m"},
         "payment_intent_unexpected_state", False),
        (400, {"type": "invalid_request_error", "code": "amount_too_large", "message": "m"}, "amount_too_large", False),
        (401, {"type": "invalid_request_error", "message": "Invalid API Key provided"}, "gateway_auth_failed", False),
        (429, {"type": "invalid_request_error", "code": "rate_limit", "message": "slow down"}, "rate_limit", True),
        (409, {"type": "invalid_request_error", "code": "lock_timeout", "message": "busy"}, "lock_timeout", True),
        (500, {"type": "api_error", "message": "boom"}, "gateway_error", True),
        (400, {"type": "idempotency_error", "message": "Keys for idempotent requests ..."}, "idempotency_error", False),
    ],
)  # fmt: skip
async def test_other_stripe_errors_are_gateway_errors(
    gateway: StripeGateway, http: sf.StripeRecorder, status: int, error: sf.Json, code: str, retryable: bool
) -> None:
    http.reply((status, {"error": error}))
    with pytest.raises(PaymentGatewayError) as caught:
        await gateway.capture(HOLD, 100, idempotency_key="k")
    assert (caught.value.code, caught.value.retryable) == (code, retryable)


async def test_an_unreachable_stripe_is_a_retryable_gateway_error(
    gateway: StripeGateway, http: sf.StripeRecorder
) -> None:
    async def refuse(*args: object, **kwargs: object) -> tuple[bytes, int, dict[str, str]]:
        raise stripe.APIConnectionError("connection refused", should_retry=True)

    http.request_async = refuse  # type: ignore[method-assign]
    with pytest.raises(PaymentGatewayError) as caught:
        await gateway.cancel(HOLD, idempotency_key="k")
    assert (caught.value.code, caught.value.retryable) == ("gateway_unreachable", True)


async def test_the_library_retries_a_5xx_with_the_same_idempotency_key(http: sf.StripeRecorder) -> None:
    gateway = StripeGateway(KEY, "whsec_test", http_client=http, max_network_retries=1)
    http.reply((500, {"error": {"type": "api_error", "message": "try again"}}), held(5000))
    hold = await gateway.authorize(
        customer_id="cus_test", payment_method_id="pm_1", amount_minor=5000, currency="EUR", idempotency_key="hold:s9"
    )
    assert hold.status == "requires_capture"
    assert [s.idempotency_key for s in http.sent] == ["hold:s9", "hold:s9"]
    assert http.sent[0].form == http.sent[1].form


async def test_a_retry_with_the_same_key_gets_the_first_answer(gateway: StripeGateway, http: sf.StripeRecorder) -> None:
    http.reply(held(5000))
    call: dict[str, Any] = {
        "customer_id": "cus_test",
        "payment_method_id": "pm_1",
        "amount_minor": 5000,
        "currency": "EUR",
    }
    first = await gateway.authorize(**call, idempotency_key="hold:s1")
    again = await gateway.authorize(**call, idempotency_key="hold:s1")
    assert again == first
    assert http.unused == 0 and len(http.sent) == 2
    with pytest.raises(PaymentGatewayError) as caught:
        await gateway.authorize(**call | {"amount_minor": 6000}, idempotency_key="hold:s1")
    assert (caught.value.code, caught.value.retryable) == ("idempotency_error", False)

"""Stripe offline (DESIGN section 10): an HTTP client for ``stripe.StripeClient`` that records each request
and answers with canned objects shaped as Stripe's API reference documents them.

``StripeRecorder`` keeps Stripe's documented idempotency rules, so a retry can be tested: a POST whose
``Idempotency-Key`` was answered before (200 or 402) gets the very same answer again without using a
canned reply, and the same key with other parameters gets Stripe's 400 ``idempotency_error``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

Json = dict[str, Any]
CREATED = 1_795_000_000


@dataclass(frozen=True)
class Sent:
    method: str  # upper case
    path: str
    query: dict[str, str]
    form: dict[str, str]  # the form-encoded body, keys as Stripe reads them: metadata[session_id], expand[0]
    idempotency_key: str | None
    headers: dict[str, str]


class StripeRecorder(stripe.HTTPClient):
    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self._replies: list[tuple[int, Json]] = []
        self._answered: dict[str, tuple[str, dict[str, str], int, bytes]] = {}
        self.closed = False

    def reply(self, *bodies: Json | tuple[int, Json]) -> None:
        """Queue answers in order: an object (200) or ``(status, body)``."""
        self._replies += [b if isinstance(b, tuple) else (200, b) for b in bodies]

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(s.method, s.path) for s in self.sent]

    @property
    def unused(self) -> int:
        return len(self._replies)

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        parts = urlsplit(url)
        form = dict(parse_qsl(post_data or "", keep_blank_values=True))
        key = headers.get("Idempotency-Key")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self.sent.append(Sent(method.upper(), parts.path, query, form, key, dict(headers)))
        answer_headers = {"Request-Id": f"req_{len(self.sent)}", "Content-Type": "application/json"}
        if key is not None and key in self._answered:
            path, first_form, status, body = self._answered[key]
            if (path, first_form) != (parts.path, form):
                return json.dumps(idempotency_error(key)).encode(), 400, answer_headers
            return body, status, answer_headers | {"Idempotent-Replayed": "true"}
        if not self._replies:
            raise AssertionError(f"no canned reply left for {method.upper()} {parts.path}")
        status, reply = self._replies.pop(0)
        body = json.dumps(reply).encode()
        if key is not None and status in (200, 402):  # Stripe keeps results of requests that began executing
            self._answered[key] = (parts.path, form, status, body)
        return body, status, answer_headers

    async def close_async(self) -> None:
        self.closed = True

    def sleep_async(self, secs: float) -> Any:
        return asyncio.sleep(0)


# -- Stripe's objects, as its API reference shows them (only the fields the adapter reads, and a few more) --
def customer(cid: str = "cus_test", email: str = "ada@example.com", user_id: str = "usr_ada") -> Json:
    return {"id": cid, "object": "customer", "email": email, "metadata": {"user_id": user_id}, "created": CREATED}


def a_list(url: str, items: list[Json], has_more: bool = False) -> Json:
    return {"object": "list", "url": url, "has_more": has_more, "data": items}


def payment_method(pid: str, brand: str = "visa", last4: str = "4242", customer_id: str = "cus_test") -> Json:
    card = {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2034, "funding": "credit", "country": "US"}
    return {"id": pid, "object": "payment_method", "type": "card", "card": card, "customer": customer_id}


def setup_intent(
    sid: str = "seti_test", status: str = "requires_payment_method", customer_id: str = "cus_test"
) -> Json:
    return {
        "id": sid,
        "object": "setup_intent",
        "client_secret": f"{sid}_secret_abc",
        "customer": customer_id,
        "payment_method": None,
        "status": status,
        "usage": "off_session",
    }


def charge(chid: str, intent_id: str, amount: int, incremental: str = "available", **fields: Any) -> Json:
    card = {"brand": "visa", "last4": "4242", "incremental_authorization": {"status": incremental}}
    return {
        "id": chid,
        "object": "charge",
        "amount": amount,
        "currency": "eur",
        "payment_intent": intent_id,
        "payment_method_details": {"type": "card", "card": card},
        **fields,
    }


def payment_intent(
    pid: str,
    amount: int,
    status: str,
    *,
    capturable: int = 0,
    received: int = 0,
    capture_method: str = "manual",
    latest_charge: str | Json | None = None,
    last_payment_error: Json | None = None,
    metadata: dict[str, str] | None = None,
) -> Json:
    return {
        "id": pid,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": capturable,
        "amount_received": received,
        "capture_method": capture_method,
        "currency": "eur",
        "customer": "cus_test",
        "payment_method": "pm_card_visa",
        "status": status,
        "latest_charge": latest_charge,
        "last_payment_error": last_payment_error,
        "metadata": metadata or {},
        "created": CREATED,
        "livemode": False,
    }


def card_error(code: str, decline_code: str | None, message: str, intent_id: str, amount: int) -> tuple[int, Json]:
    """Stripe's 402 for a declined confirm: the error carries the PaymentIntent, back in requires_payment_method."""
    error = {"type": "card_error", "code": code, "decline_code": decline_code, "message": message}
    intent = payment_intent(intent_id, amount, "requires_payment_method", last_payment_error=error)
    return 402, {"error": error | {"payment_intent": intent, "doc_url": f"https://stripe.com/docs/error-codes/{code}"}}


def invalid_request(code: str, message: str, param: str | None = None) -> tuple[int, Json]:
    return 400, {"error": {"type": "invalid_request_error", "code": code, "message": message, "param": param}}


def idempotency_error(key: str) -> Json:
    message = (
        "Keys for idempotent requests can only be used with the same parameters they were first used with. "
        f"Try using a key other than '{key}' if you meant to execute a different request."
    )
    return {"error": {"type": "idempotency_error", "message": message}}


def refund(rid: str, intent_id: str, amount: int, reason: str | None = None, note: str = "") -> Json:
    return {
        "id": rid,
        "object": "refund",
        "amount": amount,
        "charge": "ch_test",
        "currency": "eur",
        "payment_intent": intent_id,
        "reason": reason,
        "metadata": {"reason": note} if note else {},
        "status": "succeeded",
    }

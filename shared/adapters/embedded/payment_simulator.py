"""The embedded PaymentGateway: a local payment simulator that behaves like Stripe's test mode.

Same state machine as Stripe's PaymentIntents (``payment_simulator_intents``), Stripe's test card numbers
(``payment_simulator_cards``), idempotency keys honoured for 24 hours (same key and request: the first
answer again, a decline included; same key, other request: ``idempotency_error``), and webhook events
in Stripe's shape, signed with Stripe's scheme under a local secret, so the app's webhook handler is
the same for both gateways. Nothing leaves the machine.

State lives in its own SQLite file, not in the DocumentStore: it stands in for Stripe's database, not
the app's (with the Cosmos store it would otherwise land in Cosmos), and a capture must change the
intent, its charge, its event and the idempotency record in one transaction, which the DocumentStore
port deliberately cannot do. Like the local bus, SQL runs in a worker thread, never on the event loop.

Beyond the port: ``add_test_card`` is the card form (what Stripe.js does in the browser), and
``pending_webhooks`` / ``mark_delivered`` hand the events to whoever delivers them to the app.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from shared.adapters.azure import stripe_objects as so
from shared.adapters.embedded import payment_simulator_intents as intents
from shared.adapters.embedded import payment_simulator_ops as ops
from shared.adapters.embedded.payment_simulator_cards import read_card_form
from shared.adapters.embedded.payment_simulator_sql import Books, connect, invalid, tx
from shared.domain.payments import CardSummary, PaymentIntentResult, RefundResult, SetupIntentResult, WebhookEvent
from shared.ports.clock import Clock, SystemClock

__all__ = ["DEFAULT_WEBHOOK_SECRET", "PaymentSimulator", "SignedWebhook"]

T = TypeVar("T")
DEFAULT_WEBHOOK_SECRET = "whsec_wattsup_payment_simulator_local"  # signs local events only; not a credential
_STRIPE_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})


@dataclass(frozen=True, slots=True)
class SignedWebhook:
    """One event as Stripe would POST it: the body and its Stripe-Signature header."""

    event_id: str
    type: str
    payload: bytes
    signature_header: str


class PaymentSimulator:
    def __init__(
        self, path: str | Path, *, webhook_secret: str = DEFAULT_WEBHOOK_SECRET, clock: Clock | None = None
    ) -> None:
        self.path = Path(path)
        self._secret = webhook_secret
        self._clock = clock or SystemClock()
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection per instance, one thread at a time on it

    async def _run(self, work: Callable[[Books], T]) -> T:
        def locked() -> T:
            with self._lock:
                if self._conn is None:
                    self._conn = connect(self.path)
                with tx(self._conn):
                    books = Books(self._conn, self._clock.now())
                    intents.expire_holds(books)
                    return work(books)

        return await asyncio.to_thread(locked)

    async def _call(self, op: str, params: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        def work(books: Books) -> tuple[int, dict[str, Any]]:
            if key is None:
                return ops.OPERATIONS[op](books, params, "")
            request = json.dumps({"operation": op, **params}, sort_keys=True)
            reply = books.replay(key, request)
            if reply is None:
                reply = ops.OPERATIONS[op](books, params, key)
                books.remember(key, request, reply)
            return reply

        status, body = await self._run(work)
        if status == 402:  # committed (the declined intent and its event stay), then raised
            raise so.declined(body["error"])
        return body

    # -- the card form -------------------------------------------------------------------------------
    async def add_test_card(
        self,
        customer_id: str,
        number: str,
        exp_month: int,
        exp_year: int,
        cvc: str,
        *,
        setup_intent_id: str | None = None,
    ) -> str:
        """Save a Stripe test card for the customer; with ``setup_intent_id`` it confirms that SetupIntent
        (setup_intent.succeeded), which is what lets 4000002500003155 pay off-session. Returns the pm id."""

        def work(b: Books) -> str:
            b.get("customer", customer_id)
            digits, card = read_card_form(number, exp_month, exp_year, cvc, b.now.date())
            setup = b.get("setup_intent", setup_intent_id) if setup_intent_id else None
            if setup is not None and (setup["customer"] != customer_id or setup["status"] != "requires_payment_method"):
                raise invalid(f"SetupIntent {setup['id']} cannot take a card now.", "setup_intent_unexpected_state")
            details = {"brand": card.brand, "last4": digits[-4:], "exp_month": exp_month, "exp_year": exp_year}
            method = {
                "id": b.new_id("pm"),
                "object": "payment_method",
                "type": "card",
                "card": details | {"funding": card.funding, "country": "US", "checks": {"cvc_check": "pass"}},
                "customer": customer_id,
                "metadata": {},
                "created": b.epoch,
                "livemode": False,
            }
            b.put(method, owner=customer_id, private={"behaviour": card.behaviour, "set_up": setup is not None})
            if setup is not None:
                setup |= {"status": "succeeded", "payment_method": method["id"]}
                b.put(setup)
                b.emit("setup_intent.succeeded", setup, None)
            return str(method["id"])

        return await self._run(work)

    # -- customers and saved cards --------------------------------------------------------------
    async def ensure_customer(self, user_id: str, email: str, *, idempotency_key: str) -> str:
        customer = await self._call("ensure_customer", {"user_id": user_id, "email": email}, idempotency_key)
        return str(customer["id"])

    async def create_setup_intent(self, customer_id: str, *, idempotency_key: str) -> SetupIntentResult:
        return so.setup_result(await self._call("create_setup_intent", {"customer": customer_id}, idempotency_key))

    async def list_payment_methods(self, customer_id: str) -> list[CardSummary]:
        methods = await self._run(lambda b: b.owned("payment_method", customer_id))
        return [so.card_summary(m) for m in methods]

    async def detach_payment_method(self, payment_method_id: str, *, idempotency_key: str) -> None:
        await self._call("detach", {"payment_method": payment_method_id}, idempotency_key)

    # -- holds -------------------------------------------------------------------------------------
    async def _confirm(self, capture_method: str, key: str, **params: Any) -> PaymentIntentResult:
        params |= {"currency": str(params["currency"]).lower(), "capture_method": capture_method}
        params["metadata"] = dict(params["metadata"] or {})
        return so.intent_result(await self._call("confirm_intent", params, key))

    async def authorize(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> PaymentIntentResult:
        return await self._confirm(
            "manual", idempotency_key, customer=customer_id, payment_method=payment_method_id,
            amount=amount_minor, currency=currency, metadata=metadata,
        )  # fmt: skip

    async def increment_authorization(
        self, intent_id: str, amount_minor: int, *, idempotency_key: str
    ) -> PaymentIntentResult:
        params = {"intent": intent_id, "amount": amount_minor}
        return so.intent_result(await self._call("increment_authorization", params, idempotency_key))

    async def capture(self, intent_id: str, amount_minor: int, *, idempotency_key: str) -> PaymentIntentResult:
        params = {"intent": intent_id, "amount_to_capture": amount_minor}
        return so.intent_result(await self._call("capture", params, idempotency_key))

    async def cancel(self, intent_id: str, *, idempotency_key: str) -> PaymentIntentResult:
        return so.intent_result(await self._call("cancel", {"intent": intent_id}, idempotency_key))

    async def charge(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount_minor: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> PaymentIntentResult:
        return await self._confirm(
            "automatic", idempotency_key, customer=customer_id, payment_method=payment_method_id,
            amount=amount_minor, currency=currency, metadata=metadata,
        )  # fmt: skip

    async def refund(self, intent_id: str, amount_minor: int, *, reason: str, idempotency_key: str) -> RefundResult:
        params: dict[str, Any] = {"payment_intent": intent_id, "amount": amount_minor, "metadata": {"reason": reason}}
        params["reason"] = reason if reason in _STRIPE_REASONS else None
        return so.refund_result(await self._call("refund", params, idempotency_key))

    async def retrieve_payment_intent(self, intent_id: str) -> PaymentIntentResult:
        return so.intent_result(await self._call("retrieve", {"intent": intent_id}))

    # -- webhooks ----------------------------------------------------------------------------------
    async def verify_webhook(self, payload: bytes, signature_header: str) -> WebhookEvent:
        return so.verify_webhook(payload, signature_header, self._secret)

    async def pending_webhooks(self, limit: int = 100) -> list[SignedWebhook]:
        """Events not yet marked delivered, oldest first, each signed now (as Stripe signs each attempt).

        Signed with the wall clock, not the simulator's clock: the receiver judges a signature's age
        against its own wall clock, as with Stripe, so a test's settable clock must not make it stale."""
        events = await self._run(lambda b: b.pending_events(limit))
        return [SignedWebhook(i, t, body, so.sign_webhook(body, self._secret)) for i, t, body in events]

    async def mark_delivered(self, event_id: str) -> bool:
        """Record that the app accepted the event (a 2xx); False if it already was, or is unknown."""
        return await self._run(lambda b: b.mark_delivered(event_id))

    async def close(self) -> None:
        def work() -> None:
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

        await asyncio.to_thread(work)

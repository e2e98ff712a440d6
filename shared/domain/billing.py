"""The money of one charging session: its payment record, and how big a hold is (DESIGN section 7).

One ``SessionPayment`` per session that can cost anything (``payments`` container, partition
``/userId``, id ``pay_<sessionId>``), written by billing only. Its life::

    authorized ──(session stops: nothing due)──────────────> released
        │  └────(session stops: amount due)──> captured   (the hold captured, a top-up for the rest)
        │                       └─(refused)──> capture_failed ──(timer retries)──> captured
        │                                           └─(attempts used up)──> uncollectible
        └─(start refused / never started)──> released

A session started at the charger with a driver's RFID card has no hold: its record starts at stop,
and the amount is charged to the driver's default card off-session (``charged`` path, same statuses).

Amounts are integers in the currency's minor unit, as the gateway counts them (``to_minor``), so
the record adds up exactly: ``captured + topped_up + written_off == due`` once captured, ``refunded <= captured +
topped_up`` always. Every call to the gateway has an idempotency key derived from the session
(``hold:``, ``capture:``, ``topup:``, ``release:``), so a redelivered event or a retried timer
repeats the call's first outcome instead of charging twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Literal

from pydantic import Field, computed_field, field_serializer

from shared.domain.model import ApiModel
from shared.domain.payments import from_minor, to_minor
from shared.domain.pricing import minor_unit
from shared.domain.sessions import sortable_time

__all__ = [
    "HoldPolicy",
    "PaymentStatus",
    "RefundDraw",
    "RefundRecord",
    "SessionPayment",
    "hold_limits",
    "payment_id_for",
    "stop_limit",
]

PaymentStatus = Literal["authorized", "captured", "capture_failed", "uncollectible", "released"]
SETTLED: frozenset[str] = frozenset({"captured", "uncollectible", "released"})


def payment_id_for(session_id: str) -> str:
    return f"pay_{session_id}"


class RefundDraw(ApiModel):
    """What a refund takes from one intent, fixed when the refund is reserved (replays repeat it exactly)."""

    source: Literal["hold", "topup"]
    intent_id: str
    amount_minor: int


class RefundRecord(ApiModel):
    id: str  # ours: ref_<hex>, the credit note's key
    parts: list[RefundDraw] = Field(default_factory=list)  # empty: recorded from the gateway (a dashboard refund)
    error: str | None = None  # why the gateway refused (part of) it
    gateway_refund_ids: list[str] = Field(default_factory=list)  # one per intent it drew from
    amount_minor: int
    reason: str
    by: str  # user id of the provider's staff or admin who asked
    at: datetime  # asked for
    status: str = "succeeded"
    succeeded_at: datetime | None = None  # when the gateway confirmed it: the month a statement counts it in
    credit_note_id: str | None = None


class SessionPayment(ApiModel):
    id: str
    type: Literal["payment"] = "payment"
    user_id: str
    provider_id: str
    station_id: str
    session_id: str
    currency: str
    status: PaymentStatus
    customer_id: str | None = None
    payment_method_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    # the hold (none for a session started at the charger)
    hold_intent_id: str | None = None
    hold_minor: int = 0
    hold_incrementable: bool = False
    # the settlement
    due_minor: int | None = None  # what the session costs, once it stopped
    vat_minor: int = 0  # the VAT within due_minor
    captured_minor: int = 0  # taken from the hold
    topup_intent_id: str | None = None
    topped_up_minor: int = 0  # charged on top of the hold (or the whole amount, with no hold)
    written_off_minor: int = 0  # a top-up under the card network's minimum charge, carried by the provider
    refunded_minor: int = 0
    refunds: list[RefundRecord] = Field(default_factory=list)
    attempts: int = 0  # settlement attempts that failed
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    invoice_id: str | None = None
    promo_code: str | None = None
    stopped_at: datetime | None = None  # the session's, for statements by month
    energy_wh: int = 0  # the session's, for statements
    created_at: datetime
    updated_at: datetime
    settled_at: datetime | None = None
    pending_events: list[dict[str, Any]] = Field(default_factory=list)  # outbox: published after the write
    has_pending_events: bool = False
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @field_serializer("created_at", "updated_at", "next_attempt_at", "stopped_at")
    def _sortable(self, at: datetime | None) -> str | None:
        return None if at is None else sortable_time(at)  # the timers and statements compare them as strings

    @computed_field  # type: ignore[prop-decorator]  # stored: the billing timer finds the records to finish by it
    @property
    def has_open_refunds(self) -> bool:
        return any(
            r.status == "pending" or (r.status == "succeeded" and r.credit_note_id is None) for r in self.refunds
        )

    @property
    def collected_minor(self) -> int:
        return self.captured_minor + self.topped_up_minor

    @property
    def refundable_minor(self) -> int:
        return self.collected_minor - self.refunded_minor

    @property
    def settled(self) -> bool:
        return self.status in SETTLED

    def amount(self, minor: int) -> Decimal:
        return from_minor(minor, self.currency)


@dataclass(frozen=True, slots=True)
class HoldPolicy:
    """How holds are sized; amounts in the currency's major unit (BILLING_HOLD_* settings)."""

    default_minutes: int = 120  # the charging time a hold covers when the driver set no kWh or minutes cap
    min_amount: Decimal = Decimal("10")
    max_amount: Decimal = Decimal("150")
    stop_ratio: Decimal = Decimal("0.95")  # the running cost at which a session is stopped, as a share of the hold
    raise_ratio: Decimal = Decimal("0.75")  # the running cost at which billing tries to raise the hold
    max_raised_amount: Decimal = Decimal("300")


def _up(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_unit(currency)), ROUND_CEILING)


def stop_limit(hold: Decimal, currency: str, policy: HoldPolicy) -> Decimal:
    """The running cost at which a session with this hold is stopped (rounded down to the minor unit)."""
    return (hold * policy.stop_ratio).quantize(Decimal(1).scaleb(-minor_unit(currency)), ROUND_FLOOR)


def hold_limits(estimated: Decimal, max_cost: Decimal | None, currency: str, policy: HoldPolicy) -> tuple[int, Decimal]:
    """The hold in minor units and the running cost at which the session stops to stay within it.

    ``estimated``: the price of the start as the driver's caps bound it (or ``default_minutes`` at the
    connector's power). A cost cap is a true bound, so the hold covers it exactly: the session stops at
    the cap, not before. Clamped to the policy's minimum and maximum.
    """
    basis = estimated
    if max_cost is not None:
        basis = min(basis, max_cost / policy.stop_ratio) if estimated > 0 else max_cost / policy.stop_ratio
    hold = min(max(_up(basis, currency), policy.min_amount), policy.max_amount)
    hold = _up(hold, currency)
    stop_at = stop_limit(hold, currency, policy)
    if max_cost is not None and stop_at >= max_cost:
        stop_at = max_cost  # the driver's own cap ends it first
    return to_minor(hold, currency), stop_at

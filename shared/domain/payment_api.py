"""Payments and refunds as the API shows them, and the body of a refund request.

The stored ``SessionPayment`` counts in minor units and names the gateway's customer and
intents; the public view shows amounts as strings in the currency's major unit (``"12.40"``
with ``currency``) and leaves out every gateway id, so a list can go to a provider's staff.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from shared.domain.billing import PaymentStatus, RefundRecord, SessionPayment
from shared.domain.iso import CurrencyCode
from shared.domain.model import ApiModel, InputModel

__all__ = ["PaymentPublic", "RefundCreate", "RefundPublic"]

CLIENT_REFUND_ID = r"^[A-Za-z0-9_-]{8,64}$"


class RefundCreate(InputModel):
    """``amount`` omitted: everything still refundable. ``clientRefundId`` makes a retry safe: the same
    id on the same payment answers the refund it made, never a second one."""

    client_refund_id: str = Field(pattern=CLIENT_REFUND_ID, description="Your id for this refund, e.g. a UUID")
    amount: Decimal | None = Field(default=None, gt=0, le=1_000_000, description="Incl. VAT, major unit: 2.00")
    currency: CurrencyCode
    reason: str = Field(min_length=1, max_length=500)


class RefundPublic(ApiModel):
    id: str
    payment_id: str
    amount: str
    currency: str
    reason: str
    status: str  # pending (the gateway not answered yet), succeeded, failed
    created_at: datetime
    credit_note_id: str | None = None

    @classmethod
    def of(cls, payment: SessionPayment, refund: RefundRecord) -> RefundPublic:
        return cls(
            id=refund.id,
            payment_id=payment.id,
            amount=format(payment.amount(refund.amount_minor), "f"),
            currency=payment.currency,
            reason=refund.reason,
            status=refund.status,
            created_at=refund.at,
            credit_note_id=refund.credit_note_id,
        )


class PaymentPublic(ApiModel):
    id: str
    session_id: str
    station_id: str
    provider_id: str
    status: PaymentStatus
    currency: str
    amount_held: str
    amount_due: str | None
    amount_collected: str  # captured from the hold plus the top-up
    amount_written_off: str
    amount_refunded: str  # refunds that succeeded
    amount_refundable: str  # collected, less refunds made or in progress
    card_brand: str | None
    card_last4: str | None
    invoice_id: str | None
    energy_kwh: str
    refunds: list[RefundPublic]
    created_at: datetime
    stopped_at: datetime | None
    settled_at: datetime | None

    @classmethod
    def of(cls, payment: SessionPayment) -> PaymentPublic:
        def money(minor: int) -> str:
            return format(payment.amount(minor), "f")

        refunded = sum(r.amount_minor for r in payment.refunds if r.status == "succeeded")
        return cls(
            id=payment.id,
            session_id=payment.session_id,
            station_id=payment.station_id,
            provider_id=payment.provider_id,
            status=payment.status,
            currency=payment.currency,
            amount_held=money(payment.hold_minor),
            amount_due=None if payment.due_minor is None else money(payment.due_minor),
            amount_collected=money(payment.collected_minor),
            amount_written_off=money(payment.written_off_minor),
            amount_refunded=money(refunded),
            amount_refundable=money(max(payment.refundable_minor, 0)),
            card_brand=payment.card_brand,
            card_last4=payment.card_last4,
            invoice_id=payment.invoice_id,
            energy_kwh=format(Decimal(payment.energy_wh) / 1000, "f"),
            refunds=[RefundPublic.of(payment, r) for r in payment.refunds],
            created_at=payment.created_at,
            stopped_at=payment.stopped_at,
            settled_at=payment.settled_at,
        )

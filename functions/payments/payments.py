"""Session payments over HTTP: lists, one payment, refunds with credit notes.

Reading: a driver their own, a provider's admins and staff their stations' sessions
(``?providerId=``), a platform admin any. Refunds move money: the station's provider admin or a
platform admin only (the provider's staff 403, anyone else 404); ``clientRefundId`` makes a retried
request answer the refund it made instead of refunding twice.
"""

from __future__ import annotations

from pydantic import Field

from functions.payments import api
from shared.domain.billing import PaymentStatus
from shared.domain.payment_api import PaymentPublic, RefundCreate, RefundPublic
from shared.domain.principal import Role
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import payment_queries, refunds


class PaymentListQuery(ListQuery):
    provider_id: str | None = Field(default=None, max_length=100)
    user_id: str | None = Field(default=None, max_length=100)
    status: PaymentStatus | None = None
    session_id: str | None = Field(default=None, max_length=200)


@api.route(
    "payments",
    query=PaymentListQuery,
    response=Paged[PaymentPublic],
    errors=(403, 404),
    summary="Session payments, newest first: yours, or a provider's (?providerId=)",
)
async def list_payments(call: Call) -> Paged[PaymentPublic]:
    q: PaymentListQuery = call.query
    items, token = await payment_queries.list_payments(
        call.deps,
        call.principal,
        provider_id=q.provider_id,
        user_id=q.user_id,
        status=q.status,
        session_id=q.session_id,
        limit=q.limit,
        continuation=q.continuation_token,
    )
    return Paged[PaymentPublic](items=items, continuation_token=token)


@api.route(
    "payments/{paymentId}",
    response=PaymentPublic,
    errors=(404,),
    summary="One session payment: amounts, card, invoice, refunds",
)
async def get_payment(call: Call) -> PaymentPublic:
    return await payment_queries.read_payment(call.deps, call.principal, call.route["paymentId"])


@api.route(
    "payments/{paymentId}/refunds",
    methods=["POST"],
    roles=(Role.PROVIDER_ADMIN,),
    body=RefundCreate,
    response=RefundPublic,
    status=201,
    errors=(404, 409, 503),
    summary="Refund part or all (amount omitted) of a captured payment; issues a credit note",
)
async def refund_payment(call: Call) -> Reply:
    payment, refund = await refunds.refund_payment(call.deps, call.principal, call.route["paymentId"], call.body)
    return Reply(RefundPublic.of(payment, refund), headers={"Location": f"/api/payments/{payment.id}"})

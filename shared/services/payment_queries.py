"""Reading session payments: a driver's own, a provider's (its stations' sessions), any for an admin.

Payment records live in ``payments`` (partition ``/userId``): a driver's list is one partition,
a provider's is cross-partition on ``providerId`` (an indexed field). A payment's id alone does
not name its partition, so reading one by id is a cross-partition query; who may see it is
decided on the record (``billing_access``), and anyone else gets 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain.billing import PaymentStatus, SessionPayment
from shared.domain.errors import NotFound
from shared.domain.payment_api import PaymentPublic
from shared.domain.principal import Principal, guard
from shared.ports.store import Filter
from shared.repositories import payments as repo
from shared.services.billing_access import readable, scope

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["find_payment_by_id", "list_payments", "read_payment", "visible_payment"]

NOT_FOUND = ("payment_not_found", "No such payment.")


async def find_payment_by_id(deps: Deps, payment_id: str) -> SessionPayment | None:
    if not payment_id.startswith("pay_"):
        return None  # the container also holds payment accounts ("acct:...")
    found, _ = await repo.query_payments(deps.store, (Filter("id", "eq", payment_id),), limit=1)
    return found[0] if found else None


async def visible_payment(deps: Deps, who: Principal | None, payment_id: str) -> SessionPayment:
    """The payment, if the caller may read it; else 404 (also when it does not exist)."""
    user = guard.signed_in(who)
    payment = await find_payment_by_id(deps, payment_id)
    if payment is None:
        raise NotFound(NOT_FOUND[1], code=NOT_FOUND[0])
    readable(user, provider_id=payment.provider_id, user_id=payment.user_id, code=NOT_FOUND[0], detail=NOT_FOUND[1])
    return payment


async def read_payment(deps: Deps, who: Principal | None, payment_id: str) -> PaymentPublic:
    return PaymentPublic.of(await visible_payment(deps, who, payment_id))


async def list_payments(
    deps: Deps,
    who: Principal | None,
    *,
    provider_id: str | None,
    user_id: str | None,
    status: PaymentStatus | None,
    session_id: str | None,
    limit: int,
    continuation: str | None,
) -> tuple[list[PaymentPublic], str | None]:
    """Newest first; see ``billing_access.scope`` for whose."""
    provider, user = scope(who, provider_id, user_id)
    where: list[Filter] = []
    if provider is not None:
        where.append(Filter("providerId", "eq", provider))
    if user is not None:
        where.append(Filter("userId", "eq", user))  # the Cosmos stand-in needs it besides the partition
    if status is not None:
        where.append(Filter("status", "eq", status))
    if session_id is not None:
        where.append(Filter("sessionId", "eq", session_id))
    found, token = await repo.query_payments(
        deps.store, tuple(where), user_id=user, limit=limit, continuation=continuation
    )
    return [PaymentPublic.of(p) for p in found], token

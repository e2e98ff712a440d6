"""Redeeming a promo code at a session's start, and giving the use back when nothing was bought.

A use is counted when the session starts, under the promo code's ETag, so ``maxUses`` holds under
any number of concurrent starts (of several starts racing for the last use, one gets it). The
driver's own limit (``perDriverLimit``) counts their payment records that name the code and were not
released. When the start fails, or the session ends without anything to pay (a failed start, under
the minimum energy), the use is given back. The session carries the code's terms as they were at
its start (``SessionDiscount``), and every price of it applies them (``shared.domain.pricing``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.promotions import PromoCode, PromoRefusal, promo_applies
from shared.domain.sessions import SessionDiscount
from shared.ports.store import Filter, PreconditionFailed, Query
from shared.repositories.promotions import get_promo, save_promo

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["give_back", "redeem"]

_ATTEMPTS = 20  # ETag rounds: a popular code at a busy moment
_REFUSALS = {
    PromoRefusal.INACTIVE: "This promo code is not active.",
    PromoRefusal.NOT_YET_VALID: "This promo code is not valid yet.",
    PromoRefusal.EXPIRED: "This promo code has expired.",
    PromoRefusal.USED_UP: "This promo code has been used up.",
    PromoRefusal.DRIVER_LIMIT: "You have used this promo code as often as it allows.",
    PromoRefusal.OTHER_STATION: "This promo code is not valid at this station.",
}


async def _uses_by(deps: Deps, user_id: str, code: str) -> int:
    where = (
        *(Filter("type", "eq", "payment"), Filter("userId", "eq", user_id)),
        *(Filter("promoCode", "eq", code), Filter("status", "ne", "released")),
    )
    total, token = 0, None
    for _ in range(100):  # bounded: a driver's uses of one code
        page = await deps.store.query("payments", Query(where, limit=200, continuation=token, partition_key=user_id))
        total += len(page.items)
        token = page.continuation
        if token is None:
            break
    return total


async def redeem(
    deps: Deps, provider_id: str, code: str, *, station_id: str, user_id: str, currency: str, now: datetime
) -> SessionDiscount:
    """Count one use of ``code`` for a session starting now, or refuse it (422 with the reason's code)."""
    code = code.strip().upper()
    try:
        promo = await get_promo(deps.store, provider_id, code)
    except NotFound as exc:
        raise InvalidInput("There is no such promo code.", code="promo_not_found") from exc
    if promo.kind == "fixed" and promo.currency != currency:
        raise InvalidInput("This promo code is in another currency than the tariff.", code="promo_currency_mismatch")
    uses = await _uses_by(deps, user_id, code)
    for _ in range(_ATTEMPTS):
        verdict = promo_applies(promo, station_id, now, uses)
        if verdict.refusal is not None:
            raise InvalidInput(_REFUSALS[verdict.refusal], code=f"promo_{verdict.refusal.value}")
        counted = promo.model_copy(update={"uses": promo.uses + 1, "updated_at": now})
        try:
            await save_promo(deps.store, counted, etag=promo.etag)
            return _discount(promo)
        except PreconditionFailed:
            promo = await get_promo(deps.store, provider_id, code)
    raise Conflict("The promo code is busy; try again.", code="promo_busy")


def _discount(promo: PromoCode) -> SessionDiscount:
    return SessionDiscount(code=promo.code, kind=promo.kind, percent=promo.percent, amount_incl_vat=promo.amount)


async def give_back(deps: Deps, provider_id: str, code: str) -> None:
    """Undo one use (a start that failed, or a session with nothing to pay); never below zero."""
    for _ in range(_ATTEMPTS):
        try:
            promo = await get_promo(deps.store, provider_id, code)
        except NotFound:
            return
        if promo.uses == 0:
            return
        try:
            await save_promo(
                deps.store, promo.model_copy(update={"uses": promo.uses - 1, "updated_at": deps.clock.now()}),
                etag=promo.etag,
            )  # fmt: skip
            return
        except PreconditionFailed:
            continue

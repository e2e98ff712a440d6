"""Promotion: featured stations and the provider's promo codes."""

from __future__ import annotations

from functions.providers import api
from shared.domain.principal import Role
from shared.domain.promotions import FeaturedPeriod, PromoCode, PromoCodeCreate, PromoCodeUpdate
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import promotions
from shared.services.promotions import FeaturedStation

ADMINS = (Role.PROVIDER_ADMIN,)
MEMBERS = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


@api.route(
    "stations/{stationId}/featured",
    methods=["PUT"],
    roles=ADMINS,
    body=FeaturedPeriod,
    response=FeaturedStation,
    errors=(403, 404, 409),
    summary="Feature a station in search for a period of at most 90 days",
)
async def feature_station(call: Call) -> FeaturedStation:
    d = call.deps
    return await promotions.feature_station(
        call.route["stationId"], call.body, who=call.principal, store=d.store, clock=d.clock
    )


@api.route(
    "stations/{stationId}/featured",
    methods=["DELETE"],
    roles=ADMINS,
    status=204,
    errors=(403, 404, 409),
    summary="Stop featuring a station",
)
async def unfeature_station(call: Call) -> None:
    d = call.deps
    await promotions.unfeature_station(call.route["stationId"], who=call.principal, store=d.store, clock=d.clock)


@api.route(
    "providers/{providerId}/promo-codes",
    methods=["POST"],
    roles=ADMINS,
    body=PromoCodeCreate,
    response=PromoCode,
    status=201,
    errors=(403, 404, 409),
    summary="Create a promo code (percent or fixed amount), unique per provider",
)
async def create_promo_code(call: Call) -> Reply:
    d, provider_id = call.deps, call.route["providerId"]
    promo = await promotions.create_promo(
        call.body, provider_id=provider_id, who=call.principal, store=d.store, clock=d.clock
    )
    location = f"/api/providers/{provider_id}/promo-codes/{promo.code}"
    return Reply(promo, status=201, headers={"Location": location, "ETag": promo.etag or ""})


@api.route(
    "providers/{providerId}/promo-codes",
    roles=MEMBERS,
    query=ListQuery,
    response=Paged[PromoCode],
    errors=(403, 404),
    summary="The provider's promo codes, by code",
)
async def list_promo_codes(call: Call) -> Paged[PromoCode]:
    q: ListQuery = call.query
    found, token = await promotions.list_promos(
        call.route["providerId"], who=call.principal, store=call.deps.store, limit=q.limit, token=q.continuation_token
    )
    return Paged[PromoCode](items=found, continuation_token=token)


@api.route(
    "providers/{providerId}/promo-codes/{code}",
    methods=["PATCH"],
    roles=ADMINS,
    body=PromoCodeUpdate,
    response=PromoCode,
    errors=(403, 404, 409, 412),
    summary="Deactivate a promo code or change its dates, limits or stations (If-Match honoured)",
)
async def update_promo_code(call: Call) -> Reply:
    d = call.deps
    promo = await promotions.update_promo(
        call.route["providerId"],
        call.route["code"],
        call.body,
        if_match=call.if_match,
        who=call.principal,
        store=d.store,
        clock=d.clock,
    )
    return Reply(promo, headers={"ETag": promo.etag or ""})

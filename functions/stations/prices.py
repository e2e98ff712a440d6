"""Prices at a station's connector: the saved tariff's (price-estimate), or a tariff draft's (preview)."""

from __future__ import annotations

from functions.stations import api
from shared.domain.principal import Role
from shared.http.auth import Auth
from shared.http.endpoint import Call
from shared.services.price_estimates import EstimateQuery, PriceEstimate, estimate_price
from shared.services.tariff_previews import TariffPreview, TariffPreviewRequest, preview_tariff

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


@api.route(
    "stations/{stationId}/price-estimate",
    auth=Auth.OPTIONAL,
    query=EstimateQuery,
    response=PriceEstimate,
    errors=(404, 409, 422),
    summary="What charging at a connector would cost for so many kWh or minutes, at its maximum power",
)
async def estimate_station_price(call: Call) -> PriceEstimate:
    return await estimate_price(call.deps, call.principal, call.route["stationId"], call.query)


@api.route(
    "tariffs/preview",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    body=TariffPreviewRequest,
    response=TariffPreview,
    errors=(403, 404, 422),
    summary="Price a tariff draft (not saved) at one of your connectors, as the price-estimate would once saved",
)
async def preview_tariff_price(call: Call) -> TariffPreview:
    return await preview_tariff(call.deps, call.principal, call.body)

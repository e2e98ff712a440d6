"""Price before start: ``GET /api/stations/{stationId}/price-estimate``."""

from __future__ import annotations

from functions.stations import api
from shared.http.auth import Auth
from shared.http.endpoint import Call
from shared.services.price_estimates import EstimateQuery, PriceEstimate, estimate_price


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

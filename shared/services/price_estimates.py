"""Price before start: what charging at a connector would cost for so many kWh or minutes.

The tariff version in force now, the connector's maximum power, no idle time: the same pricing
function that prices a session (``shared.domain.pricing``), with the tariff's summary as drivers read it.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from shared.domain.errors import Conflict, NotFound
from shared.domain.model import ApiModel, InputModel
from shared.domain.pricing import Cost, estimate
from shared.domain.principal import Principal
from shared.domain.sessions import Money
from shared.services.sessions import connector_tariff
from shared.services.stations import read_station

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["EstimateQuery", "PriceEstimate", "assumed_charge", "estimate_price"]


class EstimateQuery(InputModel):
    connector_key: str = Field(min_length=3, max_length=64, description="<chargerId>/<connectorId>")
    kwh: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=3)
    minutes: int | None = Field(default=None, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _one_amount(self) -> EstimateQuery:
        if self.kwh is None and self.minutes is None:
            raise ValueError("give kwh, minutes or both (the estimate ends at whichever comes first)")
        return self


class PriceEstimate(ApiModel):
    station_id: str
    connector_key: str
    tariff_id: str
    tariff_version: int
    summary: str
    power_kw: float
    kwh: str  # the energy the estimate assumes, at the connector's maximum power
    minutes: int
    total: Money
    cost: Cost


async def estimate_price(deps: Deps, who: Principal | None, station_id: str, query: EstimateQuery) -> PriceEstimate:
    station = await read_station(station_id, who=who, deps=deps)
    connector = next((c for c in station.connectors if c.key == query.connector_key), None)
    if connector is None:
        raise NotFound("This station has no such connector.", code="connector_not_found")
    terms = await connector_tariff(deps, station, connector)
    if terms is None:
        raise Conflict("This connector has no price yet.", code="connector_not_priced")
    power = Decimal(str(connector.max_power_kw))
    cost = estimate(
        terms, kwh=query.kwh, minutes=query.minutes, power_kw=power, start=deps.clock.now(), time_zone=station.time_zone
    )
    kwh, minutes = assumed_charge(power, query.kwh, query.minutes)
    return PriceEstimate(
        station_id=station.id,
        connector_key=connector.key,
        tariff_id=terms.tariff_id,
        tariff_version=terms.version,
        summary=terms.summary,
        power_kw=connector.max_power_kw,
        kwh=str(kwh),
        minutes=minutes,
        total=Money(amount=str(cost.total), currency=cost.currency),
        cost=cost,
    )


def assumed_charge(power_kw: Decimal, kwh: Decimal | None, minutes: int | None) -> tuple[Decimal, int]:
    """The kWh and whole minutes of a session at ``power_kw`` that ends at ``kwh`` or ``minutes``, whichever
    comes first (as the price-estimate reports them; ``estimate`` prices the same session)."""
    hours = [Decimal(minutes) / 60] if minutes is not None else []
    if kwh is not None:
        hours.append(kwh / power_kw)
    charging = min(hours)
    energy = min(power_kw * charging, kwh) if kwh is not None else power_kw * charging
    return energy.quantize(Decimal("0.001")), int((charging * 60).to_integral_value(rounding=ROUND_CEILING))

"""A tariff draft priced before it is saved: ``POST /api/tariffs/preview``.

The tariff editor shows what a draft would cost at one of the provider's own connectors. The draft is
checked as creating a tariff checks it (the same 422 codes: ``check_tariff`` and the provider's
currency), then priced by ``shared.domain.pricing.estimate``, the function behind the price-estimate
and the payment hold: the connector's maximum power, no idle time. So once the draft is saved and
attached, ``GET /api/stations/{id}/price-estimate`` gives the very same ``cost``.

Tenancy: only the station's own provider (admins and staff) and platform admins; another provider's
station is 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, Field, field_validator

from shared.domain.errors import NotFound
from shared.domain.model import ApiModel
from shared.domain.pricing import Cost, estimate
from shared.domain.principal import Principal
from shared.domain.sessions import Money
from shared.domain.tariff_summary import summarise
from shared.domain.tariffs import TariffVersionCreate
from shared.repositories.providers import get_provider
from shared.services.price_estimates import EstimateQuery, assumed_charge
from shared.services.stations import own_station
from shared.services.tariffs import checked_terms

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["TariffPreview", "TariffPreviewRequest", "assumed_charge", "preview_tariff"]

_EARLIEST_YEAR, _LATEST_YEAR = 2000, 2100  # a start beyond these is a typo, and far enough from datetime's ends


class TariffPreviewRequest(EstimateQuery):
    """The draft (the body of ``POST /api/tariffs/{id}/versions``) and the session to price it for: a
    connector of one of your stations, kWh and/or minutes as the price-estimate takes them, a start."""

    tariff: TariffVersionCreate
    station_id: str = Field(min_length=1, max_length=100)
    start_at: AwareDatetime | None = Field(default=None, description="the session's start; default now")

    @field_validator("start_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is not None and not _EARLIEST_YEAR <= value.year <= _LATEST_YEAR:
            raise ValueError(f"give a start between the years {_EARLIEST_YEAR} and {_LATEST_YEAR}")
        return value


class TariffPreview(ApiModel):
    """The price-estimate's answer for a draft: no tariff id or version yet, the start it assumed."""

    station_id: str
    connector_key: str
    summary: str  # the draft's summary as drivers would read it
    power_kw: float
    kwh: str  # the energy the preview assumes, at the connector's maximum power
    minutes: int
    start_at: datetime
    total: Money
    cost: Cost


async def preview_tariff(deps: Deps, who: Principal | None, cmd: TariffPreviewRequest) -> TariffPreview:
    station = await own_station(cmd.station_id, who, deps)
    connector = next((c for c in station.connectors if c.key == cmd.connector_key), None)
    if connector is None:
        raise NotFound("This station has no such connector.", code="connector_not_found")
    draft = cmd.tariff
    checked_terms(draft, (await get_provider(deps.store, station.provider_id)).currency)  # as creating one does
    power = Decimal(str(connector.max_power_kw))
    start = cmd.start_at or deps.clock.now()
    cost = estimate(draft, kwh=cmd.kwh, minutes=cmd.minutes, power_kw=power, start=start, time_zone=station.time_zone)
    kwh, minutes = assumed_charge(power, cmd.kwh, cmd.minutes)
    return TariffPreview(
        station_id=station.id,
        connector_key=connector.key,
        summary=summarise(draft),
        power_kw=connector.max_power_kw,
        kwh=str(kwh),
        minutes=minutes,
        start_at=start,
        total=Money(amount=str(cost.total), currency=cost.currency),
        cost=cost,
    )

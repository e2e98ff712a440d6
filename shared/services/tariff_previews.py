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
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, Field, field_validator

from shared.domain.errors import InvalidInput, NotFound
from shared.domain.model import ApiModel
from shared.domain.pricing import Cost, estimate
from shared.domain.principal import Principal
from shared.domain.sessions import Money
from shared.domain.tariff_rules import check_tariff
from shared.domain.tariff_summary import summarise
from shared.domain.tariffs import TariffVersionCreate
from shared.repositories.providers import get_provider
from shared.services.price_estimates import EstimateQuery
from shared.services.stations import own_station

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


def assumed_charge(power_kw: Decimal, kwh: Decimal | None, minutes: int | None) -> tuple[Decimal, int]:
    """The kWh and whole minutes of a session at ``power_kw`` that ends at ``kwh`` or ``minutes``, whichever
    comes first (as the price-estimate reports them; ``estimate`` prices the same session)."""
    hours = [Decimal(minutes) / 60] if minutes is not None else []
    if kwh is not None:
        hours.append(kwh / power_kw)
    charging = min(hours)
    energy = min(power_kw * charging, kwh) if kwh is not None else power_kw * charging
    return energy.quantize(Decimal("0.001")), int((charging * 60).to_integral_value(rounding=ROUND_CEILING))


async def preview_tariff(deps: Deps, who: Principal | None, cmd: TariffPreviewRequest) -> TariffPreview:
    station = await own_station(cmd.station_id, who, deps)
    connector = next((c for c in station.connectors if c.key == cmd.connector_key), None)
    if connector is None:
        raise NotFound("This station has no such connector.", code="connector_not_found")
    draft = cmd.tariff
    check_tariff(draft)
    currency = (await get_provider(deps.store, station.provider_id)).currency
    if draft.currency != currency:  # as creating a tariff refuses it (shared/services/tariffs.py)
        raise InvalidInput(f"The provider bills in {currency}, not {draft.currency}.", code="currency_mismatch")
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

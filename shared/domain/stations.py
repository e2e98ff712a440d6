"""Stations, their connectors as search sees them, and maintenance windows.

A ``Station`` lives in the ``stations`` container (partition ``/providerId``, id
``stn_...``). Its ``connectors`` list is a projection of its chargers'
connectors (``shared.domain.chargers``) plus each one's live status: search and
station detail read one document. It is rebuilt whenever a charger changes and
updated in place when a charger reports a status (the charging issue).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, HttpUrl

from shared.domain.geo import GeoPoint
from shared.domain.model import ApiModel

__all__ = [
    "Access",
    "Address",
    "ConnectorStandard",
    "ConnectorStatus",
    "Lifecycle",
    "MaintenanceWindow",
    "OpeningHours",
    "PowerType",
    "PriceSummary",
    "RegularHours",
    "Station",
    "StationConnector",
    "StationReliability",
]


class ConnectorStandard(StrEnum):
    TYPE_2 = "TYPE_2"
    CCS2 = "CCS2"
    CHADEMO = "CHADEMO"
    TYPE_1 = "TYPE_1"
    NACS = "NACS"


class PowerType(StrEnum):
    AC = "AC"
    DC = "DC"


class ConnectorStatus(StrEnum):
    """OCPP 1.6 ChargePointStatus, plus ``Unknown`` until the charger has reported."""

    UNKNOWN = "Unknown"
    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EVSE = "SuspendedEVSE"
    SUSPENDED_EV = "SuspendedEV"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"


Lifecycle = Literal["draft", "active", "maintenance", "retired"]
Access = Literal["public", "private"]


class Address(ApiModel):
    street: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")


class RegularHours(ApiModel):
    """OCPI-style: weekday 1 (Monday) to 7, local times ``HH:MM`` in the station's time zone."""

    weekday: int = Field(ge=1, le=7)
    period_begin: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    period_end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")


class OpeningHours(ApiModel):
    twentyfourseven: bool = True
    regular_hours: list[RegularHours] = Field(default_factory=list)


class StationConnector(ApiModel):
    """One connector as search shows it; ``key`` is ``<chargerId>/<connectorId>``."""

    charger_id: str
    connector_id: int = Field(ge=1)
    standard: ConnectorStandard
    power_type: PowerType
    max_power_kw: float = Field(gt=0, le=1000)
    tariff_id: str | None = None
    status: ConnectorStatus = ConnectorStatus.UNKNOWN
    status_at: datetime | None = None
    suspect: bool = False  # a driver reported a problem (reviews issue)

    @property
    def key(self) -> str:
        return f"{self.charger_id}/{self.connector_id}"


class MaintenanceWindow(ApiModel):
    """Planned downtime of the whole station (no connector) or of one connector."""

    id: str
    charger_id: str | None = None
    connector_id: int | None = None
    starts_at: datetime
    ends_at: datetime
    reason: str = ""


class PriceSummary(ApiModel):
    """The station's current tariff as people read it, e.g. "0.39 EUR/kWh, 0.10 EUR/min after 60 min"."""

    tariff_id: str
    version: int
    currency: str
    text: str
    energy_per_kwh: str | None = None  # decimal string


class StationReliability(ApiModel):
    """How dependable the station has been (``shared.domain.reliability``), written by the reliability timer."""

    score: int | None = Field(default=None, ge=0, le=100, description="0..100; null: unknown (no data yet)")
    sessions_attempted: int = Field(default=0, ge=0, description="sessions of the last 30 days that count")
    sessions_delivered: int = Field(default=0, ge=0, description="of those, the ones that started and delivered energy")
    uptime: float | None = Field(default=None, ge=0, le=1, description="decayed share of time connectors were usable")
    online: bool | None = Field(default=None, description="a charger heard from within 2x its heartbeat interval")
    last_heartbeat_at: datetime | None = None


class Station(ApiModel):
    id: str
    type: Literal["station"] = "station"
    provider_id: str
    provider_name: str
    provider_active: bool = True  # false while the provider is suspended: hidden from search
    name: str
    address: Address
    location: GeoPoint
    time_zone: str
    opening_hours: OpeningHours = Field(default_factory=OpeningHours)
    amenities: list[str] = Field(default_factory=list)
    photos: list[HttpUrl] = Field(default_factory=list)
    access: Access = "public"
    lifecycle: Lifecycle = "draft"
    connectors: list[StationConnector] = Field(default_factory=list)
    # derived from connectors on every write, so that search can filter in the store
    standards: list[ConnectorStandard] = Field(default_factory=list)
    max_power_kw: float = 0
    tariff_id: str | None = None
    price_summary: PriceSummary | None = None
    # the current tariff's unrestricted energy price as a number, so search can filter on it in the store
    energy_price_per_kwh: float | None = None
    featured_from: datetime | None = None
    featured_until: datetime | None = None
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)
    rating_average: float | None = None
    rating_count: int = 0
    reliability: StationReliability | None = None  # null until the reliability timer has scored the station
    created_at: datetime
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    def with_derived(self) -> Station:
        return self.model_copy(
            update={
                "standards": sorted({c.standard for c in self.connectors}),
                "max_power_kw": max((c.max_power_kw for c in self.connectors), default=0),
            }
        )

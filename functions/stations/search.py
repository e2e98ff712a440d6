"""Map search: ``GET /api/stations`` (docs/providers-and-stations.md, "Search")."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from functions.stations import api
from shared.domain.model import InputModel
from shared.domain.principal import PROVIDER_ROLES
from shared.domain.stations import ConnectorStandard
from shared.http.auth import Auth
from shared.http.endpoint import Call
from shared.http.paging import Paged
from shared.repositories.station_search import Area
from shared.services import search
from shared.services.search import SearchStations, StationSearchResult

_STANDARDS = ", ".join(s.value for s in ConnectorStandard)


def _bbox(value: str) -> tuple[float, float, float, float]:
    parts = value.split(",")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError as exc:  # also a wrong count of parts
        raise ValueError("bbox is four numbers: minLon,minLat,maxLon,maxLat") from exc
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        # A view across the antimeridian is sent as two searches: the store's boxes do not wrap.
        raise ValueError("bbox needs -180 <= minLon <= maxLon <= 180 and -90 <= minLat <= maxLat <= 90")
    return min_lon, min_lat, max_lon, max_lat


def _standards(value: str) -> frozenset[ConnectorStandard]:
    names = [name.strip().upper() for name in value.split(",")]
    unknown = [name for name in names if name not in ConnectorStandard.__members__]
    if unknown or not names:
        raise ValueError(f"unknown standard(s) {', '.join(unknown)!s}; known: {_STANDARDS}")
    return frozenset(ConnectorStandard[name] for name in names)


class StationSearchQuery(InputModel):
    """Either ``lat`` + ``lon`` + ``radiusKm``, or ``bbox``."""

    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    radius_km: float | None = Field(default=None, gt=0, le=100, allow_inf_nan=False)
    bbox: str | None = Field(default=None, max_length=200, description="minLon,minLat,maxLon,maxLat (degrees)")
    standard: str | None = Field(default=None, max_length=200, description=f"comma-separated, any of: {_STANDARDS}")
    min_power_kw: float | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)
    available_now: bool = Field(default=False, description="a matching connector is Available right now")
    max_price_per_kwh: float | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)
    min_rating: float | None = Field(default=None, ge=0, le=5, allow_inf_nan=False)
    min_reliability: int | None = Field(default=None, ge=0, le=100, description="reliability score at least this")
    provider_id: str | None = Field(default=None, min_length=1, max_length=64)
    q: str | None = Field(default=None, min_length=1, max_length=100, description="text in name, street or city")
    limit: int = Field(default=20, ge=1, le=100)
    continuation_token: str | None = Field(default=None, max_length=512)

    @field_validator("bbox")
    @classmethod
    def _check_bbox(cls, value: str | None) -> str | None:
        return None if value is None else ",".join(str(v) for v in _bbox(value))

    @field_validator("standard")
    @classmethod
    def _check_standard(cls, value: str | None) -> str | None:
        return None if value is None else ",".join(sorted(_standards(value)))

    @model_validator(mode="after")
    def _one_area(self) -> StationSearchQuery:
        circle = (self.lat, self.lon, self.radius_km)
        if self.bbox is None and None in circle:
            raise ValueError("give lat, lon and radiusKm, or bbox")
        if self.bbox is not None and circle != (None, None, None):
            raise ValueError("give either lat, lon and radiusKm, or bbox, not both")
        return self

    def command(self) -> SearchStations:
        if self.bbox is not None:
            area = Area.box(*_bbox(self.bbox))
        else:
            assert self.lat is not None and self.lon is not None and self.radius_km is not None
            area = Area.around(self.lon, self.lat, self.radius_km * 1000)
        return SearchStations(
            area=area,
            standards=frozenset() if self.standard is None else _standards(self.standard),
            min_power_kw=self.min_power_kw,
            available_now=self.available_now,
            max_price_per_kwh=self.max_price_per_kwh,
            min_rating=self.min_rating,
            min_reliability=self.min_reliability,
            provider_id=self.provider_id,
            text=self.q,
            limit=self.limit,
            continuation_token=self.continuation_token,
        )


@api.route(
    "stations",
    auth=Auth.OPTIONAL,
    query=StationSearchQuery,
    response=Paged[StationSearchResult],
    errors=(400, 422),
    summary="Find stations on the map: nearest first, featured ones boosted a little",
)
async def search_stations(call: Call) -> Paged[StationSearchResult]:
    """Public stations for everyone; a provider's members also see its private ones."""
    who = call.principal
    member_of = who.provider_id if who is not None and who.has_any(PROVIDER_ROLES) else None
    q: StationSearchQuery = call.query
    items, token = await search.search_stations(
        q.command(), store=call.deps.store, now=call.deps.clock.now(), member_of=member_of
    )
    return Paged[StationSearchResult](items=items, continuation_token=token)

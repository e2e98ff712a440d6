"""Points on the map: GeoJSON, longitude first, as Cosmos DB's spatial functions expect."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from shared.domain.model import ApiModel

__all__ = ["EARTH_RADIUS_M", "BoundingBox", "GeoPoint", "distance_m"]

# The mean radius also used by the SQLite adapter's haversine and the Cosmos stand-in.
EARTH_RADIUS_M = 6_371_008.8


class GeoPoint(ApiModel):
    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float] = Field(description="[longitude, latitude] in degrees (WGS 84)")

    @field_validator("coordinates")
    @classmethod
    def _in_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        lon, lat = value
        if not -180 <= lon <= 180:
            raise ValueError(f"longitude {lon} is outside -180..180")
        if not -90 <= lat <= 90:
            raise ValueError(f"latitude {lat} is outside -90..90")
        return value

    @property
    def lon(self) -> float:
        return self.coordinates[0]

    @property
    def lat(self) -> float:
        return self.coordinates[1]

    @classmethod
    def at(cls, lon: float, lat: float) -> GeoPoint:
        return cls(coordinates=(lon, lat))


class BoundingBox(ApiModel):
    min_lon: float = Field(ge=-180, le=180)
    min_lat: float = Field(ge=-90, le=90)
    max_lon: float = Field(ge=-180, le=180)
    max_lat: float = Field(ge=-90, le=90)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))

"""Request bodies and the API's view of stations (the stored document is in ``stations``)."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, HttpUrl

from shared.domain.availability import effective_status
from shared.domain.geo import GeoPoint
from shared.domain.model import InputModel
from shared.domain.reliability import ReliabilityView
from shared.domain.stations import Access, Address, ConnectorStatus, OpeningHours, Station

__all__ = ["StationCreate", "StationUpdate", "StationView"]


@functools.cache
def _zones() -> frozenset[str]:
    # "localtime" names the host's zone, not a place; "Factory" means "not set".
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def _iana_zone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone name such as 'Europe/Berlin'")
    return value


def _sensible_hours(value: OpeningHours) -> OpeningHours:
    # OCPI: regular hours are given exactly when the station is not open around the clock.
    if value.twentyfourseven and value.regular_hours:
        raise ValueError("give regular hours only when twentyfourseven is false")
    if not value.twentyfourseven and not value.regular_hours:
        raise ValueError("a station not open 24/7 needs its regular hours")
    for period in value.regular_hours:
        if period.period_begin >= period.period_end:  # zero-padded HH:MM compares as text
            raise ValueError(f"weekday {period.weekday}: {period.period_begin} is not before {period.period_end}")
    return value


TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_iana_zone)]
Hours = Annotated[OpeningHours, AfterValidator(_sensible_hours)]
Amenity = Annotated[str, Field(min_length=1, max_length=40)]
Name = Annotated[str, Field(min_length=1, max_length=120)]


class StationCreate(InputModel):
    name: Name
    address: Address
    location: GeoPoint
    time_zone: TimeZone
    opening_hours: Hours = Field(default_factory=OpeningHours)
    amenities: list[Amenity] = Field(default_factory=list, max_length=20)
    photos: list[HttpUrl] = Field(default_factory=list, max_length=20)
    access: Access = "public"
    lifecycle: Literal["draft", "active"] = "draft"


class StationUpdate(InputModel):
    """Absent or null fields stay as they are. Retiring has its own route: it is final and retires the chargers."""

    name: Name | None = None
    address: Address | None = None
    location: GeoPoint | None = None
    time_zone: TimeZone | None = None
    opening_hours: Hours | None = None
    amenities: list[Amenity] | None = Field(default=None, max_length=20)
    photos: list[HttpUrl] | None = Field(default=None, max_length=20)
    access: Access | None = None
    lifecycle: Literal["draft", "active", "maintenance"] | None = None


class StationView(Station):
    """A station as the API shows it: the document plus each connector's effective status, by connector key,
    and its reliability with the parts derived at read time."""

    effective_status: dict[str, ConnectorStatus] = Field(default_factory=dict)
    reliability: ReliabilityView | None = None

    @classmethod
    def of(cls, station: Station, now: datetime) -> StationView:
        statuses = {c.key: effective_status(station, c, now) for c in station.connectors}
        reliability = None if station.reliability is None else ReliabilityView.of(station.reliability, now)
        view = cls.model_validate({**station.model_dump(), "effectiveStatus": statuses, "reliability": reliability})
        view.etag = station.etag
        return view

"""Tariffs after the OCPI 2.2.1 tariffs module: the stored documents and the terms they price by.

A ``Tariff`` (id ``trf_...``) is a head: name and current version. Each change is a new immutable
``TariffVersion`` (id ``trf_...:v<n>``), both in the ``stations`` container (partition
``/providerId``). A session is priced by the version in force at its start.

OCPI semantics kept here: prices exclude VAT; ENERGY is per kWh, TIME (charging) and PARKING_TIME per
hour, FLAT per session; restriction minima are inclusive and maxima exclusive; for each dimension the
first element whose restrictions all match sets the price. Their checks are in ``tariff_rules``, their
summary as drivers read it in ``tariff_summary``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, HttpUrl, field_validator

from shared.domain.model import ApiModel, InputModel

__all__ = [
    "DayOfWeek", "DisplayText", "Price", "PriceComponent", "Tariff", "TariffCreate", "TariffDetail",
    "TariffDimension", "TariffElement", "TariffRestrictions", "TariffTerms", "TariffVersion",
    "TariffVersionCreate", "plain_decimal",
]  # fmt: skip


def plain_decimal(value: Decimal) -> Decimal:
    # "1e3" and "-0" are valid input but must be stored and shown as 1000 and 0.
    return Decimal(format(abs(value) if value.is_zero() else value, "f"))


# OCPI numbers carry at most 4 decimals; a cap on digits keeps absurd values out.
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4), AfterValidator(plain_decimal)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=4), AfterValidator(plain_decimal)]
HourMinute = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class TariffDimension(StrEnum):
    ENERGY = "ENERGY"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"
    FLAT = "FLAT"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


# The value objects are InputModels: an unknown field (a typo in a restriction) is refused, never
# silently dropped, which would widen the restriction to "always".
class PriceComponent(InputModel):
    type: TariffDimension
    price: Amount = Field(description="excluding VAT; per kWh, per hour (TIME, PARKING_TIME) or per session")
    vat: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2), AfterValidator(plain_decimal)] | None = None
    step_size: int = Field(default=1, gt=0, le=86_400, description="Wh for ENERGY, seconds for times")


class TariffRestrictions(InputModel):
    start_time: HourMinute | None = None
    end_time: HourMinute | None = Field(default=None, description="before start_time: wraps past midnight")
    start_date: date | None = None
    end_date: date | None = Field(default=None, description="exclusive")
    min_kwh: Quantity | None = None
    max_kwh: Quantity | None = None
    min_current: Quantity | None = None
    max_current: Quantity | None = None
    min_power: Quantity | None = None
    max_power: Quantity | None = None
    min_duration: int | None = Field(default=None, ge=0, description="seconds")
    max_duration: int | None = Field(default=None, ge=0, description="seconds")
    day_of_week: list[DayOfWeek] = Field(default_factory=list, max_length=7)
    reservation: Literal["RESERVATION", "RESERVATION_EXPIRES"] | None = None

    @field_validator("day_of_week")
    @classmethod
    def _week_order(cls, days: list[DayOfWeek]) -> list[DayOfWeek]:
        return sorted(set(days), key=list(DayOfWeek).index)

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_defaults=True)


class TariffElement(InputModel):
    price_components: list[PriceComponent] = Field(min_length=1, max_length=4)
    restrictions: TariffRestrictions | None = None

    @field_validator("restrictions")
    @classmethod
    def _empty_is_none(cls, value: TariffRestrictions | None) -> TariffRestrictions | None:
        return None if value is None or value.is_empty() else value


class Price(InputModel):
    excl_vat: Amount
    incl_vat: Amount | None = None


class DisplayText(InputModel):
    language: str = Field(pattern=r"^[a-z]{2}$")
    text: str = Field(min_length=1, max_length=512)


class TariffTerms(ApiModel):
    """What a version prices: the OCPI Tariff object without its identity."""

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    elements: list[TariffElement] = Field(min_length=1, max_length=50)
    min_price: Price | None = None
    max_price: Price | None = None
    tariff_alt_text: list[DisplayText] = Field(default_factory=list, max_length=10)
    tariff_alt_url: HttpUrl | None = None


class TariffVersionCreate(TariffTerms):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TariffCreate(TariffVersionCreate):
    name: str = Field(min_length=1, max_length=100)


class TariffVersion(TariffTerms):
    id: str
    type: Literal["tariffVersion"] = "tariffVersion"
    provider_id: str
    tariff_id: str
    version: int = Field(ge=1)
    summary: str
    created_by: str
    created_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class Tariff(ApiModel):
    id: str
    type: Literal["tariff"] = "tariff"
    provider_id: str
    name: str
    currency: str
    current_version: int = Field(ge=1)
    summary: str  # the current version's, so a list of tariffs needs no second read
    created_at: datetime
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class TariffDetail(Tariff):
    versions: list[TariffVersion]

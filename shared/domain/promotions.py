"""Promotion: featured stations and promo codes.

A featured period is two fields of the ``Station`` (``featuredFrom``/``featuredUntil``); search gives
featured stations a bounded boost. A ``PromoCode`` lives in the ``stations`` container (partition
``/providerId``) with id ``promo:<CODE>``, which makes a code unique per provider for free: a second
create of the same id is the store's conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, field_validator, model_validator

from shared.domain.errors import InvalidInput
from shared.domain.model import ApiModel, InputModel

__all__ = [
    "MAX_FEATURED",
    "FeaturedPeriod",
    "PromoCheck",
    "PromoCode",
    "PromoCodeCreate",
    "PromoCodeUpdate",
    "PromoRefusal",
    "check_featured",
    "check_promo",
    "promo_applies",
    "promo_id",
]

MAX_FEATURED = timedelta(days=90)
CODE_PATTERN = r"^[A-Z0-9-]{4,20}$"
PromoKind = Literal["percent", "fixed"]
# Times come with any offset (a naive one is refused) and are kept in UTC, like every stored time.
Utc = Annotated[AwareDatetime, AfterValidator(lambda value: value.astimezone(UTC))]
StationIds = Annotated[list[str], Field(max_length=100), AfterValidator(lambda ids: list(dict.fromkeys(ids)))]


def promo_id(code: str) -> str:
    return f"promo:{code.upper()}"


class FeaturedPeriod(InputModel):
    from_: Utc = Field(alias="from")
    until: Utc


def check_featured(period: FeaturedPeriod, now: datetime) -> None:
    if period.until <= period.from_:
        raise InvalidInput("until must be after from.", code="featured_period_invalid")
    if period.until - period.from_ > MAX_FEATURED:
        raise InvalidInput("A station can be featured for at most 90 days at a time.", code="featured_period_too_long")
    if period.until <= now:
        raise InvalidInput("The period is over already.", code="featured_period_past")


class _PromoTerms(ApiModel):
    kind: PromoKind
    percent: int | None = Field(default=None, ge=1, le=100)
    amount: Annotated[Decimal, AfterValidator(lambda d: Decimal(format(d, "f")))] | None = Field(
        default=None, gt=0, max_digits=12, decimal_places=4, description="in the provider's currency"
    )
    valid_from: Utc
    valid_until: Utc
    max_uses: int | None = Field(default=None, ge=1)
    per_driver_limit: int | None = Field(default=None, ge=1)
    station_ids: StationIds = Field(default_factory=list)
    active: bool = True


class PromoCodeCreate(_PromoTerms, InputModel):
    # Drivers type codes in any case; the code is stored, and matched, in upper case.
    code: str = Field(pattern=CODE_PATTERN)

    @field_validator("code", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class PromoCodeUpdate(InputModel):
    """PATCH: fields sent replace the stored ones; ``null`` clears a limit (maxUses, perDriverLimit)."""

    active: bool | None = None
    valid_from: Utc | None = None
    valid_until: Utc | None = None
    max_uses: int | None = Field(default=None, ge=1)
    per_driver_limit: int | None = Field(default=None, ge=1)
    station_ids: StationIds | None = None

    @model_validator(mode="after")
    def _required_not_null(self) -> PromoCodeUpdate:
        for name in ("active", "valid_from", "valid_until", "station_ids"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{type(self).model_fields[name].alias} cannot be null")
        return self


class PromoCode(_PromoTerms):
    id: str
    type: Literal["promoCode"] = "promoCode"
    provider_id: str
    code: str
    currency: str  # the provider's: a fixed amount is in it
    uses: int = 0  # redemptions so far, counted by billing under the ETag
    created_by: str
    created_at: datetime
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


def check_promo(terms: _PromoTerms) -> None:
    """The rules between fields, checked on create and on the result of every PATCH."""
    if terms.kind == "percent" and (terms.percent is None or terms.amount is not None):
        raise InvalidInput("A percent promo code takes percent (1-100) and no amount.", code="promo_kind_mismatch")
    if terms.kind == "fixed" and (terms.amount is None or terms.percent is not None):
        raise InvalidInput("A fixed promo code takes amount and no percent.", code="promo_kind_mismatch")
    if terms.valid_until <= terms.valid_from:
        raise InvalidInput("validUntil must be after validFrom.", code="promo_period_invalid")
    if terms.max_uses is not None and terms.per_driver_limit is not None and terms.per_driver_limit > terms.max_uses:
        raise InvalidInput("perDriverLimit cannot exceed maxUses.", code="promo_limits_invalid")


class PromoRefusal(StrEnum):
    INACTIVE = "inactive"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    USED_UP = "used_up"
    DRIVER_LIMIT = "driver_limit"
    OTHER_STATION = "other_station"


@dataclass(frozen=True)
class PromoCheck:
    """Whether a code applies, and if not why; truthy only when it applies.

    Not a bare ``True | reason`` union, whose reason strings would be truthy too.
    """

    refusal: PromoRefusal | None = None

    def __bool__(self) -> bool:
        return self.refusal is None


def promo_applies(promo: PromoCode, station_id: str, now: datetime, uses_by_driver: int) -> PromoCheck:
    """For billing: may this driver redeem ``promo`` for a session at ``station_id`` starting ``now``?"""
    if not promo.active:
        return PromoCheck(PromoRefusal.INACTIVE)
    if now < promo.valid_from:
        return PromoCheck(PromoRefusal.NOT_YET_VALID)
    if now >= promo.valid_until:
        return PromoCheck(PromoRefusal.EXPIRED)
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        return PromoCheck(PromoRefusal.USED_UP)
    if promo.per_driver_limit is not None and uses_by_driver >= promo.per_driver_limit:
        return PromoCheck(PromoRefusal.DRIVER_LIMIT)
    if promo.station_ids and station_id not in promo.station_ids:
        return PromoCheck(PromoRefusal.OTHER_STATION)
    return PromoCheck()

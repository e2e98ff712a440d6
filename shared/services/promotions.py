"""Use cases of promotion: feature a station for a period; create, list and change promo codes.

All writes are the provider admin's (or a platform admin's); the provider's staff may read.
"""

from __future__ import annotations

from datetime import datetime

from shared.domain.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shared.domain.model import ApiModel
from shared.domain.principal import Principal, guard
from shared.domain.promotions import (
    FeaturedPeriod,
    PromoCode,
    PromoCodeCreate,
    PromoCodeUpdate,
    check_featured,
    check_promo,
    promo_id,
)
from shared.domain.stations import Station
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore, PreconditionFailed
from shared.repositories import promotions as repo
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import get_station, read_station
from shared.services.station_prices import ATTEMPTS, change_station

__all__ = [
    "FeaturedStation",
    "create_promo",
    "feature_station",
    "list_promos",
    "unfeature_station",
    "update_promo",
]


class FeaturedStation(ApiModel):
    station_id: str
    featured_from: datetime | None
    featured_until: datetime | None

    @classmethod
    def of(cls, station: Station) -> FeaturedStation:
        return cls(station_id=station.id, featured_from=station.featured_from, featured_until=station.featured_until)


async def _writable_station(station_id: str, who: Principal | None, store: DocumentStore) -> Station:
    station = await get_station(store, station_id)
    guard.tenant(who, station.provider_id, admin_only=True)
    await require_active_provider(store, station.provider_id)
    if station.lifecycle == "retired":
        raise Conflict("The station is retired; it can no longer change.", code="station_retired")
    return station


async def _set_featured(
    store: DocumentStore, station: Station, span: tuple[datetime, datetime] | None, clock: Clock
) -> Station:
    start, end = span if span is not None else (None, None)

    async def change(s: Station) -> Station | None:
        if (s.featured_from, s.featured_until) == (start, end):
            return None
        return s.model_copy(update={"featured_from": start, "featured_until": end, "updated_at": clock.now()})

    return await change_station(store, station, change)


async def feature_station(
    station_id: str, period: FeaturedPeriod, *, who: Principal | None, store: DocumentStore, clock: Clock
) -> FeaturedStation:
    """Feature the station from ``period.from_`` until ``period.until``, replacing any earlier period."""
    station = await _writable_station(station_id, who, store)
    check_featured(period, clock.now())
    return FeaturedStation.of(await _set_featured(store, station, (period.from_, period.until), clock))


async def unfeature_station(station_id: str, *, who: Principal | None, store: DocumentStore, clock: Clock) -> None:
    station = await _writable_station(station_id, who, store)
    await _set_featured(store, station, None, clock)


async def _own_stations(store: DocumentStore, provider_id: str, station_ids: list[str]) -> None:
    for station_id in station_ids:
        try:
            await read_station(store, provider_id, station_id)  # a point read in the provider's partition
        except NotFound as exc:
            raise InvalidInput(f"The provider has no station {station_id}.", code="unknown_station") from exc


async def create_promo(
    cmd: PromoCodeCreate, *, provider_id: str, who: Principal | None, store: DocumentStore, clock: Clock
) -> PromoCode:
    user = guard.tenant(who, provider_id, admin_only=True)
    provider = await require_active_provider(store, provider_id)
    check_promo(cmd)
    await _own_stations(store, provider_id, cmd.station_ids)
    now = clock.now()
    fields = {name: getattr(cmd, name) for name in PromoCodeCreate.model_fields}
    promo = PromoCode(
        **fields,
        id=promo_id(cmd.code),
        provider_id=provider_id,
        currency=provider.currency,
        created_by=user.user_id,
        created_at=now,
        updated_at=now,
    )
    return await repo.add_promo(store, promo)


async def list_promos(
    provider_id: str, *, who: Principal | None, store: DocumentStore, limit: int, token: str | None
) -> tuple[list[PromoCode], str | None]:
    guard.tenant(who, provider_id)
    return await repo.list_promos(store, provider_id, limit=limit, continuation=token)


async def update_promo(
    provider_id: str,
    code: str,
    cmd: PromoCodeUpdate,
    *,
    if_match: str | None,
    who: Principal | None,
    store: DocumentStore,
    clock: Clock,
) -> PromoCode:
    """Apply the fields sent; the result must pass the same rules as a new code, or nothing changes.

    Billing counts redemptions on the same document, so without If-Match a concurrent write is
    re-read and the change applied again, never written over a count it did not see.
    """
    guard.tenant(who, provider_id, admin_only=True)
    await require_active_provider(store, provider_id)
    changes = {name: getattr(cmd, name) for name in cmd.model_fields_set}
    if cmd.station_ids:
        await _own_stations(store, provider_id, cmd.station_ids)
    for _ in range(ATTEMPTS):
        promo = await repo.get_promo(store, provider_id, code)
        if if_match is not None and if_match != promo.etag:
            raise StaleVersion("The promo code changed since you read it; reload.", code="stale_version")
        updated = promo.model_copy(update={**changes, "updated_at": clock.now()})
        check_promo(updated)
        try:
            return await repo.save_promo(store, updated, etag=promo.etag)
        except PreconditionFailed:
            continue
    raise Conflict("The promo code kept changing; retry.", code="promo_busy")

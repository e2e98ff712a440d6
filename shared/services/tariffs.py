"""Use cases of tariffs: create, read, change (each change is a new version), attach to a station or connector.

Version numbers: a version document's id carries its number, so creating ``trf_x:v3`` twice is the
store's conflict and two concurrent changes can never both become version 3; the loser takes the next
number. The head then moves forward under its ETag, never backwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from pydantic import Field

from shared.domain.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shared.domain.model import InputModel
from shared.domain.principal import Principal, guard
from shared.domain.stations import PriceSummary, Station
from shared.domain.tariffs import (
    Tariff,
    TariffCreate,
    TariffDetail,
    TariffTerms,
    TariffVersion,
    TariffVersionCreate,
    check_tariff,
    energy_price,
    summarise,
)
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentStore, PreconditionFailed
from shared.repositories import tariffs as repo
from shared.repositories.chargers import get_charger, save_charger
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import get_station, read_station, rebuild_connectors, save_station

__all__ = [
    "TariffAttach",
    "add_version",
    "attach_tariff",
    "change_station",
    "create_tariff",
    "list_tariffs",
    "read_tariff",
    "read_version",
]

ATTEMPTS = 5


class TariffAttach(InputModel):
    """Without a connector the tariff becomes the station's own (shown in search); with one it prices that connector."""

    tariff_id: str = Field(min_length=1, max_length=100)
    charger_id: str | None = Field(default=None, min_length=1, max_length=48)
    connector_id: int | None = Field(default=None, ge=1)


async def change_station(
    store: DocumentStore, station: Station, change: Callable[[Station], Awaitable[Station | None]]
) -> Station:
    """Save ``change(station)`` (None: nothing to do) under the ETag; after a concurrent write, re-read and redo."""
    for _ in range(ATTEMPTS):
        updated = await change(station)
        if updated is None:
            return station
        try:
            return await save_station(store, updated, etag=station.etag)
        except PreconditionFailed:
            station = await read_station(store, station.provider_id, station.id)
    raise Conflict("The station kept changing; retry.", code="station_busy")


def _checked(terms: TariffTerms, currency: str) -> None:
    check_tariff(terms)
    if terms.currency != currency:
        raise InvalidInput(f"The provider bills in {currency}, not {terms.currency}.", code="currency_mismatch")


def _version(cmd: TariffVersionCreate, head: Tariff, number: int, who: Principal, now: datetime) -> TariffVersion:
    terms = cmd.model_dump(include=set(TariffTerms.model_fields))
    return TariffVersion(
        **terms,
        id=repo.version_id(head.id, number),
        provider_id=head.provider_id,
        tariff_id=head.id,
        version=number,
        summary=summarise(cmd),
        created_by=who.user_id,
        created_at=now,
    )


def _detail(head: Tariff, versions: list[TariffVersion]) -> TariffDetail:
    detail = TariffDetail.model_validate({**head.model_dump(), "versions": versions})
    detail.etag = head.etag
    return detail


async def create_tariff(
    cmd: TariffCreate, *, provider_id: str, who: Principal | None, store: DocumentStore, clock: Clock
) -> TariffDetail:
    user = guard.tenant(who, provider_id, admin_only=True)
    provider = await require_active_provider(store, provider_id)
    _checked(cmd, provider.currency)
    now = clock.now()
    head = Tariff(
        id=f"trf_{uuid.uuid4().hex}",
        provider_id=provider_id,
        name=cmd.name,
        currency=cmd.currency,
        current_version=1,
        summary=summarise(cmd),
        created_at=now,
        updated_at=now,
    )
    # The version first: a head never points at a version that is not there.
    version = await repo.add_tariff_version(store, _version(cmd, head, 1, user, now))
    return _detail(await repo.add_tariff(store, head), [version])


async def list_tariffs(
    provider_id: str, *, who: Principal | None, store: DocumentStore, limit: int, token: str | None
) -> tuple[list[Tariff], str | None]:
    guard.tenant(who, provider_id)
    return await repo.list_tariffs(store, provider_id, limit=limit, continuation=token)


async def _own_tariff(tariff_id: str, who: Principal | None, store: DocumentStore, *, admin_only: bool) -> Tariff:
    head = await repo.find_tariff(store, tariff_id)
    guard.tenant(who, head.provider_id, admin_only=admin_only)
    return head


async def read_tariff(tariff_id: str, *, who: Principal | None, store: DocumentStore) -> TariffDetail:
    head = await _own_tariff(tariff_id, who, store, admin_only=False)
    return _detail(head, await repo.list_tariff_versions(store, head.provider_id, head.id))


async def read_version(tariff_id: str, version: int, *, who: Principal | None, store: DocumentStore) -> TariffVersion:
    head = await _own_tariff(tariff_id, who, store, admin_only=False)
    return await repo.get_tariff_version(store, head.provider_id, head.id, version)


async def add_version(
    tariff_id: str,
    cmd: TariffVersionCreate,
    *,
    if_match: str | None,
    who: Principal | None,
    store: DocumentStore,
    clock: Clock,
) -> TariffVersion:
    """The tariff's next version; it becomes current and reprices every station whose own tariff this is."""
    head = await _own_tariff(tariff_id, who, store, admin_only=True)
    user = guard.signed_in(who)
    if if_match is not None and if_match != head.etag:
        raise StaleVersion("The tariff changed since you read it; reload.", code="stale_version")
    _checked(cmd, (await require_active_provider(store, head.provider_id)).currency)
    number, now = head.current_version + 1, clock.now()
    for _ in range(ATTEMPTS):
        try:
            version = await repo.add_tariff_version(store, _version(cmd, head, number, user, now))
            break
        except DocumentConflict:
            number += 1  # a concurrent change took this number
    else:
        raise Conflict("The tariff kept changing; retry.", code="tariff_busy")
    await _make_current(store, head, version)
    for station_id in await repo.stations_priced_by(store, head.provider_id, head.id):
        await _reprice(store, await read_station(store, head.provider_id, station_id), clock)
    return version


async def _make_current(store: DocumentStore, head: Tariff, version: TariffVersion) -> None:
    for _ in range(ATTEMPTS):
        if head.current_version >= version.version:
            return  # a later version is already current
        moved = head.model_copy(
            update={"current_version": version.version, "summary": version.summary, "updated_at": version.created_at}
        )
        try:
            await repo.save_tariff(store, moved, etag=head.etag)
            return
        except PreconditionFailed:
            head = await repo.get_tariff(store, head.provider_id, head.id)
    raise Conflict("The tariff kept changing; retry.", code="tariff_busy")


async def _reprice(store: DocumentStore, station: Station, clock: Clock, tariff_id: str | None = None) -> Station:
    """Set the station's own tariff (``tariff_id``, or keep its own) and its price fields from the current version."""

    async def change(s: Station) -> Station | None:
        target = tariff_id or s.tariff_id
        if target is None:
            return None
        # Read after the station, on every attempt: whichever writer saves last has seen the latest version.
        v = await repo.get_tariff_version(store, s.provider_id, target)
        energy = energy_price(v)
        summary = PriceSummary(
            tariff_id=target,
            version=v.version,
            currency=v.currency,
            text=v.summary,
            energy_per_kwh=None if energy is None else str(energy),
        )
        per_kwh = None if energy is None else float(energy)  # a number, so search can filter on it in the store
        if (s.tariff_id, s.price_summary, s.energy_price_per_kwh) == (target, summary, per_kwh):
            return None
        update = {"tariff_id": target, "price_summary": summary, "energy_price_per_kwh": per_kwh}
        return s.model_copy(update={**update, "updated_at": clock.now()})

    return await change_station(store, station, change)


async def attach_tariff(
    station_id: str, cmd: TariffAttach, *, who: Principal | None, store: DocumentStore, clock: Clock
) -> Station:
    station = await get_station(store, station_id)
    guard.tenant(who, station.provider_id, admin_only=True)
    await require_active_provider(store, station.provider_id)
    if station.lifecycle == "retired":
        raise Conflict("The station is retired; it can no longer change.", code="station_retired")
    if (cmd.charger_id is None) != (cmd.connector_id is None):
        raise InvalidInput("Give both chargerId and connectorId, or neither.", code="connector_incomplete")
    try:
        await repo.get_tariff(store, station.provider_id, cmd.tariff_id)
    except NotFound as exc:
        raise InvalidInput("The provider has no such tariff.", code="unknown_tariff") from exc
    if cmd.charger_id is None or cmd.connector_id is None:
        return await _reprice(store, station, clock, cmd.tariff_id)
    key = f"{cmd.charger_id}/{cmd.connector_id}"
    if all(c.key != key for c in station.connectors):
        raise InvalidInput(f"The station has no connector {key}.", code="unknown_connector")
    # The charger document is the connectors' source of truth: the station's projection is rebuilt from it.
    for _ in range(ATTEMPTS):
        charger = await get_charger(store, cmd.charger_id)
        connectors = [
            c.model_copy(update={"tariff_id": cmd.tariff_id}) if c.connector_id == cmd.connector_id else c
            for c in charger.connectors
        ]
        try:
            changed = charger.model_copy(update={"connectors": connectors, "updated_at": clock.now()})
            await save_charger(store, changed, etag=charger.etag)
            break
        except PreconditionFailed:
            continue
    else:
        raise Conflict("The charger kept changing; retry.", code="charger_busy")
    return await rebuild_connectors(store, station.id, provider_id=station.provider_id)

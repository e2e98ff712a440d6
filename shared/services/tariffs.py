"""Use cases of tariffs: create, read, change (each change is a new version and reprices its stations).

Attaching a tariff to a station or connector is in ``station_prices``.

Version numbers: a version document's id carries its number, so creating ``trf_x:v3`` twice is the
store's conflict and two concurrent changes can never both become version 3; the loser takes the next
number. The head then moves forward under its ETag, never backwards.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.domain.errors import Conflict, InvalidInput, StaleVersion
from shared.domain.principal import Principal, guard
from shared.domain.tariff_rules import check_tariff
from shared.domain.tariff_summary import summarise
from shared.domain.tariffs import Tariff, TariffCreate, TariffDetail, TariffTerms, TariffVersion, TariffVersionCreate
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentStore, PreconditionFailed
from shared.repositories import tariffs as repo
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import read_station
from shared.services.station_prices import ATTEMPTS, reprice

__all__ = [
    "add_version",
    "checked_terms",
    "create_tariff",
    "list_tariffs",
    "read_tariff",
    "read_version",
]


def checked_terms(terms: TariffTerms, currency: str) -> None:
    """The tariff rules, and the provider's currency (creating a tariff or a version, pricing a draft)."""
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
    checked_terms(cmd, provider.currency)
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
    checked_terms(cmd, (await require_active_provider(store, head.provider_id)).currency)
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
        await reprice(store, await read_station(store, head.provider_id, station_id), clock)
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

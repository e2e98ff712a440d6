"""Use cases of chargers: register, list, read, update, rotate the password, retire; the OCPP password check.

Their request bodies and public view are in ``shared.domain.charger_api``.

Every write that can change connectors is followed by a rebuild of the
station's connector projection (the charger is the truth, the station a view).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from argon2.exceptions import InvalidHashError, VerificationError

from shared.domain.charger_api import ChargerCreate, ChargerUpdate, ConnectorSpec, PasswordRotation
from shared.domain.chargers import Charger, ChargerConnector
from shared.domain.errors import Conflict, StaleVersion
from shared.domain.principal import Principal, guard
from shared.ports.store import PreconditionFailed
from shared.repositories.chargers import add_charger, find_charger, get_charger, list_station_chargers, save_charger
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import rebuild_connectors
from shared.services.stations import own_station, writable

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "create_charger",
    "list_chargers",
    "read_charger",
    "retire_charger",
    "rotate_password",
    "update_charger",
    "verify_charger_password",
]


def _connectors(specs: list[ConnectorSpec], current: Sequence[ChargerConnector] = ()) -> list[ChargerConnector]:
    # Tariffs are attached by the tariff route (provider admins); a connector edit keeps them.
    tariffs = {c.connector_id: c.tariff_id for c in current}
    return [
        ChargerConnector(**s.model_dump(by_alias=False), tariff_id=tariffs.get(s.connector_id))
        for s in sorted(specs, key=lambda s: s.connector_id)
    ]


async def _own_charger(charger_id: str, who: Principal | None, deps: Deps, *, admin_only: bool = False) -> Charger:
    charger = await get_charger(deps.store, charger_id)
    guard.tenant(who, charger.provider_id, admin_only=admin_only)
    return charger


def _active(charger: Charger) -> Charger:
    if charger.lifecycle == "retired":
        raise Conflict("The charger is retired; it can no longer change.", code="charger_retired")
    return charger


async def _save(deps: Deps, charger: Charger, etag: str | None) -> Charger:
    try:
        return await save_charger(deps.store, charger, etag=etag)
    except PreconditionFailed as exc:
        raise StaleVersion("The charger changed since you read it; reload.") from exc


async def create_charger(station_id: str, cmd: ChargerCreate, *, who: Principal | None, deps: Deps) -> Charger:
    station = writable(await own_station(station_id, who, deps))
    await require_active_provider(deps.store, station.provider_id)
    now = deps.clock.now()
    charger = Charger(
        id=cmd.identity,
        provider_id=station.provider_id,
        station_id=station.id,
        vendor=cmd.vendor,
        model=cmd.model,
        serial_number=cmd.serial_number,
        password_hash=deps.passwords.hash(cmd.password),
        password_updated_at=now,
        connectors=_connectors(cmd.connectors),
        created_at=now,
        updated_at=now,
    )
    saved = await add_charger(deps.store, charger)
    await rebuild_connectors(deps.store, station.id, provider_id=station.provider_id)
    return saved


async def list_chargers(
    station_id: str,
    *,
    who: Principal | None,
    deps: Deps,
    lifecycle: Literal["active", "retired"] | None,
    limit: int,
    token: str | None,
) -> tuple[list[Charger], str | None]:
    await own_station(station_id, who, deps)
    return await list_station_chargers(deps.store, station_id, lifecycle=lifecycle, limit=limit, continuation=token)


async def read_charger(charger_id: str, *, who: Principal | None, deps: Deps) -> Charger:
    return await _own_charger(charger_id, who, deps)


async def update_charger(
    charger_id: str, cmd: ChargerUpdate, *, if_match: str | None, who: Principal | None, deps: Deps
) -> Charger:
    charger = _active(await _own_charger(charger_id, who, deps))
    if if_match is not None and if_match != charger.etag:
        raise StaleVersion("The charger changed since you read it; reload.", code="stale_version")
    changes = {name: getattr(cmd, name) for name in cmd.model_fields_set if getattr(cmd, name) is not None}
    if cmd.connectors is not None:
        changes["connectors"] = _connectors(cmd.connectors, charger.connectors)
    saved = await _save(deps, charger.model_copy(update={**changes, "updated_at": deps.clock.now()}), charger.etag)
    await rebuild_connectors(deps.store, saved.station_id, provider_id=saved.provider_id)
    return saved


async def rotate_password(charger_id: str, cmd: PasswordRotation, *, who: Principal | None, deps: Deps) -> Charger:
    """Provider admins only. No rebuild: the password is not part of the station's projection."""
    charger = _active(await _own_charger(charger_id, who, deps, admin_only=True))
    now = deps.clock.now()
    rotated = charger.model_copy(
        update={"password_hash": deps.passwords.hash(cmd.password), "password_updated_at": now, "updated_at": now}
    )
    return await _save(deps, rotated, charger.etag)


async def retire_charger(charger_id: str, *, who: Principal | None, deps: Deps) -> Charger:
    charger = await _own_charger(charger_id, who, deps)
    if charger.lifecycle != "retired":
        retired = charger.model_copy(update={"lifecycle": "retired", "updated_at": deps.clock.now()})
        charger = await _save(deps, retired, charger.etag)
    # Rebuilt even on a repeat: a first attempt may have failed between the two writes.
    await rebuild_connectors(deps.store, charger.station_id, provider_id=charger.provider_id)
    return charger


async def verify_charger_password(deps: Deps, charger_id: str, password: str) -> Charger | None:
    """The active charger whose password this is, or None (unknown, retired or wrong: the caller cannot tell)."""
    charger = await find_charger(deps.store, charger_id)
    if charger is None or charger.lifecycle != "active":
        # Spend the same work as a real check, so response time does not reveal which identities exist.
        deps.passwords.hash(password)
        return None
    try:
        deps.passwords.verify(charger.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return charger

"""Use cases of chargers: register, list, read, update, rotate the password, retire; the OCPP password check.

Every write that can change connectors is followed by a rebuild of the
station's connector projection (the charger is the truth, the station a view).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shared.domain.chargers import CHARGE_POINT_ID, Charger, ChargerConnector
from shared.domain.errors import Conflict, StaleVersion
from shared.domain.model import ApiModel, InputModel
from shared.domain.principal import Principal, guard
from shared.domain.stations import ConnectorStandard, PowerType
from shared.ports.store import PreconditionFailed
from shared.repositories.chargers import add_charger, find_charger, get_charger, list_station_chargers, save_charger
from shared.repositories.providers import require_active_provider
from shared.repositories.stations import rebuild_connectors
from shared.services.stations import own_station, writable

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "ChargerCreate",
    "ChargerPublic",
    "ChargerUpdate",
    "ConnectorSpec",
    "PasswordRotation",
    "create_charger",
    "list_chargers",
    "read_charger",
    "retire_charger",
    "rotate_password",
    "update_charger",
    "verify_charger_password",
]

# Sent by the charger as HTTP Basic on connect: never stripped, or the hash would not match what it sends.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=12, max_length=128)]
# Plug standards that fix the current; NACS carries both.
_CURRENT = {
    ConnectorStandard.TYPE_2: PowerType.AC,
    ConnectorStandard.TYPE_1: PowerType.AC,
    ConnectorStandard.CCS2: PowerType.DC,
    ConnectorStandard.CHADEMO: PowerType.DC,
}
MAX_AC_KW = 43.0  # three-phase 63 A at 400 V: no AC connector delivers more


class ConnectorSpec(InputModel):
    connector_id: int = Field(ge=1, le=99)
    standard: ConnectorStandard
    power_type: PowerType
    max_power_kw: float = Field(gt=0, le=1000)

    @model_validator(mode="after")
    def _physically_possible(self) -> ConnectorSpec:
        fixed = _CURRENT.get(self.standard)
        if fixed is not None and fixed is not self.power_type:
            raise ValueError(f"connector {self.connector_id}: {self.standard} is {fixed}, not {self.power_type}")
        if self.power_type is PowerType.AC and self.max_power_kw > MAX_AC_KW:
            raise ValueError(f"connector {self.connector_id}: AC delivers at most {MAX_AC_KW:g} kW")
        return self


def _numbered_from_one(connectors: list[ConnectorSpec]) -> list[ConnectorSpec]:
    # OCPP numbers a charger's connectors 1..n (0 means the charger itself).
    if sorted(c.connector_id for c in connectors) != list(range(1, len(connectors) + 1)):
        raise ValueError("connector ids must be 1..n, each exactly once")
    return connectors


Connectors = Annotated[list[ConnectorSpec], Field(min_length=1, max_length=24), AfterValidator(_numbered_from_one)]


class ChargerCreate(InputModel):
    identity: str = Field(pattern=CHARGE_POINT_ID, description="the OCPP charge point identity")
    vendor: str = Field(min_length=1, max_length=20)  # OCPP CiString20, as in BootNotification
    model: str = Field(min_length=1, max_length=20)
    serial_number: str | None = Field(default=None, min_length=1, max_length=25)
    password: Password
    connectors: Connectors


class ChargerUpdate(InputModel):
    vendor: str | None = Field(default=None, min_length=1, max_length=20)
    model: str | None = Field(default=None, min_length=1, max_length=20)
    serial_number: str | None = Field(default=None, min_length=1, max_length=25)
    connectors: Connectors | None = None


class PasswordRotation(InputModel):
    password: Password


class ChargerPublic(ApiModel):
    """A charger without its password hash."""

    id: str
    provider_id: str
    station_id: str
    vendor: str
    model: str
    serial_number: str | None
    connectors: list[ChargerConnector]
    lifecycle: Literal["active", "retired"]
    password_updated_at: datetime
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, charger: Charger) -> ChargerPublic:
        return cls.model_validate(charger.model_dump(exclude={"password_hash"}))


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

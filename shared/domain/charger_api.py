"""Request bodies and the public view of chargers (the stored document is in ``chargers``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shared.domain.chargers import CHARGE_POINT_ID, Charger, ChargerConnector
from shared.domain.model import ApiModel, InputModel
from shared.domain.stations import ConnectorStandard, PowerType

__all__ = ["MAX_AC_KW", "ChargerCreate", "ChargerPublic", "ChargerUpdate", "ConnectorSpec", "PasswordRotation"]

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

"""Chargers: OCPP charge points, in the ``chargers`` container.

The document id is the OCPP charge point identity (the last segment of the
charger's WebSocket URL), unique across the platform and a point read on every
connect. The password (OCPP security profile 1, HTTP Basic) is stored as an
argon2 hash only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.domain.model import ApiModel
from shared.domain.stations import ConnectorStandard, ConnectorStatus, PowerType

__all__ = ["CHARGE_POINT_ID", "Charger", "ChargerConnector", "ChargerOcppState"]

# OCPP 1.6J: the identity is a URL path segment; CiString-like, at most 48 characters.
CHARGE_POINT_ID = r"^[A-Za-z0-9._\-:]{1,48}$"


class ChargerConnector(ApiModel):
    connector_id: int = Field(ge=1, le=99)
    standard: ConnectorStandard
    power_type: PowerType
    max_power_kw: float = Field(gt=0, le=1000)
    tariff_id: str | None = None


class ChargerOcppState(ApiModel):
    """What the charger itself last reported over OCPP (BootNotification, Heartbeat, connector 0's status)."""

    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    last_boot_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    last_seen_at: datetime | None = None
    connection_id: str | None = None  # the open Web PubSub connection, None while disconnected
    status: ConnectorStatus | None = None
    status_at: datetime | None = None
    error_code: str | None = None


class Charger(ApiModel):
    id: str = Field(pattern=CHARGE_POINT_ID)
    type: Literal["charger"] = "charger"
    provider_id: str
    station_id: str
    vendor: str
    model: str
    serial_number: str | None = None
    password_hash: str
    password_updated_at: datetime
    connectors: list[ChargerConnector]
    lifecycle: Literal["active", "retired"] = "active"
    ocpp: ChargerOcppState = Field(default_factory=ChargerOcppState)
    created_at: datetime
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

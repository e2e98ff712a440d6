"""Reservations of one connector for a window of 15 to 60 minutes, and the ledger that keeps them apart.

A ``Reservation`` lives in the ``reservations`` container (partition
``/connectorKey``, id ``res_<hex>``). Next to them, in the same partition, one
``ConnectorLedger`` per connector lists the live windows; every booking
replaces it under its ETag, so two overlapping bookings can never both land.
Windows are half-open ``[start, end)``: a window ending at 10:00 leaves the
connector free for one starting at 10:00.

Times are stored as fixed-width UTC text (milliseconds, ``Z``), so that the
store's string comparisons and ORDER BY agree with time order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, PlainSerializer, computed_field

from shared.domain.messages import Message
from shared.domain.model import ApiModel, InputModel

__all__ = [
    "CONNECTOR_KEY",
    "MAX_DURATION",
    "MIN_DURATION",
    "ChargerCommand",
    "CommandStatus",
    "ConnectorLedger",
    "Instant",
    "LedgerWindow",
    "Reservation",
    "ReservationCancel",
    "ReservationCreate",
    "ReservationPublic",
    "ReservationStatus",
    "first_clash",
    "instant_text",
    "ledger_id",
    "overlaps",
    "prune",
    "window_of",
    "without",
]

MIN_DURATION, MAX_DURATION = 15, 60  # minutes
# "<chargerId>/<connectorId>": the charger identity pattern (shared.domain.chargers) and 1..99
CONNECTOR_KEY = r"^[A-Za-z0-9._\-:]{1,48}/[1-9]\d?$"

ReservationStatus = Literal["confirmed", "used", "cancelled", "expired"]
# sending: claimed by a worker about to send; offline: the charger had no connection (the timer retries).
# The rest are the command's own states (shared.services.charger_commands).
CommandStatus = Literal["sending", "offline", "sent", "answered", "rejected", "failed", "timed_out"]


def instant_text(moment: datetime) -> str:
    """The stored form of a time, also used for the values of range filters."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


Instant = Annotated[datetime, AfterValidator(_utc), PlainSerializer(instant_text, return_type=str, when_used="json")]
OutboxMessage = Annotated[Message, PlainSerializer(lambda m: m.model_dump(mode="json", by_alias=True))]


class ReservationCreate(InputModel):
    station_id: str = Field(min_length=1, max_length=100)
    connector_key: str = Field(pattern=CONNECTOR_KEY, description="<chargerId>/<connectorId>")
    starts_at: AwareDatetime = Field(description="From 1 minute ago to 7 days ahead")
    duration_minutes: int = Field(ge=MIN_DURATION, le=MAX_DURATION)


class ReservationCancel(InputModel):
    reason: str = Field(default="", max_length=500)


class ChargerCommand(ApiModel):
    """A command sent to the charger for this reservation and what came of it."""

    command_id: str | None = None  # None until it went out (sending, offline)
    status: CommandStatus
    outcome: str | None = None  # the charger's answer: Accepted, Occupied, Faulted, Rejected, Unavailable
    error_code: str | None = None  # a CALLERROR's code, or why it failed
    at: Instant


class _ReservationFields(ApiModel):
    id: str
    connector_key: str
    station_id: str
    station_name: str | None = None  # the name when booked; None on reservations stored before it was kept
    provider_id: str
    charger_id: str
    connector_id: int
    user_id: str
    id_tag: str
    starts_at: Instant
    ends_at: Instant
    status: ReservationStatus = "confirmed"
    ocpp_reservation_id: int
    session_id: str | None = None
    reserve_now: ChargerCommand | None = None
    cancel_reservation: ChargerCommand | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    created_at: Instant
    updated_at: Instant


class ReservationPublic(_ReservationFields):
    """What the API shows: the document without its outbox and housekeeping."""


class Reservation(_ReservationFields):
    type: Literal["reservation"] = "reservation"
    # The outbox: events recorded in the same write as the state change, removed once published.
    pending_events: list[OutboxMessage] = Field(default_factory=list)
    ttl: int = -1  # Cosmos per-document TTL in seconds; -1 keeps it
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_pending_events(self) -> bool:
        """Stored beside the list, so the timer finds unpublished events with an equality filter."""
        return bool(self.pending_events)

    def public(self) -> ReservationPublic:
        return ReservationPublic.model_validate(self.model_dump())

    def window(self, claimed_at: datetime) -> LedgerWindow:
        return LedgerWindow(
            reservation_id=self.id,
            user_id=self.user_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            claimed_at=claimed_at,
        )


class LedgerWindow(ApiModel):
    reservation_id: str
    user_id: str
    starts_at: Instant
    ends_at: Instant
    claimed_at: Instant  # an orphan (its reservation never written) is told apart by age


class ConnectorLedger(ApiModel):
    id: str
    type: Literal["reservationLedger"] = "reservationLedger"
    connector_key: str
    windows: list[LedgerWindow] = Field(default_factory=list)
    updated_at: Instant
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


def ledger_id(connector_key: str) -> str:
    # Cosmos refuses "/" in an id; "~" never occurs in a charger identity, so the mapping is one to one.
    return "ledger:" + connector_key.replace("/", "~")


def overlaps(a: LedgerWindow, b: LedgerWindow) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def first_clash(windows: Iterable[LedgerWindow], window: LedgerWindow) -> LedgerWindow | None:
    """The first other reservation's window overlapping ``window``."""
    return next((w for w in windows if w.reservation_id != window.reservation_id and overlaps(w, window)), None)


def prune(windows: Iterable[LedgerWindow], now: datetime) -> list[LedgerWindow]:
    """The windows not yet over, by start."""
    return sorted((w for w in windows if w.ends_at > now), key=lambda w: w.starts_at)


def without(windows: Iterable[LedgerWindow], reservation_id: str) -> list[LedgerWindow]:
    return [w for w in windows if w.reservation_id != reservation_id]


def window_of(starts_at: datetime, minutes: int) -> tuple[datetime, datetime]:
    start = starts_at.astimezone(UTC)
    return start, start + timedelta(minutes=minutes)

"""Charging sessions: the stored document, what drivers send to start one, and what they see.

A ``ChargingSession`` lives in the ``sessions`` container (partition
``/stationId``). Its id carries the station (``ses_<station hex>_<hex>``) so that a
session is a point read from its id alone. Life cycle::

    pending --StartTransaction--> active --StopTransaction / timer--> stopped
       \\--refused, no answer, start timeout--> failed

Running totals (energy, power, idle) are written at most about once a minute and
at state changes (DESIGN section 11); between writes the live view combines the
document with the session's latest meter sample.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_serializer, field_validator, model_validator

from shared.domain.model import ApiModel, InputModel
from shared.domain.pricing import Discount

__all__ = [
    "ANOMALY_LIMIT",
    "ChargingSession",
    "MeterSample",
    "SessionAnomaly",
    "SessionCaps",
    "SessionStart",
    "SessionStatus",
    "SessionView",
    "TransactionIndex",
    "json_time",
    "sample_body",
    "sample_document",
    "session_id_for",
    "sortable_time",
    "station_of_session",
]

SessionStatus = Literal["pending", "active", "stopped", "failed"]
Origin = Literal["app", "charger"]
ANOMALY_LIMIT = 20  # distinct anomaly codes kept on a session; repeats only count up
LIVE: tuple[SessionStatus, ...] = ("pending", "active")


def sortable_time(moment: datetime) -> str:
    """UTC with microseconds always written, so that stored times sort as strings (ISO 8601 drops a zero fraction).

    Written with ``%`` rather than ``strftime``, at a third of its cost (every meter sample writes two of these);
    the two differ only for a year below 1000, which ``%04d`` pads and ``strftime`` does not: those keep it."""
    utc = moment.astimezone(UTC)
    if utc.year >= 1000:
        return _SORTABLE % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_SORTABLE = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"


def json_time(moment: datetime) -> str:
    """A datetime as pydantic writes it in JSON: ISO 8601, ``Z`` for UTC."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def session_id_for(station_id: str, suffix: str) -> str:
    """``ses_<station hex>_<suffix>``: the partition key can be read back from the id."""
    return f"ses_{station_id.removeprefix('stn_')}_{suffix}"


def station_of_session(session_id: str) -> str | None:
    """The station id inside a session id; None for an id no session can have."""
    parts = session_id.split("_")
    if len(parts) != 3 or parts[0] != "ses" or not parts[1] or not parts[2]:
        return None
    return f"stn_{parts[1]}"


class SessionCaps(InputModel):
    """Limits the driver sets: charging stops when one is reached."""

    max_kwh: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=3)
    max_cost: Decimal | None = Field(default=None, gt=0, le=10_000, decimal_places=2)
    max_minutes: int | None = Field(default=None, ge=1, le=24 * 60)


class SessionStart(InputModel):
    station_id: str = Field(min_length=1, max_length=64)
    connector_key: str = Field(min_length=3, max_length=64, description="<chargerId>/<connectorId>")
    caps: SessionCaps = Field(default_factory=SessionCaps)
    promo_code: str | None = Field(default=None, min_length=4, max_length=20, description="the provider's promo code")

    @field_validator("promo_code", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _key_shape(self) -> SessionStart:
        charger, _, connector = self.connector_key.rpartition("/")
        if not charger or not connector.isdigit():
            raise ValueError("connectorKey is <chargerId>/<connectorId>")
        return self


class SessionDiscount(ApiModel):
    """A promo code's terms as they were when the session started: every price of the session applies them."""

    code: str
    kind: Literal["percent", "fixed"]
    percent: Decimal | None = None
    amount_incl_vat: Decimal | None = None

    def pricing(self) -> Discount:
        return Discount(self.code, self.kind, self.percent, self.amount_incl_vat)


class SessionAnomaly(ApiModel):
    code: str
    first_at: datetime
    last_at: datetime
    count: int = 1
    detail: str


class ChargingSession(ApiModel):
    id: str
    type: Literal["session"] = "session"
    station_id: str
    provider_id: str
    station_name: str
    time_zone: str
    charger_id: str
    connector_id: int
    connector_key: str
    max_power_kw: float
    user_id: str | None = None  # None when the charger started for a tag nobody owns
    id_tag: str
    origin: Origin
    status: SessionStatus
    authorization: str = "Accepted"  # the idTagInfo status the charger was given
    caps: SessionCaps = Field(default_factory=SessionCaps)
    reservation_id: str | None = None
    tariff_id: str | None = None
    tariff_version: int | None = None
    currency: str | None = None
    discount: SessionDiscount | None = None  # the promo code redeemed at the start
    transaction_id: int | None = None
    start_key: str | None = None  # what identifies the charger's StartTransaction, for its retries
    start_command_id: str | None = None
    requested_at: datetime
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    meter_start_wh: int | None = None
    meter_stop_wh: int | None = None
    # energy bookkeeping (shared.domain.metering.EnergyState)
    base_energy_wh: int = 0
    base_register_wh: int | None = None
    register_wh: int | None = None
    register_at: datetime | None = None
    energy_wh: int = 0
    power_w: float | None = None
    current_a: float | None = None
    soc: float | None = None
    totals_at: datetime | None = None  # when the running totals were last written
    # idle: charging finished, car still plugged in (parking fees)
    idle_since: datetime | None = None
    idle_seconds: int = 0
    available_since: datetime | None = None  # the connector said Available while the session was open
    cap_reached: Literal["kwh", "cost", "minutes", "hold"] | None = None
    stop_requested_at: datetime | None = None
    stop_requested_by: str | None = None
    stop_command_id: str | None = None
    stop_reason: str | None = None
    failure_reason: str | None = None
    anomalies: list[SessionAnomaly] = Field(default_factory=list)
    needs_review: bool = False
    # the driver's review of this session and the review version that set it (shared.services.session_reviews)
    review_id: str | None = None
    review_version: int = 0
    cost_excl_vat: Decimal | None = None
    cost_total: Decimal | None = None
    # the card hold taken at start (shared.services.billing): its amount, and the running cost at which the
    # session is stopped so that the final amount stays within it (raised when the hold is raised)
    payment_id: str | None = None
    hold_amount: Decimal | None = None
    hold_stop_at: Decimal | None = None
    pending_events: list[dict[str, Any]] = Field(default_factory=list)  # outbox: published after the write
    has_pending_events: bool = False
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @field_serializer("requested_at")
    def _sortable(self, at: datetime) -> str:
        return sortable_time(at)  # lists sort on it

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def idle_total(self, now: datetime) -> int:
        open_idle = (now - self.idle_since).total_seconds() if self.idle_since is not None else 0
        return self.idle_seconds + max(0, int(open_idle))

    def duration(self, now: datetime) -> int:
        if self.started_at is None:
            return 0
        end = self.stopped_at or now
        return max(0, int((end - self.started_at).total_seconds()))

    def with_anomaly(self, code: str, at: datetime, detail: str) -> ChargingSession:
        """Record an anomaly: a known code counts up, a new one is added (up to ANOMALY_LIMIT codes)."""
        anomalies = list(self.anomalies)
        for i, known in enumerate(anomalies):
            if known.code == code:
                anomalies[i] = known.model_copy(
                    update={"count": known.count + 1, "last_at": max(known.last_at, at), "detail": detail}
                )
                return self.model_copy(update={"anomalies": anomalies})
        if len(anomalies) >= ANOMALY_LIMIT:
            return self
        anomalies.append(SessionAnomaly(code=code, first_at=at, last_at=at, detail=detail))
        return self.model_copy(update={"anomalies": anomalies})

    def cost_limit(self) -> tuple[Decimal | None, Literal["cost", "hold"]]:
        """The running cost at which the session stops: the driver's cost cap or the hold's limit, the lower."""
        cap, hold = self.caps.max_cost, self.hold_stop_at
        if hold is not None and (cap is None or hold < cap):
            return hold, "hold"
        return cap, "cost"

    def totals_due(self, now: datetime, interval_seconds: int) -> bool:
        return self.totals_at is None or now - self.totals_at >= timedelta(seconds=interval_seconds)


class MeterSample(ApiModel):
    """One reading of one session (container ``meter_samples``, partition ``/sessionId``; DESIGN section 11)."""

    id: str
    type: Literal["sample"] = "sample"
    session_id: str
    at: datetime
    register_wh: int | None = None
    energy_wh: int | None = None  # the session's energy as of this reading, when computed at ingest
    power_w: float | None = None
    current_a: float | None = None
    soc: float | None = None
    context: str = "Sample.Periodic"
    received_at: datetime
    ttl: int | None = None

    @field_serializer("at")
    def _sortable(self, at: datetime) -> str:
        return sortable_time(at)


def sample_document(sample: MeterSample) -> dict[str, Any]:
    """``sample.model_dump(mode="json", exclude_none=True)``, written out (``sample_body``)."""
    return sample_body(
        sample.id, sample.session_id, sortable_time(sample.at), sample.register_wh, sample.energy_wh, sample.power_w,
        sample.current_a, sample.soc, sample.context, json_time(sample.received_at), sample.ttl,
    )  # fmt: skip


def sample_body(
    sample_id: str,
    session_id: str,
    at: str,
    register_wh: int | None,
    energy_wh: int | None,
    power_w: float | None,
    current_a: float | None,
    soc: float | None,
    context: str,
    received_at: str,
    ttl: int | None,
) -> dict[str, Any]:
    """A meter sample's stored document from its values, the times already written (``sortable_time``,
    ``json_time``): what ``MeterSample.model_dump(mode="json", exclude_none=True)`` gives, in its key order, the
    float fields as floats. One of these per reading is the MeterValues hot path, where pydantic's serializer
    cost more than the store's insert."""
    doc: dict[str, Any] = {"id": sample_id, "type": "sample", "sessionId": session_id, "at": at}
    if register_wh is not None:
        doc["registerWh"] = register_wh
    if energy_wh is not None:
        doc["energyWh"] = energy_wh
    if power_w is not None:
        doc["powerW"] = float(power_w)
    if current_a is not None:
        doc["currentA"] = float(current_a)
    if soc is not None:
        doc["soc"] = float(soc)
    doc["context"] = context
    doc["receivedAt"] = received_at
    if ttl is not None:
        doc["ttl"] = ttl
    return doc


class TransactionIndex(ApiModel):
    """``counters/txn:<transactionId>``: which session an OCPP transaction id belongs to (a point read)."""

    id: str
    type: Literal["transaction"] = "transaction"
    transaction_id: int
    session_id: str
    station_id: str
    charger_id: str


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class Money(ApiModel):
    amount: str
    currency: str


class SessionView(ApiModel):
    """What the driver and the provider see; ``energyKwh`` and ``cost`` move as meter values arrive."""

    id: str
    status: SessionStatus
    station_id: str
    station_name: str
    provider_id: str
    charger_id: str
    connector_id: int
    connector_key: str
    origin: Origin
    user_id: str | None
    caps: SessionCaps
    reservation_id: str | None
    transaction_id: int | None
    requested_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None
    energy_kwh: str
    power_kw: float | None
    current_a: float | None
    soc: float | None
    duration_seconds: int
    idle_seconds: int
    idle: bool
    cost: Money | None
    tariff_id: str | None
    tariff_version: int | None
    discount: SessionDiscount | None = None
    cap_reached: str | None
    stop_requested_at: datetime | None
    stop_reason: str | None
    failure_reason: str | None
    anomalies: list[SessionAnomaly]
    needs_review: bool
    # Always sent; described without a default so that typed clients built before it (openapi-typescript
    # makes a property with a default required) read it as optional.
    review_id: str | None = Field(
        default=None,
        description="The driver's review of this session; null: none",
        json_schema_extra=_without_default,
    )
    updated_at: datetime

"""A provider's monthly statement: what its sessions earned in one calendar month (UTC), and the payout.

Stored once per provider and month in the ``invoices`` container (partition ``/providerId``, id
``stm_<providerId>_<YYYY-MM>``, type ``statement``). Amounts are counted in the currency's minor unit
(integers, exact) and shown as ``Decimal``; the one rounding is the commission's, once per currency.

- **Revenue** is what was collected (incl. VAT: the hold captured plus any top-up), net of the refunds
  made in the month. **VAT** is the VAT inside it: the session's VAT, in the share of the amount due
  that was collected or refunded (rounded half-up to the minor unit per session and per refund).
- **Commission** is ``PLATFORM_COMMISSION_PERCENT`` of the revenue excl. VAT (net of refunds: a refund
  gives its commission back), rounded half-up once per currency; the stations' shares are that total
  split by largest remainder, so they add up to it exactly. **Payout** = revenue - commission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import Field, field_serializer

from shared.domain.errors import InvalidInput
from shared.domain.model import ApiModel
from shared.domain.payments import from_minor
from shared.domain.sessions import sortable_time

__all__ = [
    "GRACE",
    "Month",
    "Statement",
    "StatementLine",
    "StatementPublic",
    "Tally",
    "commission_split",
    "share",
    "statement_id_for",
    "statement_lines",
]

# Statements are made at 02:00 UTC on the 1st: a session stopped in a month and settled by then counts in it.
GRACE = timedelta(hours=2)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in UTC: ``start <= t < end``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text or "")
        if found is None or int(found[1]) < 2000:
            raise InvalidInput("A month is written YYYY-MM, from 2000-01 on.", code="invalid_month")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, moment: datetime) -> Month:
        utc = moment.astimezone(UTC)
        return cls(utc.year, utc.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.next().start

    @property
    def closes_at(self) -> datetime:
        """When its statements are made: what is settled by then counts in it (see ``GRACE``)."""
        return self.end + GRACE

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)


def statement_id_for(provider_id: str, month: Month) -> str:
    return f"stm_{provider_id}_{month}"


def share(amount: int, part: int, whole: int) -> int:
    """``amount * part / whole`` in minor units, half-up (the VAT inside a part of an amount due)."""
    if whole == 0 or part == whole:
        return amount if part == whole else 0
    return int((Decimal(amount) * part / whole).quantize(Decimal(1), ROUND_HALF_UP))


@dataclass
class Tally:
    """One station's (or currency's) sums in minor units and Wh."""

    sessions: int = 0
    energy_wh: int = 0
    collected: int = 0
    collected_vat: int = 0
    refunded: int = 0
    refunded_vat: int = 0
    pending: int = 0  # stopped in the month, not settled when the statement was made

    def add(self, other: Tally) -> None:
        for name in ("sessions", "energy_wh", "collected", "collected_vat", "refunded", "refunded_vat", "pending"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def revenue_excl_vat(self) -> int:
        return (self.collected - self.collected_vat) - (self.refunded - self.refunded_vat)


def commission_split(bases: list[int], percent: Decimal) -> tuple[int, list[int]]:
    """The commission on the sum of ``bases`` (minor units, rounded once, half-up) and each base's share
    of it (largest remainder: the shares add up to the total exactly)."""
    exact = [Decimal(b) * percent / 100 for b in bases]
    total = int(sum(exact, Decimal(0)).quantize(Decimal(1), ROUND_HALF_UP))
    floors = [int(e.to_integral_value(ROUND_FLOOR)) for e in exact]
    extra = total - sum(floors)  # 0 <= extra <= len(bases)
    order = sorted(range(len(bases)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:extra]:
        floors[i] += 1
    return total, floors


class StatementLine(ApiModel):
    """One station's figures in one currency, or (without a station) the currency's totals."""

    station_id: str | None = None
    station_name: str | None = None
    currency: str
    sessions: int
    energy_kwh: Decimal
    collected_incl_vat: Decimal
    refunded_incl_vat: Decimal
    revenue_incl_vat: Decimal
    vat: Decimal
    revenue_excl_vat: Decimal
    commission: Decimal
    payout: Decimal
    pending_sessions: int = 0

    @classmethod
    def of(cls, tally: Tally, currency: str, commission: int, station: tuple[str, str] | None = None) -> StatementLine:
        revenue = tally.collected - tally.refunded
        vat = tally.collected_vat - tally.refunded_vat

        def money(minor: int) -> Decimal:
            return from_minor(minor, currency)

        return cls(
            station_id=station[0] if station else None,
            station_name=station[1] if station else None,
            currency=currency,
            sessions=tally.sessions,
            energy_kwh=Decimal(tally.energy_wh) / 1000,
            collected_incl_vat=money(tally.collected),
            refunded_incl_vat=money(tally.refunded),
            revenue_incl_vat=money(revenue),
            vat=money(vat),
            revenue_excl_vat=money(revenue - vat),
            commission=money(commission),
            payout=money(revenue - commission),
            pending_sessions=tally.pending,
        )


def statement_lines(
    tallies: dict[tuple[str, str], Tally], names: dict[str, str], percent: Decimal
) -> tuple[list[StatementLine], list[StatementLine]]:
    """Per currency: the totals and the stations' lines, by (station, currency) tallies."""
    totals: list[StatementLine] = []
    stations: list[StatementLine] = []
    for currency in sorted({c for _, c in tallies}):
        keys = sorted(k for k in tallies if k[1] == currency)
        total, shares = commission_split([tallies[k].revenue_excl_vat for k in keys], percent)
        whole = Tally()
        for key, commission in zip(keys, shares, strict=True):
            whole.add(tallies[key])
            station = (key[0], names.get(key[0], key[0]))
            stations.append(StatementLine.of(tallies[key], currency, commission, station))
        totals.append(StatementLine.of(whole, currency, total))
    return totals, stations


class Statement(ApiModel):
    id: str
    type: Literal["statement"] = "statement"
    provider_id: str
    month: str  # YYYY-MM, UTC
    period_start: datetime
    period_end: datetime  # exclusive
    commission_percent: Decimal
    totals: list[StatementLine]  # one per currency billed
    stations: list[StatementLine]
    rows: int = 0  # sessions (and refunds of earlier ones) in the CSV
    pdf_blob: str
    csv_blob: str
    created_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @field_serializer("created_at", "period_start", "period_end")
    def _sortable(self, at: datetime) -> str:
        return sortable_time(at)


class StatementPublic(ApiModel):
    """A statement as the API shows it: the list leaves the stations' lines out."""

    id: str
    provider_id: str
    month: str
    period_start: datetime
    period_end: datetime
    commission_percent: Decimal
    totals: list[StatementLine]
    stations: list[StatementLine] | None = None
    rows: int = 0
    created_at: datetime
    pdf_url: str
    csv_url: str

    @classmethod
    def of(cls, statement: Statement, *, with_stations: bool = True) -> StatementPublic:
        base = f"/api/providers/{statement.provider_id}/statements/{statement.month}"
        return cls(
            id=statement.id,
            provider_id=statement.provider_id,
            month=statement.month,
            commission_percent=statement.commission_percent,
            totals=statement.totals,
            rows=statement.rows,
            period_start=statement.period_start,
            period_end=statement.period_end,
            created_at=statement.created_at,
            stations=statement.stations if with_stations else None,
            pdf_url=f"{base}/pdf",
            csv_url=f"{base}/csv",
        )

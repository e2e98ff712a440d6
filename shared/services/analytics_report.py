"""Reading the rollups: a scope's figures over a period, by day, ISO week or month (UTC), as JSON or CSV.

A report reads the scope's day documents of the period (a driver's month documents) in one paged query of
one partition and adds them up per period; nothing is grouped in the database. The CSV is written from the
very models the JSON is, so both carry the same numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from shared.domain.analytics import add, total
from shared.domain.errors import InvalidInput
from shared.domain.model import ApiModel, InputModel
from shared.domain.payments import from_minor
from shared.repositories import rollups

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "AnalyticsQuery",
    "DriverPeriod",
    "DriverReport",
    "MoneyFlow",
    "Period",
    "ProviderReport",
    "SitePeriod",
    "driver_report",
    "report_csv",
    "site_report",
]

Granularity = Literal["day", "week", "month"]
MAX_DAYS = 366
PEAK_HOURS = 3


class AnalyticsQuery(InputModel):
    """``from`` and ``to`` are UTC days, both included (default: the last 30 days up to today)."""

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    granularity: Granularity = "day"
    station_id: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _order(self) -> AnalyticsQuery:
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError("from must not be after to")
        return self

    def span(self, today: date) -> tuple[date, date]:
        last = self.to or today
        first = self.from_ or last - timedelta(days=29)
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput(f"A report covers at most {MAX_DAYS} days.", code="period_too_long")
        return first, last


class Period(ApiModel):
    period: str  # 2026-11-03, 2026-W45 (ISO week), 2026-11
    start: date
    end: date  # included; a week or month cut by from/to is cut here too


# Not "Money": shared.domain.sessions.Money is {amount, currency}, and the OpenAPI document names each schema
# after its class, one schema per name (shared.http.openapi refuses two classes with one name).
class MoneyFlow(ApiModel):
    """One currency's money in a period: collected (incl. VAT), refunded, and net (collected - refunded)."""

    currency: str
    collected: str  # incl. VAT
    refunded: str
    net: str


class SitePeriod(Period):
    sessions: int
    energy_kwh: str
    average_session_minutes: str | None
    average_session_kwh: str | None
    occupied_seconds: int
    available_seconds: int
    maintenance_seconds: int
    down_seconds: int
    faulted_seconds: int
    faults: int
    utilisation: str | None  # occupied / available
    uptime: str | None  # (available - down) / available
    peak_hours: list[int]  # UTC hours of the day with the most occupied time, busiest first
    revenue: list[MoneyFlow]


class DriverPeriod(Period):
    sessions: int
    energy_kwh: str
    spend: list[MoneyFlow]
    co2_avoided_kg: str


class ProviderReport(ApiModel):
    scope: str
    start: date
    end: date
    granularity: Granularity
    periods: list[SitePeriod]
    total: SitePeriod


class DriverReport(ApiModel):
    scope: str
    start: date
    end: date
    granularity: Granularity
    co2_kg_per_kwh: str
    periods: list[DriverPeriod]
    total: DriverPeriod


def _periods(first: date, last: date, granularity: Granularity) -> list[tuple[str, date, date]]:
    out: list[tuple[str, date, date]] = []
    day = first
    while day <= last:
        if granularity == "day":
            label, end = day.isoformat(), day
        elif granularity == "week":
            year, week, weekday = day.isocalendar()
            label, end = f"{year}-W{week:02d}", day + timedelta(days=7 - weekday)
        else:
            label = f"{day.year:04d}-{day.month:02d}"
            end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        end = min(end, last)
        out.append((label, day, end))
        day = end + timedelta(days=1)
    return out


def _ratio(part: int, whole: int, places: str = "0.0001") -> str | None:
    return None if whole <= 0 else str((Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP))


def _kwh(wh: int) -> str:
    return str((Decimal(wh) / 1000).quantize(Decimal("0.001")))


def _money(figures: Mapping[str, Any]) -> list[MoneyFlow]:
    collected, refunded = figures.get("collected") or {}, figures.get("refunded") or {}
    out = []
    for currency in sorted(set(collected) | set(refunded)):
        c, r = int(collected.get(currency, 0)), int(refunded.get(currency, 0))
        out.append(MoneyFlow(currency=currency, collected=str(from_minor(c, currency)),
                             refunded=str(from_minor(r, currency)), net=str(from_minor(c - r, currency))))  # fmt: skip
    return out


def _site(label: str, start: date, end: date, f: Mapping[str, Any]) -> SitePeriod:
    sessions, occupied, available = (
        int(f.get("sessions", 0)),
        int(f.get("occupiedSeconds", 0)),
        int(f.get("availableSeconds", 0)),
    )
    occupied_by_hour = f.get("occupied") or {}
    hours = [int(occupied_by_hour.get(f"{h:02d}", 0)) for h in range(24)]
    peak = sorted((h for h in range(24) if hours[h]), key=lambda h: (-hours[h], h))[:PEAK_HOURS]
    return SitePeriod(
        period=label, start=start, end=end, sessions=sessions, energy_kwh=_kwh(int(f.get("energyWh", 0))),
        average_session_minutes=_ratio(int(f.get("durationSeconds", 0)), sessions * 60, "0.1"),
        average_session_kwh=_ratio(int(f.get("energyWh", 0)), sessions * 1000, "0.001"),
        occupied_seconds=occupied, available_seconds=available,
        maintenance_seconds=int(f.get("maintenanceSeconds", 0)), down_seconds=int(f.get("downSeconds", 0)),
        faulted_seconds=int(f.get("faultedSeconds", 0)), faults=int(f.get("faults", 0)),
        utilisation=_ratio(occupied, available), uptime=_ratio(available - int(f.get("downSeconds", 0)), available),
        peak_hours=peak, revenue=_money(f),
    )  # fmt: skip


def _driver(label: str, start: date, end: date, f: Mapping[str, Any], co2: Decimal) -> DriverPeriod:
    wh = int(f.get("energyWh", 0))
    avoided = (Decimal(wh) / 1000 * co2).quantize(Decimal("0.001"), ROUND_HALF_UP)
    return DriverPeriod(period=label, start=start, end=end, sessions=int(f.get("sessions", 0)), energy_kwh=_kwh(wh),
                        spend=_money(f), co2_avoided_kg=str(avoided))  # fmt: skip


def _grouped(by_day: Mapping[str, Mapping[str, Any]], first: date, last: date, g: Granularity) -> Iterable[Any]:
    for label, start, end in _periods(first, last, g):
        days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        yield label, start, end, total(by_day.get(d) or {} for d in days)


async def site_report(deps: Deps, scope: str, q: AnalyticsQuery) -> ProviderReport:
    """A station's, provider's or the platform's figures (``scope``) over the query's period."""
    first, last = q.span(deps.clock.now().date())
    docs = await rollups.scope_docs(deps.store, scope, "day", first.isoformat(), last.isoformat())
    by_day = {str(d["day"]): d.get("figures") or {} for d in docs}
    periods = [_site(label, s, e, f) for label, s, e, f in _grouped(by_day, first, last, q.granularity)]
    whole = _site(f"{first}/{last}", first, last, total(by_day.values()))
    return ProviderReport(scope=scope, start=first, end=last, granularity=q.granularity, periods=periods, total=whole)


async def driver_report(deps: Deps, user_id: str, q: AnalyticsQuery) -> DriverReport:
    first, last = q.span(deps.clock.now().date())
    scope = f"driver:{user_id}"
    docs = await rollups.scope_docs(deps.store, scope, "month", f"{first:%Y-%m}-01", last.isoformat())
    by_day: dict[str, Any] = {}
    for doc in docs:
        for day, figures in (doc.get("days") or {}).items():
            if first.isoformat() <= day <= last.isoformat():
                by_day[day] = add(dict(by_day.get(day) or {}), figures)
    co2 = deps.settings.analytics_co2_kg_per_kwh
    periods = [_driver(label, s, e, f, co2) for label, s, e, f in _grouped(by_day, first, last, q.granularity)]
    whole = _driver(f"{first}/{last}", first, last, total(by_day.values()), co2)
    return DriverReport(scope=scope, start=first, end=last, granularity=q.granularity, co2_kg_per_kwh=str(co2),
                        periods=periods, total=whole)  # fmt: skip


def report_csv(report: ProviderReport | DriverReport) -> str:
    """One row per period, then the ``total`` row; money as ``<field>_<CUR>`` columns per currency."""
    rows: list[Period] = [*report.periods, report.total]
    money_field = "revenue" if isinstance(report, ProviderReport) else "spend"
    currencies = sorted({m.currency for r in rows for m in getattr(r, money_field)})
    plain = [k for k in type(rows[0]).model_fields if k != money_field]
    header = [*plain, *(f"{part}_{c}" for c in currencies for part in ("collected", "refunded", "net"))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i, row in enumerate(rows):
        values = [_cell(getattr(row, k)) for k in plain]
        if i == len(rows) - 1:
            values[0] = "total"
        money = {m.currency: m for m in getattr(row, money_field)}
        for c in currencies:
            m = money.get(c)
            values.extend([m.collected, m.refunded, m.net] if m else ["0", "0", "0"])
        writer.writerow(values)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)

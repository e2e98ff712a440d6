"""Building a provider's monthly statement from its payment records (see ``shared.services.statements``).

A page at a time over two projected queries of the ``payments`` container (cross-partition, filtered on
the provider): the sessions stopped in the month, and the older ones updated since it began (settled
late, or refunded). Only sums per station and currency are kept, never the documents; one CSV row per
session (or refund of an earlier session) is written to a stream as it is found, in the store's order.

VAT: the record's ``vatMinor`` (the VAT inside ``dueMinor``); for records written before it existed,
the session's invoice (``totalVat``), one query per page; neither: 0, logged."""

from __future__ import annotations

import csv
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from shared.domain.payments import from_minor
from shared.domain.pricing import minor_unit
from shared.domain.sessions import sortable_time
from shared.domain.statements import (
    GRACE,
    Month,
    Statement,
    StatementLine,
    Tally,
    share,
    statement_id_for,
    statement_lines,
)
from shared.ports.store import Document, Filter, Query

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["CSV_HEADER", "PAGE", "build_statement"]

log = logging.getLogger("wattsup.statements")
C = "invoices"
PAGE = 1000  # payment records per query page: the most a build holds at once
_SETTLED = frozenset({"captured", "uncollectible"})
_FIELDS = (
    *("sessionId", "stationId", "currency", "status", "dueMinor", "capturedMinor", "toppedUpMinor"),
    *("vatMinor", "energyWh", "stoppedAt", "settledAt", "refundedMinor", "refunds"),
)
CSV_HEADER = [
    *("session_id", "station_id", "station", "currency", "kind", "stopped_at", "kwh"),
    *("amount_excl_vat", "vat", "amount_incl_vat", "refunded_incl_vat", "commission", "payout"),
]


@dataclass
class _Build:
    """One statement's running sums, and where its CSV rows go."""

    month: Month
    percent: Decimal
    names: dict[str, str]
    rows: Any  # csv writer, or None
    tallies: defaultdict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    count: int = 0
    vat_unknown: int = 0

    def add(self, doc: Document, vat_due: int | None, *, stopped_in_month: bool) -> None:
        m = self.month
        due, currency, station = int(doc.get("dueMinor") or 0), str(doc["currency"]), str(doc.get("stationId"))
        settled_at = _moment(doc.get("settledAt"))
        if doc.get("status") not in _SETTLED:
            counted = False
        elif stopped_in_month:  # settled before the statements were made (a record without the time: as of old)
            counted = settled_at is None or settled_at < m.closes_at
        else:  # stopped earlier, settled after that month's statements were made
            counted = settled_at is not None and m.start + GRACE <= settled_at < m.closes_at
        tally = Tally()
        if counted:
            if vat_due is None:
                self.vat_unknown += 1
            collected = int(doc.get("capturedMinor") or 0) + int(doc.get("toppedUpMinor") or 0)
            tally.sessions, tally.energy_wh = 1, int(doc.get("energyWh") or 0)
            tally.collected, tally.collected_vat = collected, share(vat_due or 0, collected, due)
        elif stopped_in_month and due > 0 and doc.get("status") != "released":
            tally.pending = 1
        for refund in _refunds_in(doc, m):
            tally.refunded += refund
            tally.refunded_vat += share(vat_due or 0, refund, due)
        if not (counted or tally.refunded or tally.pending):
            return
        self.tallies[(station, currency)].add(tally)
        if self.rows is not None and (counted or tally.refunded):
            self.count += 1
            self.rows.writerow(self._row(doc, tally, counted))

    def _row(self, doc: Document, t: Tally, counted: bool) -> list[str]:
        currency = str(doc["currency"])

        def money(minor: int) -> str:
            return _amount(minor, currency)

        exact = (Decimal(t.revenue_excl_vat) * self.percent / 100).scaleb(-minor_unit(currency))
        station = str(doc.get("stationId"))
        return [
            *(str(doc.get("sessionId")), station, self.names.get(station, station), currency),
            *("session" if counted else "refund", str(doc.get("stoppedAt") or "")),
            format(Decimal(t.energy_wh) / 1000, "f"),
            *(money(t.collected - t.collected_vat), money(t.collected_vat), money(t.collected), money(t.refunded)),
            *(format(exact.normalize() if exact else Decimal(0), "f"), ""),
        ]  # fmt: skip


def _amount(minor: int, currency: str) -> str:
    return format(from_minor(minor, currency), "f")


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _refunds_in(doc: Document, month: Month) -> list[int]:
    """The refunds that went through in the calendar month (asked for earlier, confirmed in it, count in it)."""
    if not doc.get("refundedMinor"):
        return []
    found = []
    for r in doc.get("refunds") or []:
        at = _moment(r.get("succeededAt") or r.get("at"))
        if r.get("status", "succeeded") == "succeeded" and at is not None and month.start <= at < month.end:
            found.append(int(r.get("amountMinor") or 0))
    return found


async def _station_names(deps: Deps, provider_id: str) -> dict[str, str]:
    names: dict[str, str] = {}
    where = (Filter("type", "eq", "station"), Filter("providerId", "eq", provider_id))
    token: str | None = None
    while True:
        query = Query(where, limit=500, continuation=token, partition_key=provider_id, fields=("name",))
        page = await deps.store.query("stations", query)
        names.update((d["id"], str(d.get("name") or d["id"])) for d in page.items)
        if (token := page.continuation) is None:
            return names


async def _invoiced_vat(deps: Deps, provider_id: str, docs: list[Document]) -> dict[str, int]:
    """The VAT of sessions whose record predates ``vatMinor``: from their invoices (one query a page)."""
    wanted = {str(d["sessionId"]): str(d["currency"]) for d in docs if not isinstance(d.get("vatMinor"), int)}
    if not wanted:
        return {}
    where = (
        *(Filter("type", "eq", "invoice"), Filter("providerId", "eq", provider_id), Filter("kind", "eq", "invoice")),
        Filter("sessionId", "in", sorted(wanted)),
    )
    found: dict[str, int] = {}
    token: str | None = None
    while True:
        query = Query(
            where, limit=PAGE, continuation=token, partition_key=provider_id, fields=("sessionId", "totalVat")
        )
        page = await deps.store.query(C, query)
        for d in page.items:
            session, vat = str(d.get("sessionId")), d.get("totalVat")
            if vat is not None and session in wanted:
                found[session] = int(Decimal(str(vat)).scaleb(minor_unit(wanted[session])))
        if (token := page.continuation) is None:
            return found


async def _scan(deps: Deps, provider_id: str, build: _Build, filters: tuple[Filter, ...], *, in_month: bool) -> None:
    where = (Filter("type", "eq", "payment"), Filter("providerId", "eq", provider_id), *filters)
    token: str | None = None
    while True:
        page = await deps.store.query("payments", Query(where, limit=PAGE, continuation=token, fields=_FIELDS))
        invoiced = await _invoiced_vat(deps, provider_id, page.items)
        for doc in page.items:
            vat = doc.get("vatMinor")
            vat_due = vat if isinstance(vat, int) else invoiced.get(str(doc.get("sessionId")))
            build.add(doc, vat_due, stopped_in_month=in_month)
        if (token := page.continuation) is None:
            return


def _total_rows(writer: Any, build: _Build, totals: list[StatementLine]) -> None:
    """One row per currency after the sessions: the sums, and the commission as rounded once."""
    sums: defaultdict[str, Tally] = defaultdict(Tally)
    for (_, currency), tally in build.tallies.items():
        sums[currency].add(tally)
    for line in totals:
        t, c = sums[line.currency], line.currency
        writer.writerow(
            [
                *("", "", "", c, "total", "", format(line.energy_kwh, "f")),
                *(_amount(t.collected - t.collected_vat, c), _amount(t.collected_vat, c), _amount(t.collected, c)),
                _amount(t.refunded, c),
                *(format(line.commission, "f"), format(line.payout, "f")),
            ]
        )


async def build_statement(deps: Deps, provider_id: str, month: Month, *, rows: IO[str] | None = None) -> Statement:
    """The statement of ``month`` from the payment records (not stored); CSV rows go to ``rows`` as found."""
    writer = csv.writer(rows, lineterminator="\n") if rows is not None else None
    if writer is not None:
        writer.writerow(CSV_HEADER)
    percent = deps.settings.platform_commission_percent
    build = _Build(month, percent, await _station_names(deps, provider_id), writer)
    start = sortable_time(month.start)
    stopped = (Filter("stoppedAt", "ge", start), Filter("stoppedAt", "lt", sortable_time(month.end)))
    await _scan(deps, provider_id, build, stopped, in_month=True)
    # settled late or refunded in the month: written since it began (update times sort as strings by month)
    earlier = (Filter("stoppedAt", "lt", start), Filter("updatedAt", "ge", str(month)))
    await _scan(deps, provider_id, build, earlier, in_month=False)
    if build.vat_unknown:
        log.warning("statement %s %s: %d sessions without a known VAT", provider_id, month, build.vat_unknown)
    totals, stations = statement_lines(build.tallies, build.names, percent)
    if writer is not None:
        _total_rows(writer, build, totals)
    base = f"{provider_id}/statements/{month}"
    return Statement(
        id=statement_id_for(provider_id, month),
        provider_id=provider_id,
        month=str(month),
        period_start=month.start,
        period_end=month.end,
        commission_percent=percent,
        totals=totals,
        stations=stations,
        rows=build.count,
        pdf_blob=f"{base}.pdf",
        csv_blob=f"{base}.csv",
        created_at=deps.clock.now(),
    )

"""A generated month of activity for the analytics tests, and its figures computed independently.

October 2026 (UTC), seeded: two providers, four stations (one billing in CHF), two or three connectors each,
maintenance windows (whole station and single connectors), status reports (Faulted and Unavailable spells),
sessions of several drivers (some across midnight, some failed), payment records (captured, topped up,
released) and refunds (some days later, one still pending). Every time is on a whole minute, so the
expected figures are counted minute by minute, a way unlike the rollups' interval arithmetic.

The documents go straight into the store; ``events`` are the messages the platform would publish.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.bootstrap import Deps
from shared.domain.messages import Message
from shared.domain.sessions import sortable_time
from shared.domain.stations import MaintenanceWindow, Station
from tests.providers_fixture import ProviderTeam

__all__ = ["FIRST", "MONTH_END", "Month", "generate"]

FIRST = datetime(2026, 10, 1, tzinfo=UTC)
MONTH_END = datetime(2026, 11, 1, tzinfo=UTC)
DOWN = {"Faulted", "Unavailable"}
M = timedelta(minutes=1)


@dataclass
class Month:
    stations: dict[str, Station] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)  # by session id
    reports: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)  # by connector key
    events: list[Message] = field(default_factory=list)

    def expected(self, station_ids: set[str]) -> dict[str, dict[str, Any]]:
        """``{day: figures}`` for these stations, counted minute by minute from the raw documents."""
        out: defaultdict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
        for s in self.sessions:
            if s["stationId"] not in station_ids or s["status"] != "stopped":
                continue
            start, stop = datetime.fromisoformat(s["startedAt"]), datetime.fromisoformat(s["stoppedAt"])
            day = out[stop.date().isoformat()]
            day["sessions"] += 1
            day["energyWh"] += s["energyWh"]
            day["durationSeconds"] += int((stop - start).total_seconds())
            day[f"sessions@{stop.hour}"] += 1
            day[f"energy@{stop.hour}"] += s["energyWh"]
            t = start
            while t < stop:
                out[t.date().isoformat()]["occupiedSeconds"] += 60
                out[t.date().isoformat()][f"occupied{t.hour}"] += 60
                t += M
            pay = self.payments.get(s["id"])
            if pay is None:
                continue
            collected = pay["capturedMinor"] + pay["toppedUpMinor"]
            if collected:
                day[f"collected:{pay['currency']}"] += collected
                day[f"collected:{pay['currency']}@{stop.hour}"] += collected
            for r in pay["refunds"]:
                if r["status"] == "succeeded":
                    done = datetime.fromisoformat(r["succeededAt"])
                    out[done.date().isoformat()][f"refunded:{pay['currency']}"] += r["amountMinor"]
                    out[done.date().isoformat()][f"refunded:{pay['currency']}@{done.hour}"] += r["amountMinor"]
        for sid in station_ids:
            station = self.stations[sid]
            for c in station.connectors:
                self._connector(out, station, c.key)
        return {d: {k: v for k, v in f.items() if v} for d, f in out.items()}

    def _connector(self, out: defaultdict[str, Any], station: Station, key: str) -> None:
        windows = [
            (w.starts_at, w.ends_at)
            for w in station.maintenance
            if w.charger_id is None or f"{w.charger_id}/{w.connector_id}" == key
        ]
        reports = sorted(self.reports.get(key, []))
        status, i, t = "Unknown", 0, FIRST
        while t < MONTH_END:
            while i < len(reports) and reports[i][0] <= t:
                if reports[i][1] == "Faulted" and status != "Faulted":
                    out[reports[i][0].date().isoformat()]["faults"] += 1
                status = reports[i][1]
                i += 1
            day = out[t.date().isoformat()]
            if any(a <= t < b for a, b in windows):
                day["maintenanceSeconds"] += 60
            else:
                day["availableSeconds"] += 60
                if status in DOWN:
                    day["downSeconds"] += 60
                if status == "Faulted":
                    day["faultedSeconds"] += 60
            t += M

    def driver_expected(self, user_id: str) -> dict[str, dict[str, int]]:
        out: defaultdict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for s in self.sessions:
            if s.get("userId") != user_id or s["status"] != "stopped":
                continue
            day = out[s["stoppedAt"][:10]]
            day["sessions"] += 1
            day["energyWh"] += s["energyWh"]
            pay = self.payments.get(s["id"])
            if pay:
                day[f"collected:{pay['currency']}"] += pay["capturedMinor"] + pay["toppedUpMinor"]
                for r in pay["refunds"]:
                    if r["status"] == "succeeded":
                        out[r["succeededAt"][:10]][f"refunded:{pay['currency']}"] += r["amountMinor"]
        return {d: {k: v for k, v in f.items() if v} for d, f in out.items()}


def _minute(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    return lo + M * rng.randrange(int((hi - lo) / M))


def _station(team: ProviderTeam, n: int, connectors: int, now: datetime) -> Station:
    sid = f"stn_gen{n:02d}"
    return Station.model_validate({
        "id": sid, "providerId": team.id, "providerName": team.provider.display_name, "name": f"Site {n}",
        "address": {"street": "Main 1", "city": "Bern", "postalCode": "3000", "country": "CH"},
        "location": {"type": "Point", "coordinates": [7.4 + n / 100, 46.9]}, "timeZone": "Europe/Zurich",
        "lifecycle": "active", "createdAt": now, "updatedAt": now,
        "connectors": [
            {"chargerId": f"CP-{sid[-4:]}", "connectorId": i + 1, "standard": "TYPE_2", "powerType": "AC",
             "maxPowerKw": 22} for i in range(connectors)
        ],
    })  # fmt: skip


def _event(type_: str, tenant: str, at: datetime, key: str, body: dict[str, Any]) -> Message:
    return Message(id=f"{type_}:{key}", type=type_, occurred_at=at, tenant_id=tenant, body=body)


async def generate(deps: Deps, teams: list[ProviderTeam], drivers: list[str], *, seed: int = 7) -> Month:
    rng = random.Random(seed)
    month = Month()
    now = deps.clock.now()
    layout = [(teams[0], 1, 2), (teams[0], 2, 2), (teams[0], 3, 1), (teams[1], 4, 2)]
    for team, n, connectors in layout:
        station = _station(team, n, connectors, now)
        windows = []
        for w in range(2):
            start = _minute(rng, FIRST, MONTH_END - timedelta(days=1))
            one = station.connectors[w % len(station.connectors)] if w else None
            windows.append({"id": f"mw_{n}{w}", "startsAt": start, "endsAt": start + M * rng.randrange(30, 600),
                            "chargerId": one.charger_id if one else None,
                            "connectorId": one.connector_id if one else None})  # fmt: skip
        station = station.model_copy(update={"maintenance": [MaintenanceWindow.model_validate(w) for w in windows]})
        await deps.store.create("stations", station.model_dump(mode="json", by_alias=True))
        month.stations[station.id] = station
        currency = "CHF" if n == 3 else "EUR"
        for c in station.connectors:
            _reports(rng, month, team, station, c.key)
            _sessions(rng, month, team, station, c.key, drivers, currency)
    for s in month.sessions:
        await deps.store.create("sessions", s)
    for p in month.payments.values():
        await deps.store.create("payments", p)
    return month


def _reports(rng: random.Random, month: Month, team: ProviderTeam, station: Station, key: str) -> None:
    reports = [(FIRST, "Available")]
    for _ in range(rng.randrange(2, 4)):
        at = _minute(rng, FIRST + timedelta(hours=1), MONTH_END - timedelta(hours=12))
        status = rng.choice(["Faulted", "Faulted", "Unavailable"])
        reports += [(at, status), (at + M * rng.randrange(20, 2000), "Available")]
        if status == "Faulted":  # reported Faulted again within the spell (another error code): still one fault
            reports.append((at + M * 5, "Faulted"))
    if rng.random() < 0.5:  # a report repeated (a charger's resend), and a spell still open at the month's end
        reports.append(reports[1])
        reports.append((MONTH_END - timedelta(hours=3), "Faulted"))
    month.reports[key] = sorted(set(reports))
    for at, status in reports:
        body = {"stationId": station.id, "connectorKey": key, "status": status, "at": sortable_time(at)}
        month.events.append(_event("ConnectorStatusChanged", team.id, at, f"{key}:{status}:{sortable_time(at)}", body))
        if status == "Faulted":
            month.events.append(_event("StationFaulted", team.id, at, f"{key}:{sortable_time(at)}", body))


def _sessions(
    rng: random.Random, month: Month, team: ProviderTeam, station: Station, key: str, drivers: list[str], currency: str
) -> None:
    t = FIRST + M * rng.randrange(0, 600)
    n = 0
    while True:
        start = t + M * rng.randrange(120, 2400)
        stop = start + M * rng.randrange(10, 300)
        if stop >= MONTH_END - timedelta(hours=1):
            return
        t, n = stop, n + 1
        sid = f"ses_{station.id.removeprefix('stn_')}_{key[-1]}{n:03d}"
        user = rng.choice([*drivers, None]) if rng.random() < 0.9 else drivers[0]
        failed = rng.random() < 0.05
        doc = {"id": sid, "type": "session", "stationId": station.id, "providerId": team.id, "userId": user,
               "connectorKey": key, "status": "failed" if failed else "stopped", "requestedAt": sortable_time(start),
               "startedAt": None if failed else sortable_time(start),
               "stoppedAt": None if failed else sortable_time(stop),
               "energyWh": 0 if failed else rng.randrange(500, 60000), "updatedAt": sortable_time(stop)}  # fmt: skip
        month.sessions.append(doc)
        if failed:
            continue
        month.events.append(_event("SessionStopped", team.id, stop, sid, {"sessionId": sid, "stationId": station.id}))
        if user is None:
            continue
        month.payments[sid] = _payment(rng, month, team, station, sid, user, currency, stop)


def _payment(rng: random.Random, month: Month, team: ProviderTeam, station: Station, sid: str, user: str,
             currency: str, stop: datetime) -> dict[str, Any]:  # fmt: skip
    released = rng.random() < 0.1
    captured = 0 if released else rng.randrange(200, 4000)
    topped = rng.randrange(100, 900) if not released and rng.random() < 0.1 else 0
    refunds = []
    if captured and rng.random() < 0.15:
        at = stop + M * rng.randrange(5, 60 * 24 * 4)
        status = "pending" if rng.random() < 0.2 else "succeeded"
        refunds.append({"id": f"ref_{sid}", "amountMinor": rng.randrange(1, captured), "reason": "x", "by": "u",
                        "at": sortable_time(at), "status": status,
                        "succeededAt": sortable_time(at + M) if status == "succeeded" else None})  # fmt: skip
    doc = {"id": f"pay_{sid}", "type": "payment", "userId": user, "providerId": team.id, "stationId": station.id,
           "sessionId": sid, "currency": currency, "status": "released" if released else "captured",
           "capturedMinor": captured, "toppedUpMinor": topped, "refundedMinor": sum(r["amountMinor"] for r in refunds),
           "refunds": refunds, "stoppedAt": sortable_time(stop), "energyWh": 0,
           "updatedAt": refunds[-1]["at"] if refunds else sortable_time(stop + M)}  # fmt: skip
    month.events.append(_event("PaymentCaptured", team.id, stop + M, sid, {"sessionId": sid, "paymentId": doc["id"]}))
    for r in refunds:
        if r["status"] == "succeeded":
            month.events.append(
                _event("RefundIssued", team.id, stop, r["id"], {"sessionId": sid, "paymentId": doc["id"]})
            )
    return doc

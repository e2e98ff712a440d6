"""Analytics: the nightly rollup of a whole month (100,000 sessions, 1,000,000 meter samples) on the embedded
SQLite store, and the p95 of a provider's dashboard query.

Seeds (not measured), straight through the SQLite adapter in batches of 5,000: two providers, ``--stations``
stations of four connectors (the first provider has four fifths of them), ``--sessions`` session documents
stopped in October 2026 (the shape ``ChargingSession`` writes), a payment record for 90 % of them (10 % with
a top-up, 2 % refunded a day later), ``--samples`` meter samples spread over the sessions (ten per session at
the default: they are part of the load and the rollup must not read them), and a status log of two Faulted
spells per connector. Then, with the clock at 1 November 02:30 UTC, measures:

- ``rollup``: ``recompute`` of 1..31 October, the nightly path over the whole month: every station's sessions
  and payment records, the status log, all station, provider, platform day documents and driver months;
  the containers it reads are counted, and ``meter_samples`` must not be among them;
- ``scan``: the baseline for it: one paged, projected read of every session of the month (what any rollup
  must read at least), summed per day in Python;
- ``dashboard``: ``GET /api/providers/{id}/analytics`` (the HTTP function, JWT and all) for October by day,
  ``--queries`` times: p50, p95, max; and by week for one station;
- ``group-by``: the baseline for it: the same figures computed at query time from the provider's sessions
  of the month (a projected read of its sessions, summed per day), timed a few times.

The platform's October sessions, energy and collected money must equal the seeded sums, or it exits 1.
Usage: ``.venv/bin/python bench/analytics.py [--sessions N] [--samples N] [--stations N] [--queries N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import azure.functions as func  # noqa: E402
from scratch import FixedClock, scratch_settings  # noqa: E402

from shared import bootstrap  # noqa: E402
from shared.adapters.embedded.sqlite_store import SqliteDocumentStore  # noqa: E402
from shared.domain.principal import Principal, Role  # noqa: E402
from shared.domain.sessions import ChargingSession, MeterSample, sample_document, sortable_time  # noqa: E402
from shared.ports.store import Filter, Query  # noqa: E402
from shared.repositories.rollups import query_all  # noqa: E402
from shared.services.analytics_recompute import recompute  # noqa: E402

FIRST, END = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
RUN_AT = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)
PROVIDERS = ("prv_bench_0001", "prv_bench_0002")
BATCH = 5000


class Counting:
    """The store, counting the containers read (to show the rollup never reads meter samples)."""

    def __init__(self, store: Any) -> None:
        self.store, self.reads, self.seconds = store, Counter[str](), defaultdict[str, float](float)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def read(self, container: str, *args: Any, **kw: Any) -> Any:
        self.reads[container] += 1
        return await self.store.read(container, *args, **kw)

    async def query(self, container: str, query: Query) -> Any:
        self.reads[container] += 1
        start = time.perf_counter()
        try:
            return await self.store.query(container, query)
        finally:
            kind = "partition" if query.partition_key is not None else "cross-partition"
            self.seconds[f"{container} {kind} queries"] += time.perf_counter() - start


def bulk(store: SqliteDocumentStore, container: str, docs: list[dict[str, Any]]) -> None:
    for first in range(0, len(docs), BATCH):
        with store._write(container) as (conn, spec, now):
            for doc in docs[first : first + BATCH]:
                store._insert(conn, container, store._prepare(spec, doc, now), uuid.uuid4().hex, now)


def station_doc(n: int) -> dict[str, Any]:
    provider = PROVIDERS[0] if n % 5 else PROVIDERS[1]
    sid = f"stn_bench{n:03d}"
    return {
        "id": sid, "type": "station", "providerId": provider, "providerName": "Bench", "name": f"Bench {n}",
        "address": {"street": "a", "city": "b", "postalCode": "1", "country": "DE"},
        "location": {"type": "Point", "coordinates": [13.4, 52.5]}, "timeZone": "Europe/Berlin",
        "lifecycle": "active", "createdAt": "2026-09-01T00:00:00Z", "updatedAt": "2026-09-01T00:00:00Z",
        "connectors": [{"chargerId": f"CP-B{n:03d}", "connectorId": c, "standard": "CCS2", "powerType": "DC",
                        "maxPowerKw": 150, "status": "Available"} for c in (1, 2, 3, 4)],
        "maintenance": [{"id": f"mw_{n}", "startsAt": "2026-10-12T01:00:00Z", "endsAt": "2026-10-12T05:00:00Z"}],
    }  # fmt: skip


def session_template() -> dict[str, Any]:
    now = RUN_AT
    return ChargingSession(
        id="ses_x_x", station_id="stn_x", provider_id="prv_x", station_name="Bench", time_zone="Europe/Berlin",
        charger_id="CP-x", connector_id=1, connector_key="CP-x/1", max_power_kw=150, user_id="usr_x",
        id_tag="A" * 20, origin="app", status="stopped", tariff_id="trf_x", tariff_version=1, currency="EUR",
        transaction_id=1, requested_at=now, updated_at=now,
    ).model_dump(mode="json", by_alias=True)  # fmt: skip


def seed(store: SqliteDocumentStore, args: argparse.Namespace) -> dict[str, int]:
    rng, base = random.Random(5), session_template()
    stations = [station_doc(n) for n in range(args.stations)]
    bulk(store, "stations", stations)
    sums: defaultdict[str, int] = defaultdict(int)
    sessions, payments, samples, statuses = [], [], [], []
    per_session = max(1, args.samples // args.sessions)
    for i in range(args.sessions):
        station = stations[i % len(stations)]
        connector = rng.randint(1, 4)
        start = FIRST + timedelta(minutes=rng.randrange(31 * 1440 - 300))
        stop = start + timedelta(minutes=rng.randint(10, 240))
        sid = f"ses_{station['id'].removeprefix('stn_')}_{i:07d}"
        user, energy = f"usr_bench{rng.randrange(args.drivers):05d}", rng.randint(1000, 60_000)
        key = f"{station['connectors'][connector - 1]['chargerId']}/{connector}"
        sessions.append({**base, "id": sid, "stationId": station["id"], "providerId": station["providerId"],
                         "chargerId": key.split("/")[0], "connectorId": connector, "connectorKey": key,
                         "userId": user, "startedAt": sortable_time(start), "stoppedAt": sortable_time(stop),
                         "requestedAt": sortable_time(start), "energyWh": energy, "meterStartWh": 0,
                         "meterStopWh": energy})  # fmt: skip
        sums["sessions"] += 1
        sums["energyWh"] += energy
        for s in range(per_session):
            at = start + (stop - start) * s / per_session
            sample = MeterSample(id=f"{sid}:{s}", session_id=sid, at=at, register_wh=energy * s // per_session,
                                 power_w=50_000.0, received_at=at, ttl=90 * 86400)  # fmt: skip
            samples.append(sample_document(sample))
        if rng.random() < 0.9:
            captured = rng.randint(200, 6000)
            topped = rng.randint(50, 500) if rng.random() < 0.1 else 0
            refunds = []
            if rng.random() < 0.02:
                at = stop + timedelta(days=1)
                stamp = sortable_time(at)
                refunds.append({"id": f"ref_{i}", "amountMinor": captured // 2, "reason": "x", "by": "usr_x",
                                "at": stamp, "succeededAt": stamp, "status": "succeeded"})  # fmt: skip
                if at < END:
                    sums["refunded"] += captured // 2
            payments.append({"id": f"pay_{sid}", "type": "payment", "userId": user, "providerId": station["providerId"],
                             "stationId": station["id"], "sessionId": sid, "currency": "EUR", "status": "captured",
                             "capturedMinor": captured, "toppedUpMinor": topped,
                             "refundedMinor": captured // 2 if refunds else 0,
                             "refunds": refunds, "stoppedAt": sortable_time(stop), "energyWh": energy,
                             "createdAt": sortable_time(start), "updatedAt": sortable_time(stop)})  # fmt: skip
            sums["collected"] += captured + topped
    for station in stations:
        scope = f"station:{station['id']}"
        for c in station["connectors"]:
            key = f"{c['chargerId']}/{c['connectorId']}"
            for at, status in [(FIRST, "Available")] + [
                (FIRST + timedelta(minutes=m), s)
                for m0 in (rng.randrange(40_000), rng.randrange(40_000))
                for m, s in ((m0, "Faulted"), (m0 + rng.randint(10, 600), "Available"))
            ]:
                stamp = sortable_time(at)
                statuses.append({"id": f"st:{key.replace('/', '~')}:{stamp}:{status}", "scope": scope,
                                 "kind": "status", "connectorKey": key, "at": stamp, "status": status})  # fmt: skip
    bulk(store, "sessions", sessions)
    bulk(store, "payments", payments)
    bulk(store, "rollups", statuses)
    bulk(store, "meter_samples", samples)
    sums["samples"] = len(samples)
    return dict(sums)


async def group_by(deps: bootstrap.Deps, provider: str) -> dict[str, int]:
    """The baseline: the provider's figures per day computed at query time from its sessions."""
    month = (Filter("stoppedAt", "ge", sortable_time(FIRST)), Filter("stoppedAt", "lt", sortable_time(END)))
    where = (Filter("type", "eq", "session"), Filter("providerId", "eq", provider), *month)
    per_day: defaultdict[str, int] = defaultdict(int)
    for doc in await query_all(deps.store, Query(where, limit=1000, fields=("stoppedAt", "energyWh")), "sessions"):
        per_day[str(doc["stoppedAt"])[:10]] += int(doc.get("energyWh") or 0)
    return per_day


def http_function(name: str) -> Any:
    import function_app
    from local_host.discovery import functions_of

    return {f.get_function_name(): f.get_user_function() for f in functions_of(function_app.app)}[name]


async def dashboard(deps: bootstrap.Deps, fn: Any, token: str, params: dict[str, str], n: int) -> list[float]:
    times = []
    for _ in range(n):
        req = func.HttpRequest("GET", "http://127.0.0.1/api/x", headers={"authorization": f"Bearer {token}"},
                               params=params, route_params={"providerId": PROVIDERS[0]}, body=b"")  # fmt: skip
        start = time.perf_counter()
        resp = await fn(req)
        times.append(time.perf_counter() - start)
        assert resp.status_code == 200, resp.get_body()
    return times


def p(times: list[float], q: float) -> float:
    return sorted(times)[min(len(times) - 1, int(q * len(times)))] * 1000


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=250)
    parser.add_argument("--drivers", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as folder:
        settings = scratch_settings(Path(folder))
        deps = bootstrap.build(settings, clock=FixedClock(RUN_AT))
        bootstrap.use(deps)
        store = deps.store
        assert isinstance(store, SqliteDocumentStore)
        for container in ("stations", "sessions", "payments", "rollups", "meter_samples"):
            await store.query(container, Query(limit=1))  # creates the tables
        start = time.perf_counter()
        sums = seed(store, args)
        print(f"seeded {args.stations} stations, {sums['sessions']:,} sessions, {sums['samples']:,} meter samples "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip

        counting = Counting(store)
        deps.store = counting  # type: ignore[assignment]
        start = time.perf_counter()
        run = await recompute(deps, "2026-10-01", "2026-10-31")
        rollup_s = time.perf_counter() - start
        deps.store = store
        assert "meter_samples" not in counting.reads, counting.reads
        start = time.perf_counter()
        where = (Filter("type", "eq", "session"), Filter("stoppedAt", "ge", sortable_time(FIRST)))
        scanned = await query_all(store, Query(where, limit=1000, fields=("stoppedAt", "energyWh")), "sessions")
        scan_s = time.perf_counter() - start

        days = await query_all(
            store,
            Query(
                (Filter("kind", "eq", "day"), Filter("scope", "eq", "platform")), limit=100, partition_key="platform"
            ),
        )
        got = {"sessions": 0, "energyWh": 0, "collected": 0, "refunded": 0}
        for d in days:
            f = d.get("figures") or {}
            for k in ("sessions", "energyWh"):
                got[k] += int(f.get(k, 0))
            got["collected"] += int((f.get("collected") or {}).get("EUR", 0))
            got["refunded"] += int((f.get("refunded") or {}).get("EUR", 0))
        want = {k: sums.get(k, 0) for k in got}
        rollup_docs = len(
            await query_all(
                store, Query((Filter("kind", "in", ["day", "month"]),), limit=1000, fields=("kind",)), "rollups"
            )
        )

        token = deps.tokens.issue(
            Principal("usr_bench_admin", "a@bench.example.com", frozenset({Role.PROVIDER_ADMIN}), PROVIDERS[0])
        )
        fn = http_function("provider_analytics")
        month = {"from": "2026-10-01", "to": "2026-10-31", "granularity": "day"}
        await dashboard(deps, fn, token, month, 5)  # warm
        times = await dashboard(deps, fn, token, month, args.queries)
        week = {**month, "granularity": "week", "stationId": "stn_bench001"}
        station_times = await dashboard(deps, fn, token, week, args.queries)
        base_times = []
        for _ in range(5):
            start = time.perf_counter()
            await group_by(deps, PROVIDERS[0])
            base_times.append(time.perf_counter() - start)
        await bootstrap.close()

    print(f"rollup: {run.stations} stations, {run.sessions:,} sessions -> {rollup_docs:,} day/month documents; "
          f"containers read: {dict(counting.reads)}")  # fmt: skip
    print("query time by container: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(counting.seconds.items())))
    print(json.dumps({"seeded": want, "platform days": got}))
    base_med = statistics.median(base_times) * 1000
    rows = [
        ("rollup of October (recompute), s", f"{rollup_s:.2f}"),
        ("baseline: scan of the month's sessions, s", f"{scan_s:.2f} ({len(scanned):,} rows)"),
        ("ratio rollup / scan", f"{rollup_s / scan_s:.1f}"),
        ("dashboard, provider month by day p50/p95/max ms", f"{p(times, 0.5):.1f} / {p(times, 0.95):.1f} / "
                                                            f"{max(times) * 1000:.1f}"),
        ("dashboard, one station by week p50/p95 ms", f"{p(station_times, 0.5):.1f} / {p(station_times, 0.95):.1f}"),
        ("baseline: group-by at query time, median ms", f"{base_med:.1f}"),
        ("ratio dashboard p95 / group-by", f"{p(times, 0.95) / base_med:.3f}"),
    ]  # fmt: skip
    for name, value in rows:
        print(f"{name:50} {value}")
    if got != want:
        print("MISMATCH between the rollups and the seeded sums", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

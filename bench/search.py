"""Map search latency on 100,000 stations in the embedded SQLite store, against a brute-force scan.

Generates the stations (seeded) uniformly over a disc around Berlin (radius
``--spread-km``, default 100: about 3.2 stations per km2, a dense city's density
over the whole disc, so a 10 km circle holds ~1,000 stations), through the
store's normal write path. Then, for searches of 10 km radius around random
points well inside the disc, with two filters, it measures in the same run:

- in process: the search service (``shared.services.search``), store included;
- over HTTP: ``GET /api/stations`` on the local host on a loopback port;
- brute force: every station document already in memory, haversine and the same
  filters and ranking in Python (also the oracle: the first pages must agree);
- the SQLite query as it was before the R*Tree (a full scan), on a few searches.

A fixed number of searches, loopback only. Target: in-process p95 <= 15 ms.
Usage: ``.venv/bin/python bench/search.py [--stations N] [--spread-km K] [--queries N]``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_settings  # noqa: E402

from functions.stations.search import StationSearchQuery  # noqa: E402
from shared import bootstrap  # noqa: E402
from shared.adapters.embedded.sqlite_store import SqliteDocumentStore  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.containers import CONTAINERS  # noqa: E402
from shared.domain.geo import distance_m  # noqa: E402
from shared.ports.store import ContainerSpec  # noqa: E402
from shared.repositories.station_search import rank_distance  # noqa: E402
from shared.services.search import search_stations  # noqa: E402

CENTRE = (13.4050, 52.5200)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SCENARIOS = {  # name -> search parameters besides the area
    "CCS2 + minPowerKw=50": {"standard": "CCS2", "minPowerKw": 50},
    "TYPE_2 + availableNow": {"standard": "TYPE_2", "availableNow": True},
}


def around(rng: random.Random, radius_m: float) -> tuple[float, float]:
    """A point uniform by area within ``radius_m`` of CENTRE (flat approximation: fine at this scale)."""
    r, bearing = radius_m * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(bearing) / 111_195
    dlon = r * math.sin(bearing) / (111_195 * math.cos(math.radians(CENTRE[1])))
    return round(CENTRE[0] + dlon, 6), round(CENTRE[1] + dlat, 6)


def station(n: int, rng: random.Random, spread_m: float) -> dict[str, Any]:
    lon, lat = around(rng, spread_m)
    fast = rng.random() < 0.35
    statuses = ["Available"] * 5 + ["Charging"] * 3 + ["Unknown", "Faulted"]
    if fast:
        plugs = [("CCS2", "DC", rng.choice([50.0, 150.0, 300.0])) for _ in range(rng.randint(1, 3))]
        plugs += [("CHADEMO", "DC", 50.0)] if rng.random() < 0.3 else []
    else:
        plugs = [("TYPE_2", "AC", rng.choice([11.0, 22.0])) for _ in range(rng.randint(1, 4))]
    connectors = [
        {
            "chargerId": f"CH-{n}-{i}",
            "connectorId": 1,
            "standard": s,
            "powerType": t,
            "maxPowerKw": kw,
            "tariffId": "trf_1",
            "status": rng.choice(statuses),
            "statusAt": "2026-11-24T11:00:00Z",
            "suspect": False,
        }
        for i, (s, t, kw) in enumerate(plugs)
    ]
    price = round(rng.uniform(0.29, 0.79), 2)
    provider = f"prv_{n % 40:02d}"
    featured = rng.random() < 0.02
    return {
        "id": f"stn_{n:06d}",
        "type": "station",
        "providerId": provider,
        "providerName": f"Provider {provider}",
        "providerActive": n % 40 != 7,
        "name": f"Station {n}",
        "timeZone": "Europe/Berlin",
        "address": {"street": f"Hauptstraße {n % 180 + 1}", "city": "Berlin", "postalCode": "10117", "country": "DE"},
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "openingHours": {"twentyfourseven": True, "regularHours": []},
        "amenities": ["WIFI"],
        "photos": [],
        "access": "private" if rng.random() < 0.03 else "public",
        "lifecycle": "active" if rng.random() < 0.97 else rng.choice(["draft", "retired", "maintenance"]),
        "connectors": connectors,
        "standards": sorted({c["standard"] for c in connectors}),
        "maxPowerKw": max(c["maxPowerKw"] for c in connectors),
        "tariffId": "trf_1",
        "priceSummary": {
            "tariffId": "trf_1",
            "version": 1,
            "currency": "EUR",
            "text": f"{price} EUR/kWh",
            "energyPerKwh": str(price),
        },
        "energyPricePerKwh": price,
        "featuredFrom": "2026-11-01T00:00:00Z" if featured else None,
        "featuredUntil": "2026-12-01T00:00:00Z" if featured else None,
        "maintenance": [],
        "ratingAverage": round(rng.uniform(2.5, 5), 1),
        "ratingCount": rng.randint(0, 80),
        "createdAt": "2026-11-01T10:00:00Z",
        "updatedAt": "2026-11-20T10:00:00Z",
    }


def brute_force(docs: list[dict[str, Any]], params: dict[str, Any], limit: int = 20) -> tuple[list[str], int]:
    """The same search by scanning every document (no store query, no index): its first page and match count."""
    lon, lat, radius = params["lon"], params["lat"], params["radiusKm"] * 1000
    standard, min_kw, now_free = params.get("standard"), params.get("minPowerKw"), params.get("availableNow")
    ranked = []
    for d in docs:
        if d["lifecycle"] != "active" or d["access"] != "public" or not d["providerActive"]:
            continue
        x, y = d["location"]["coordinates"]
        dist = distance_m(x, y, lon, lat)
        if dist > radius:
            continue
        plugs = [
            c
            for c in d["connectors"]
            if (standard is None or c["standard"] == standard)
            and (min_kw is None or c["maxPowerKw"] >= min_kw)
            and (not now_free or c["status"] == "Available")  # no maintenance windows in this data
        ]
        if not plugs:
            continue
        featured = d["featuredFrom"] is not None and d["featuredFrom"] <= "2026-11-24T12:00:00Z" < d["featuredUntil"]
        ranked.append((rank_distance(dist, featured), d["id"]))
    ranked.sort()
    return [doc_id for _, doc_id in ranked[:limit]], len(ranked)


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94]


async def timed(calls: list[Callable[[], Awaitable[Any]]]) -> tuple[list[float], list[Any]]:
    times, results = [], []
    for call in calls:
        start = time.perf_counter()
        results.append(await call())
        times.append((time.perf_counter() - start) * 1000)
    return times, results


async def seed(store: SqliteDocumentStore, count: int, spread_m: float) -> list[dict[str, Any]]:
    rng = random.Random(42)
    docs = [station(n, rng, spread_m) for n in range(count)]
    start = time.perf_counter()
    for doc in docs:
        await store.create("stations", doc)
    print(
        f"seeded {count:,} stations in {time.perf_counter() - start:.1f} s (one create per station, R*Tree by trigger)"
    )
    return docs


async def bench_in_process(
    store: SqliteDocumentStore, searches: list[dict[str, Any]]
) -> tuple[list[float], list[list[str]]]:
    async def one(params: dict[str, Any]) -> list[str]:
        cmd = StationSearchQuery.model_validate(params).command()
        items, _ = await search_stations(cmd, store=store, now=NOW)
        return [i.id for i in items]

    times, results = await timed([lambda p=p: one(p) for p in searches])
    return times, results


def bench_http(settings: Settings, searches: list[dict[str, Any]]) -> list[float]:
    import function_app
    from local_host.threaded import serve_in_thread

    with serve_in_thread(function_app.app, settings, port=0, poll=False, timers=False) as host:
        with httpx.Client(base_url=host.url, timeout=30) as client:
            for params in searches[:10]:  # warm-up: the worker's first calls build its dependencies
                client.get("/api/stations", params=params).raise_for_status()
            times = []
            for params in searches:
                start = time.perf_counter()
                client.get("/api/stations", params=params).raise_for_status()
                times.append((time.perf_counter() - start) * 1000)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--spread-km", type=float, default=100, help="radius of the disc the stations fill")
    parser.add_argument("--queries", type=int, default=200, help="per scenario, in process and over HTTP")
    parser.add_argument("--baseline-queries", type=int, default=40, help="per scenario, brute force")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        path = Path(folder) / "store.db"
        store = SqliteDocumentStore(path)
        spread_m = args.spread_km * 1000
        docs = await seed(store, args.stations, spread_m)
        # The brute force keeps every document in memory, which a worker never does: keep the
        # collector from walking them during the measured searches.
        gc.freeze()
        density = args.stations / (math.pi * args.spread_km**2)
        print(f"{density:.2f} stations per km2; search centres within {0.6 * args.spread_km:.0f} km of the centre")
        rng = random.Random(7)
        rows = []
        for name, extra in SCENARIOS.items():
            centres = [around(rng, 0.6 * spread_m) for _ in range(args.queries)]
            searches = [{"lon": x, "lat": y, "radiusKm": 10, **extra} for x, y in centres]
            await bench_in_process(store, searches[:20])  # warm-up: page cache, statements
            in_process, pages = await bench_in_process(store, searches)
            base = searches[: args.baseline_queries]
            brute, oracle, matches = [], [], []
            for params in base:
                start = time.perf_counter()
                first_page, count = brute_force(docs, params)
                brute.append((time.perf_counter() - start) * 1000)
                oracle.append(first_page)
                matches.append(count)
            mismatches = sum(page != want for page, want in zip(pages, oracle, strict=False))
            rows.append((name, in_process, brute, mismatches, statistics.mean(matches)))
        # The SQLite query as before the R*Tree: the same store file, the container without spatial paths.
        plain = SqliteDocumentStore(path, {**CONTAINERS, "stations": ContainerSpec("stations", "providerId")})
        scan, _ = await bench_in_process(plain, searches[:5])
        await plain.close()
        await store.close()
        settings = scratch_settings(Path(folder), SQLITE_PATH=str(path))
        bootstrap.use(bootstrap.build(settings))
        http_rows, rng = [], random.Random(99)
        for extra in SCENARIOS.values():
            centres = [around(rng, 0.6 * spread_m) for _ in range(args.queries)]
            http_rows.append(bench_http(settings, [{"lon": x, "lat": y, "radiusKm": 10, **extra} for x, y in centres]))
        await bootstrap.close()
    print(f"\n{'scenario (10 km radius)':24} {'matches':>7} {'in process p50/p95':>19} {'HTTP p50/p95':>14} ", end="")
    print(f"{'brute force p50/p95':>20} {'p50 ratio':>9} {'oracle':>8}   (ms)")
    for (name, ip, brute, bad, mean), http in zip(rows, http_rows, strict=True):
        (a, b), (c, d), (e, f) = percentiles(ip), percentiles(http), percentiles(brute)
        verdict = "agrees" if bad == 0 else f"{bad} differ"
        print(f"{name:24} {mean:>7.0f} {a:>9.2f} / {b:<7.2f} {c:>6.2f} / {d:<5.2f} ", end="")
        print(f"{e:>10.1f} / {f:<7.1f} {e / a:>8.0f}x {verdict:>8}")
    print(f"\nfull scan without the R*Tree (last scenario, {len(scan)} searches): p50 {statistics.median(scan):.0f} ms")
    p95 = percentiles(rows[0][1])[1]
    print(f"target in-process p95 <= 15 ms for '{rows[0][0]}': {'met' if p95 <= 15 else 'MISSED'} ({p95:.2f} ms)")
    if any(row[3] for row in rows):
        sys.exit("the service and the brute force disagree: a correctness failure, not a speed one")


if __name__ == "__main__":
    asyncio.run(main())

"""Geo queries (``Near``, ``Within``) on every store, and the station search repository on top of them.

Expectations are computed here with the same spherical distance the port
documents. Points are kept more than ~50 m away from a radius's edge (real
Cosmos measures on the ellipsoid, up to ~0.5 % apart), never from a box's edge:
the box is exact lon/lat arithmetic on every store.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.containers import CONTAINERS
from shared.domain.geo import distance_m
from shared.ports.store import ContainerSpec, Document, DocumentStore, Filter, Near, Query, Within
from shared.repositories.station_search import Area, find_candidates
from tests.contract.test_document_store import all_pages
from tests.fakes import FakeClock
from tests.functions.test_search_api import station_doc

CENTRE = (13.4050, 52.5200)  # Berlin
EDGE_MARGIN_M = 60


def point(lon: Any, lat: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def offset(lon: float, lat: float, metres: float, bearing_deg: float) -> tuple[float, float]:
    """The point ``metres`` away on the sphere, by the direct geodesic formula."""
    d, b = metres / 6371008.8, math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return (math.degrees(l2) + 540) % 360 - 180, math.degrees(p2)


async def ids(store: DocumentStore, query: Query) -> set[str]:
    return {doc["id"] for doc in await all_pages(store, "stations", query)}


async def put_points(store: DocumentStore, points: dict[str, tuple[float, float]], provider: str = "p1") -> None:
    for doc_id, (lon, lat) in points.items():
        await store.create("stations", {"id": doc_id, "providerId": provider, "location": point(lon, lat)})


def ring(radius_m: float, n: int, seed: int) -> dict[str, tuple[float, float]]:
    """Points just inside and just outside a circle around CENTRE, plus a scatter far from its edge."""
    rng = random.Random(seed)
    points: dict[str, tuple[float, float]] = {}
    for i in range(n):
        bearing = rng.uniform(0, 360)
        points[f"in{i}"] = offset(*CENTRE, radius_m - EDGE_MARGIN_M - rng.uniform(0, 30), bearing)
        points[f"out{i}"] = offset(*CENTRE, radius_m + EDGE_MARGIN_M + rng.uniform(0, 30), bearing)
        points[f"mid{i}"] = offset(*CENTRE, rng.uniform(0, radius_m - EDGE_MARGIN_M), rng.uniform(0, 360))
    return points


# --- Near and Within on the store --------------------------------------------------


async def test_near_at_the_edge_of_the_radius(store: DocumentStore) -> None:
    points = ring(5_000, 12, seed=1)
    await put_points(store, points)
    found = await ids(store, Query(near=Near("location", *CENTRE, 5_000)))
    assert found == {k for k in points if not k.startswith("out")}


async def test_within_is_the_lon_lat_box_edges_included(store: DocumentStore) -> None:
    box = Within("location", 13.30, 52.45, 13.50, 52.58)
    await put_points(
        store,
        {
            "inside": (13.40, 52.52),
            "west_edge": (13.30, 52.50),
            "north_east_corner": (13.50, 52.58),
            "just_east": (13.5001, 52.50),
            "just_south": (13.40, 52.4499),
            "far": (2.35, 48.85),
            "text": ("13.4", "52.52"),
        },
    )
    line = {"type": "LineString", "coordinates": [[13.4, 52.5], [13.41, 52.51]]}
    await store.create("stations", {"id": "line", "providerId": "p1", "location": line})
    await store.create("stations", {"id": "absent", "providerId": "p1"})
    expected = {"inside", "west_edge", "north_east_corner"}
    assert await ids(store, Query(within=box)) == expected
    assert await ids(store, Query(near=Near("location", 13.4, 52.52, 2_000))) == {"inside"}


async def test_coordinates_below_float32_range_stay_exact(store: DocumentStore) -> None:
    # Found by the property test below: the R*Tree's float32 boxes underflow to 0 here.
    await put_points(store, {"tiny": (0.0, 8.4e-304), "negative_tiny": (0.0, -8.4e-304)})
    assert await ids(store, Query(within=Within("location", 0.0, 8.4e-304, 0.0, 8.4e-304))) == {"tiny"}
    assert await ids(store, Query(within=Within("location", 0.0, 0.0, 1.0, 1.0))) == {"tiny"}
    assert await ids(store, Query(near=Near("location", 0.0, 0.0, 1.0))) == {"tiny", "negative_tiny"}


async def test_malformed_geometry_never_matches() -> None:
    # SQLite only: the Cosmos stand-in fails the whole query on these (see cosmos_query._point).
    with tempfile.TemporaryDirectory() as folder:
        store = await _sqlite(folder)
        try:
            for n, bad in enumerate([None, {}, {"type": "Point"}, {"type": "Polygon"}, {"coordinates": [13.4, 52.5]}]):
                await store.create("stations", {"id": f"bad{n}", "providerId": "p1", "location": bad})
            await put_points(store, {"good": (13.4, 52.5)})
            assert await ids(store, Query(within=Within("location", 13, 52, 14, 53))) == {"good"}
            assert await ids(store, Query(near=Near("location", 13.4, 52.5, 10))) == {"good"}
        finally:
            await store.close()


async def test_a_wide_box_is_exact_along_its_latitude_edges(store: DocumentStore) -> None:
    # 20 degrees wide: a geodesic edge from corner to corner would bow ~0.4 degrees north of 50N.
    await put_points(store, {"south_middle": (10.0, 50.05), "north_middle": (10.0, 54.3), "outside": (10.0, 54.45)})
    assert await ids(store, Query(within=Within("location", 0.0, 50.0, 20.0, 54.4))) == {"south_middle", "north_middle"}


async def test_near_and_within_combine_with_filters_partitions_order_and_paging(store: DocumentStore) -> None:
    rng = random.Random(5)
    for i in range(30):
        lon, lat = offset(*CENTRE, rng.uniform(0, 8_000), rng.uniform(0, 360))
        doc = {"id": f"s{i:02d}", "providerId": f"p{i % 2}", "power": i, "location": point(lon, lat)}
        await store.create("stations", doc)
    docs = await all_pages(store, "stations", Query())
    box = Within("location", 13.35, 52.49, 13.45, 52.55)
    near = Near("location", *CENTRE, 4_000)

    def expect(doc: Document) -> bool:
        lon, lat = doc["location"]["coordinates"]
        in_box = box.min_lon <= lon <= box.max_lon and box.min_lat <= lat <= box.max_lat
        return in_box and distance_m(lon, lat, *CENTRE) <= near.radius_m and doc["providerId"] == "p1"

    expected = sorted((d["power"], d["id"]) for d in docs if expect(d) and d["power"] >= 5)
    query = Query(
        filters=(Filter("power", "ge", 5),), partition_key="p1", near=near, within=box, order_by="power", limit=2
    )
    assert [(d["power"], d["id"]) for d in await all_pages(store, "stations", query)] == expected
    assert expected, "the scenario must select something"


async def test_near_across_the_antimeridian_and_around_a_pole(store: DocumentStore) -> None:
    await put_points(
        store,
        {"east": (179.99, 0.0), "west": (-179.99, 0.0), "far_west": (-179.0, 0.0), "pole_a": (0.0, 89.99)},
    )
    await put_points(store, {"pole_b": (180.0, 89.99), "pole_far": (90.0, 89.0)})
    assert await ids(store, Query(near=Near("location", 179.995, 0.0, 5_000))) == {"east", "west"}
    assert await ids(store, Query(near=Near("location", 0.0, 89.995, 5_000))) == {"pole_a", "pole_b"}
    assert await ids(store, Query(near=Near("location", 0.0, 90.0, 2_000))) == {"pole_a", "pole_b"}


@pytest.mark.parametrize(
    "bounds", [(10.0, 50.0, 9.0, 51.0), (10.0, 51.0, 11.0, 50.0), (-181.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 91.0)]
)
def test_a_box_that_is_not_one_is_refused(bounds: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        Within("location", *bounds)


# --- the SQLite R*Tree stays true to the documents ---------------------------------


async def _sqlite(folder: str, containers: dict[str, ContainerSpec] = CONTAINERS) -> SqliteDocumentStore:
    return SqliteDocumentStore(os.path.join(folder, "geo.db"), containers)


async def test_the_index_follows_every_kind_of_write() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = await _sqlite(folder)
        try:
            near = Query(near=Near("location", *CENTRE, 1_000))
            first = await store.create("stations", {"id": "a", "providerId": "p", "location": point(*CENTRE)})
            assert await ids(store, near) == {"a"}
            await store.replace("stations", {**first, "location": point(2.35, 48.85)}, etag=first["_etag"])
            assert await ids(store, near) == set()
            await store.upsert("stations", {"id": "a", "providerId": "p", "location": point(*CENTRE)})
            await store.upsert("stations", {"id": "b", "providerId": "p", "location": point(*CENTRE)})
            assert await ids(store, near) == {"a", "b"}
            await store.replace("stations", {"id": "b", "providerId": "p"})  # no location any more
            await store.delete("stations", "a", "p")
            assert await ids(store, near) == set()
            await store.create("stations", {"id": "a", "providerId": "p", "location": point(*CENTRE)})
            assert await ids(store, near) == {"a"}
        finally:
            await store.close()


async def test_an_existing_database_is_indexed_when_the_path_becomes_spatial() -> None:
    plain = {"stations": ContainerSpec("stations", "providerId")}
    with tempfile.TemporaryDirectory() as folder:
        before = await _sqlite(folder, plain)
        await put_points(before, {"a": CENTRE, "b": (2.35, 48.85)})
        await before.close()
        after = await _sqlite(folder)
        try:
            assert await ids(after, Query(within=Within("location", 13.0, 52.0, 14.0, 53.0))) == {"a"}
        finally:
            await after.close()


async def test_expired_documents_leave_the_index() -> None:
    specs = {"places": ContainerSpec("places", "id", default_ttl=-1, spatial_paths=("at",))}
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteDocumentStore(os.path.join(folder, "ttl.db"), specs, clock)
        try:
            await store.create("places", {"id": "a", "ttl": 10, "at": point(*CENTRE)})
            clock.advance(seconds=11)
            await store.create("places", {"id": "b", "at": point(*CENTRE)})  # a write purges the expired row
            await store.create("places", {"id": "a", "at": point(*CENTRE)})
            assert {d["id"] for d in (await store.query("places", Query(near=Near("at", *CENTRE, 10)))).items} == {
                "a",
                "b",
            }
        finally:
            await store.close()


# --- the repository: the same stations, in the same order, on every store ----------


async def test_the_repository_ranks_alike_on_every_store(store: DocumentStore) -> None:
    clock = FakeClock()
    now = clock.now()
    points = ring(3_000, 8, seed=11)
    for n, (doc_id, (lon, lat)) in enumerate(sorted(points.items())):
        featured = n % 5 == 0
        doc = station_doc(
            doc_id,
            lon=lon,
            lat=lat,
            featured=(now - timedelta(days=1), now + timedelta(days=1)) if featured else None,
        )
        await store.create("stations", doc)
    radius = await find_candidates(store, Area.around(*CENTRE, 3_000), (), now=now)
    box = await find_candidates(store, Area.box(13.38, 52.50, 13.43, 52.535), (), now=now)
    assert {c.id for c in radius} == {k for k in points if not k.startswith("out")}
    expected_box = {k for k, (lon, lat) in points.items() if 13.38 <= lon <= 13.43 and 52.50 <= lat <= 52.535}
    assert {c.id for c in box} == expected_box
    for found in (radius, box):
        ranks = [(c.rank_m, c.id) for c in found]
        assert ranks == sorted(ranks)
    # every store yields these exact lists: pin them so the two parametrised runs must agree
    assert [c.id for c in radius] == _reference_order(points, CENTRE, now, radius_m=3_000)


def _reference_order(
    points: dict[str, tuple[float, float]], centre: tuple[float, float], now: Any, radius_m: float
) -> list[str]:
    ranked = []
    for n, (doc_id, (lon, lat)) in enumerate(sorted(points.items())):
        d = distance_m(lon, lat, *centre)
        if d > radius_m:
            continue
        boost = min(0.2 * d, 1_000) if n % 5 == 0 else 0.0
        ranked.append((d - boost, doc_id))
    return [doc_id for _, doc_id in sorted(ranked)]


# --- the R*Tree path agrees with a plain scan, anywhere on the globe ---------------

INDEXED = ContainerSpec("indexed", "pk", spatial_paths=("at",))
PLAIN = ContainerSpec("plain", "pk")
# Biased to where a box is easy to get wrong: high latitudes, the antimeridian, and
# points just inside the circle at its widest longitudes (the tangent is poleward of due east).
coordinates = st.tuples(
    st.floats(-180, 180) | st.floats(170, 180) | st.floats(-180, -170),
    st.floats(-90, 90) | st.floats(55, 89.99) | st.floats(-89.99, -55),
)
spot = st.tuples(
    st.floats(0, 3) | st.floats(0.98, 0.999999),
    st.floats(0, 360) | st.floats(60, 90) | st.floats(270, 300),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    centre=coordinates,
    radius=st.floats(1, 2_000_000),
    spots=st.lists(spot, min_size=1, max_size=25),
    box_size=st.tuples(st.floats(0, 40), st.floats(0, 20)),
)
async def test_the_index_and_a_scan_agree(
    centre: tuple[float, float], radius: float, spots: list[tuple[float, float]], box_size: tuple[float, float]
) -> None:
    points = {f"d{n}": offset(*centre, share * radius, bearing) for n, (share, bearing) in enumerate(spots)}
    lon, lat = centre
    box = Within(
        "at",
        max(-180, lon - box_size[0]),
        max(-90, lat - box_size[1]),
        min(180, lon + box_size[0]),
        min(90, lat + box_size[1]),
    )
    near = Near("at", lon, lat, radius)
    with tempfile.TemporaryDirectory() as folder:
        store = await _sqlite(folder, {"indexed": INDEXED, "plain": PLAIN})
        try:
            for name in ("indexed", "plain"):
                for doc_id, (x, y) in points.items():
                    await store.create(name, {"id": doc_id, "pk": "p", "at": point(x, y)})

            async def found(container: str, query: Query) -> set[str]:
                return {d["id"] for d in (await store.query(container, query)).items}

            in_box = {
                k for k, (x, y) in points.items() if box.min_lon <= x <= box.max_lon and box.min_lat <= y <= box.max_lat
            }
            assert await found("indexed", Query(within=box)) == await found("plain", Query(within=box)) == in_box
            by_index, by_scan = await found("indexed", Query(near=near)), await found("plain", Query(near=near))
            assert by_index == by_scan
            distances = {k: distance_m(x, y, lon, lat) for k, (x, y) in points.items()}
            undecided = {k for k, d in distances.items() if abs(d - radius) < 1e-6 * radius + 1e-3}
            assert by_index - undecided == {k for k, d in distances.items() if d <= radius} - undecided
        finally:
            await store.close()

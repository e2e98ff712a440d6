"""The R*Tree index behind ``Near`` and ``Within`` on SQLite, and the boxes that query it.

Each container with ``spatial_paths`` gets, per path, an R*Tree of points
(``<container>__geo__<path>``) plus one key table mapping the R*Tree's integer
ids to ``(pk, id)``. The main table has no INTEGER PRIMARY KEY, so its rowids may
change on VACUUM: the index therefore never relies on them.

Triggers on the main table keep the index: every INSERT, UPDATE and DELETE
(create, replace, upsert, delete and the lazy TTL purge alike) updates it inside
the writer's own ``BEGIN IMMEDIATE`` transaction, whichever process writes, and
they use only built-in SQL functions so that any connection can write. The
schema is checked once per connection; when it differs from what this code would
create (a new path, changed triggers), it is rebuilt and backfilled in one
transaction.

The R*Tree stores each point as a 32-bit float box rounded outwards (at most
a relative 2^-22 per coordinate: under 6 m anywhere on Earth). Queries use that
box twice: to pre-select candidates, and to decide every row clearly inside or
outside (more than ``BAND_M`` from a radius's edge, or its box wholly inside a
query box) without reading the document's JSON; only rows at the edge are tested
exactly on the document's own coordinates. An indexed row is a numeric GeoJSON
point by construction (the trigger's test), so that test is not repeated.
Outward rounding fails only below float32's range (|v| < 1e-38 degrees, which
underflows to 0): ``TINY_DEG`` widens every pre-selection and narrows every
"wholly inside" by far more than that.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BAND_M",
    "EARTH_RADIUS_M",
    "TINY_DEG",
    "Box",
    "distance_sql",
    "ensure_geo_index",
    "ensure_math",
    "geo_key_table",
    "geo_table",
    "haversine_m",
    "near_box",
]

# The mean Earth radius used by turf (and so by the Cosmos stand-in's ST_DISTANCE).
# Real Cosmos measures on the WGS-84 ellipsoid: results differ by well under 0.5%.
EARTH_RADIUS_M = 6371008.8
Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
# Beyond this distance from a radius's edge, the R*Tree's rounded coordinates decide alone (4x the worst rounding).
BAND_M = 25.0
TINY_DEG = 1e-9
_MATH = {"sin": math.sin, "cos": math.cos, "asin": math.asin, "sqrt": math.sqrt, "radians": math.radians}
# Floating-point slack on the radius's box: a point on the circle must never fall outside it.
_SLACK_DEG = 1e-7


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> float | None:
    """Great-circle distance in metres; registered as an SQL function for ``Near``.

    NULL (no distance, so no match) unless all four are numbers: a malformed
    point must drop out of the result, not abort the whole query.
    """
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon1, lat1, lon2, lat2)):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def ensure_math(conn: sqlite3.Connection) -> None:
    """SQLite's math functions where the build lacks them (SQLITE_ENABLE_MATH_FUNCTIONS): slower, same results."""
    for name, fn in _MATH.items():
        try:
            conn.execute(f"SELECT {name}(0.5)")
        except sqlite3.OperationalError:
            conn.create_function(name, 1, fn, deterministic=True)


def distance_sql(lon: str, lat: str, to_lon: str, to_lat: str) -> str:
    """Haversine in SQL arithmetic (no call into Python per row), for the R*Tree's own coordinates."""
    half_dlat, half_dlon = f"sin(radians({lat} - {to_lat}) / 2)", f"sin(radians({lon} - {to_lon}) / 2)"
    a = f"{half_dlat} * {half_dlat} + cos(radians({lat})) * cos(radians({to_lat})) * {half_dlon} * {half_dlon}"
    return f"(2 * {EARTH_RADIUS_M} * asin(min(1.0, sqrt({a}))))"


def geo_table(container: str, path: str) -> str:
    return f"{container}__geo__{path.replace('.', '__')}"


def geo_key_table(container: str) -> str:
    return f"{container}__geokey"


def near_box(lon: float, lat: float, radius_m: float) -> Box | None:
    """The lon/lat box holding every point within ``radius_m`` of (lon, lat) on the sphere.

    None where one box cannot: the circle reaches a pole (every longitude) or
    crosses the antimeridian; the caller then scans. The longitude half-width is
    the cap's true extent, asin(sin(d) / cos(lat)), wider than d / cos(lat) at
    high latitudes.
    """
    if not all(math.isfinite(v) for v in (lon, lat, radius_m)) or radius_m < 0:
        return None
    angle = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(angle) + _SLACK_DEG
    if lat - dlat <= -90 or lat + dlat >= 90:
        return None
    dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat))))) + _SLACK_DEG
    if lon - dlon < -180 or lon + dlon > 180:
        return None
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def _point(row: str, p: str) -> tuple[str, str, str]:
    """SQL for (is a numeric GeoJSON point, its lon, its lat) at JSON path ``p`` of ``row``.body."""
    lon, lat = f"'{p}.coordinates[0]'", f"'{p}.coordinates[1]'"
    test = (
        f"json_extract({row}.body, '{p}.type') = 'Point' "
        f"AND json_type({row}.body, {lon}) IN ('integer','real') "
        f"AND json_type({row}.body, {lat}) IN ('integer','real')"
    )
    return test, f"json_extract({row}.body, {lon})", f"json_extract({row}.body, {lat})"


def _schema(container: str, paths: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The tables' DDL and the triggers (name -> exact SQL, as sqlite_master keeps it)."""
    key = geo_key_table(container)
    tables = [
        f'CREATE TABLE "{key}" (rid INTEGER PRIMARY KEY, doc_pk TEXT NOT NULL, doc_id TEXT NOT NULL, '
        "UNIQUE (doc_pk, doc_id))"
    ]
    rid = f'(SELECT rid FROM "{key}" WHERE doc_pk = {{row}}.pk AND doc_id = {{row}}.id)'
    index, unindex = [], []
    for path, p in paths.items():
        tree = geo_table(container, path)
        tables.append(f'CREATE VIRTUAL TABLE "{tree}" USING rtree(rid, min_lon, max_lon, min_lat, max_lat)')
        test, lon, lat = _point("new", p)
        index.append(f'INSERT INTO "{tree}" SELECT {rid.format(row="new")}, {lon}, {lon}, {lat}, {lat} WHERE {test};')
        unindex.append(f'DELETE FROM "{tree}" WHERE rid = {rid.format(row="old")};')
    add_key = f'INSERT INTO "{key}" (doc_pk, doc_id) VALUES (new.pk, new.id) ON CONFLICT DO NOTHING;'
    drop_key = f'DELETE FROM "{key}" WHERE doc_pk = old.pk AND doc_id = old.id;'
    on = f'ON "{container}" FOR EACH ROW BEGIN'
    triggers = {
        f"{container}__geo_insert": f"AFTER INSERT {on} {add_key} {' '.join(index)} END",
        # pk and id never change in an UPDATE here: only body, etag and expiry do.
        f"{container}__geo_update": f"AFTER UPDATE OF body {on} {add_key} {' '.join(unindex)} {' '.join(index)} END",
        f"{container}__geo_delete": f"AFTER DELETE {on} {' '.join(unindex)} {drop_key} END",
    }
    return tables, {name: f'CREATE TRIGGER "{name}" {body}' for name, body in triggers.items()}


def ensure_geo_index(conn: sqlite3.Connection, container: str, paths: Mapping[str, str]) -> None:
    """Create (or rebuild and backfill) the container's geo index, atomically across processes.

    ``paths`` maps each spatial field path to its JSON path (``location`` -> ``$.location``).
    """
    tables, triggers = _schema(container, paths)
    prefix = f"{container}__geo"
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = dict(
            conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchall()
        )
        if current != triggers:
            _rebuild(conn, container, tables, triggers, paths)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _rebuild(
    conn: sqlite3.Connection, container: str, tables: list[str], triggers: dict[str, str], paths: Mapping[str, str]
) -> None:
    prefix = f"{container}__geo"

    def named(kind: str, sql_like: str) -> list[str]:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = ? AND substr(name, 1, ?) = ? AND sql LIKE ?",
            (kind, len(prefix), prefix, sql_like),
        ).fetchall()
        return [str(row[0]) for row in rows]

    # Triggers first (they name the tables), then R*Trees (which drop their shadow tables), then the rest.
    for name in named("trigger", "%"):
        conn.execute(f'DROP TRIGGER "{name}"')
    for name in named("table", "CREATE VIRTUAL TABLE%"):
        conn.execute(f'DROP TABLE "{name}"')
    for name in named("table", "%"):
        conn.execute(f'DROP TABLE "{name}"')
    for ddl in [*tables, *triggers.values()]:
        conn.execute(ddl)
    key = geo_key_table(container)
    conn.execute(f'INSERT INTO "{key}" (doc_pk, doc_id) SELECT pk, id FROM "{container}"')
    for path, p in paths.items():
        test, lon, lat = _point("t", p)
        conn.execute(
            f'INSERT INTO "{geo_table(container, path)}" SELECT k.rid, {lon}, {lon}, {lat}, {lat} '
            f'FROM "{container}" AS t JOIN "{key}" AS k ON k.doc_pk = t.pk AND k.doc_id = t.id WHERE {test}'
        )

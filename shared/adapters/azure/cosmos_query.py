"""Translate a store ``Query`` into parameterised Cosmos DB SQL.

Values always travel as parameters (``@p0``, ``@p1`` ...); field paths are
validated identifiers written with the quoted accessor (``c["a"]["b"]``), which
needs no escaping and cannot collide with a reserved word such as ``value``.
Cosmos' own semantics are the reference the SQLite translation copies: values
compare within one JSON type, a missing field is ``undefined`` and matches nothing.

``Within`` is the port's lon/lat rectangle, but Cosmos' geography polygons have
geodesic edges, which bow towards the pole between two corners at one latitude
(about 12 km at 45 degrees for a box 10 degrees wide). So the spatial index is
asked for a slightly larger polygon, densified to vertices at most one degree
apart (an edge then bows at most ~0.0011 degrees, well inside the 0.01-degree
margin), and the exact rectangle is cut by comparing the coordinates themselves.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

from shared.ports.store import ContainerSpec, Document, Filter, InvalidContinuation, Query, Within, projected_paths

__all__ = ["box_polygon", "build_sql", "nest", "projection", "prop", "unwrap_token", "wrap_token"]

_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COMPARE = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_MARGIN_DEG = 0.01
_EDGE_STEP_DEG = 1.0
# Beyond these, a polygon would come near a pole or span a hemisphere, which
# Cosmos refuses or reads as the inverse region: the coordinates alone decide (a scan).
_POLYGON_MAX_LAT, _POLYGON_MAX_SPAN = 85.0, 180.0


def prop(field: str) -> str:
    """``a.b`` -> ``c["a"]["b"]``."""
    parts = field.split(".")
    if not all(_SEGMENT.match(part) for part in parts):
        raise ValueError(f"invalid field path: {field!r}")
    return "c" + "".join(f'["{part}"]' for part in parts)


class _Params:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def __call__(self, value: Any) -> str:
        name = f"@p{len(self.items)}"
        self.items.append({"name": name, "value": value})
        return name


def _condition(f: Filter, bind: _Params) -> str:
    path = prop(f.field)
    if f.op in ("lt", "le", "gt", "ge") and (f.value is None or not isinstance(f.value, bool | int | float | str)):
        # Same rule as the SQLite adapter, so both refuse what only one could answer.
        raise ValueError(f"range filters take a number, string or boolean, not {f.value!r}")
    if f.op in _COMPARE:
        return f"{path} {_COMPARE[f.op]} {bind(f.value)}"
    if f.op == "in":
        values = list(f.value)
        # Cosmos SQL has no empty IN list.
        return f"{path} IN ({', '.join(bind(v) for v in values)})" if values else "false"
    if f.op == "contains":
        return f"ARRAY_CONTAINS({path}, {bind(f.value)})"
    if f.op == "startswith":
        if not isinstance(f.value, str):
            raise ValueError("startswith takes a string")
        return f"STARTSWITH({path}, {bind(f.value)})"
    if f.op == "defined":
        return f"IS_DEFINED({path})" if f.value else f"NOT IS_DEFINED({path})"
    raise ValueError(f"unknown filter op: {f.op!r}")


def box_polygon(w: Within) -> dict[str, Any] | None:
    """A counter-clockwise polygon holding the whole box (see the module docstring), or None."""
    x0, x1 = max(-180.0, w.min_lon - _MARGIN_DEG), min(180.0, w.max_lon + _MARGIN_DEG)
    y0, y1 = w.min_lat - _MARGIN_DEG, w.max_lat + _MARGIN_DEG
    if max(-y0, y1) > _POLYGON_MAX_LAT or x1 - x0 >= _POLYGON_MAX_SPAN:
        return None
    steps = max(1, math.ceil((x1 - x0) / _EDGE_STEP_DEG))
    xs = [x0 + (x1 - x0) * i / steps for i in range(steps + 1)]
    ring = [[x, y0] for x in xs] + [[x, y1] for x in reversed(xs)] + [[x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _point(field: str) -> tuple[str, str, str]:
    """(the field is a point with numeric coordinates, its lon, its lat), as SQLite tests it.

    Stand-in gap: its turf throws (a 400 for the whole query) when a spatial
    function meets geometry it cannot parse (null, ``{}``, a Polygon without
    coordinates), where Cosmos yields undefined. Guarding with ``? :`` would
    avoid that but keep Cosmos from using the spatial index, so the spatial
    function stays a plain conjunct; documents with a location are written
    through ``GeoPoint``, so the container never holds such values.
    """
    point = prop(field)
    lon, lat = f'{point}["coordinates"][0]', f'{point}["coordinates"][1]'
    return f'{point}["type"] = "Point" AND IS_NUMBER({lon}) AND IS_NUMBER({lat})', lon, lat


def _within(w: Within, bind: _Params) -> str:
    test, lon, lat = _point(w.field)
    exact = (
        f"{test} AND {lon} >= {bind(w.min_lon)} AND {lon} <= {bind(w.max_lon)} "
        f"AND {lat} >= {bind(w.min_lat)} AND {lat} <= {bind(w.max_lat)}"
    )
    polygon = box_polygon(w)
    return exact if polygon is None else f"{exact} AND ST_WITHIN({prop(w.field)}, {bind(polygon)})"


def projection(spec: ContainerSpec, fields: tuple[str, ...]) -> tuple[str, list[tuple[str, ...]]]:
    """The SELECT list of a projection (each path under an alias ``f0``, ``f1`` ...) and the paths.

    Flat aliases, not ``SELECT VALUE {"a": {"b": c.a.b}}``: an object literal keeps an
    enclosing ``{}`` where the document lacks the field, and the port wants it absent.
    Cosmos leaves an undefined alias out of the row, so ``nest`` rebuilds exactly
    the fields each document has.
    """
    paths = projected_paths(fields, spec.partition_key)
    return ", ".join(f"{prop('.'.join(p))} AS f{i}" for i, p in enumerate(paths)), paths


def nest(row: dict[str, Any], paths: list[tuple[str, ...]]) -> Document:
    """A projected row (aliases ``f0`` ...) back into the document's nesting."""
    doc: Document = {}
    for i, path in enumerate(paths):
        alias = f"f{i}"
        if alias not in row:
            continue
        target = doc
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = row[alias]
    return doc


def build_sql(spec: ContainerSpec, q: Query) -> tuple[str, list[dict[str, Any]]]:
    """The query text and its parameters, ready for ``ContainerProxy.query_items``."""
    if q.limit < 1:
        raise ValueError("limit must be at least 1")
    bind = _Params()
    where: list[str] = []
    if q.partition_key is not None:
        # Stand-in gap (DESIGN section 10): @vercel/cosmosdb-server ignores the
        # query's partition_key option, so the partition is also filtered here.
        # On Cosmos this is redundant and free: the query is routed to one partition anyway.
        where.append(f"{prop(spec.partition_key)} = {bind(q.partition_key)}")
    where += [_condition(f, bind) for f in q.filters]
    if q.near is not None:
        n = q.near
        point = f'{{"type": "Point", "coordinates": [{bind(n.lon)}, {bind(n.lat)}]}}'
        where.append(f"{_point(n.field)[0]} AND ST_DISTANCE({prop(n.field)}, {point}) <= {bind(n.radius_m)}")
    if q.within is not None:
        where.append(_within(q.within, bind))
    order = ""
    if q.order_by is not None:
        # The port's rule: ordering matches only documents that define the field.
        where.append(f"IS_DEFINED({prop(q.order_by)})")
        order = f" ORDER BY {prop(q.order_by)} {'DESC' if q.descending else 'ASC'}"
    select = "*" if q.fields is None else projection(spec, q.fields)[0]
    sql = f"SELECT {select} FROM c" + (f" WHERE {' AND '.join(where)}" if where else "") + order
    return sql, bind.items


def wrap_token(sdk_token: str | None) -> str | None:
    """The SDK's continuation token in an envelope of ours, so callers see one opaque string
    and a token this adapter never issued is refused here, whatever the server would make of it."""
    if not sdk_token:
        return None
    return base64.urlsafe_b64encode(json.dumps({"cosmos": sdk_token}).encode()).decode()


def unwrap_token(token: str) -> str:
    try:
        envelope = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidContinuation("invalid continuation token") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("cosmos"), str):
        raise InvalidContinuation("invalid continuation token")
    return str(envelope["cosmos"])

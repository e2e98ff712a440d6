"""Translate a store ``Query`` into SQLite SQL over ``json_extract``, with Cosmos semantics.

Cosmos compares values only within one JSON type (``5 = "5"`` is false, ``5 < "6"``
is undefined) and SQLite's ``json_extract`` blurs types (``true`` comes back as 1),
so every comparison also checks ``json_type``. A missing field makes every
condition false except ``defined = False``, as ``undefined`` does in Cosmos.

Ordering follows Cosmos' cross-type order (null < booleans < numbers < strings <
arrays < objects) by sorting on a type rank first, then the value, then
``(pk, id)`` so that ties have a stable order. Paging is a keyset cursor over that
same tuple, wrapped in base64 so callers treat it as opaque.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any

from shared.ports.store import Filter, Query

__all__ = ["EARTH_RADIUS_M", "decode_cursor", "encode_cursor", "haversine_m", "json_path", "select_sql"]

# The mean Earth radius used by turf (and so by the Cosmos stand-in's ST_DISTANCE).
# Real Cosmos measures on the WGS-84 ellipsoid: results differ by well under 0.5%.
EARTH_RADIUS_M = 6371008.8
_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = "('integer','real')"
_RANK = (
    "CASE json_type(body, {p}) WHEN 'null' THEN 1 WHEN 'true' THEN 2 WHEN 'false' THEN 2 "
    "WHEN 'integer' THEN 3 WHEN 'real' THEN 3 WHEN 'text' THEN 4 WHEN 'array' THEN 5 ELSE 6 END"
)


def json_path(field: str) -> str:
    """``a.b`` -> ``$.a.b``; segments are plain identifiers, so nothing needs quoting."""
    parts = field.split(".")
    if not all(_SEGMENT.match(part) for part in parts):
        raise ValueError(f"invalid field path: {field!r}")
    return "$." + ".".join(parts)


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


def _bind(params: list[Any], value: Any) -> str:
    """Append a parameter and name it by number: fragments can then reuse it freely."""
    params.append(value)
    return f"?{len(params)}"


def _typed_eq(type_sql: str, value_sql: str, value: Any, params: list[Any]) -> str:
    """``value_sql`` equals ``value`` with the same JSON type (never NULL, so NOT works)."""
    if value is None:
        return f"coalesce({type_sql} = 'null', 0)"
    if isinstance(value, bool):
        return f"coalesce({type_sql} = {_bind(params, 'true' if value else 'false')}, 0)"
    if isinstance(value, int | float):
        return f"coalesce({type_sql} IN {_NUMBER} AND {value_sql} = {_bind(params, value)}, 0)"
    if isinstance(value, str):
        return f"coalesce({type_sql} = 'text' AND {value_sql} = {_bind(params, value)}, 0)"
    if isinstance(value, list | dict):
        # Compared as minified JSON text: object key order matters here, unlike Cosmos.
        v = _bind(params, json.dumps(value, separators=(",", ":"), ensure_ascii=False))
        kind = "array" if isinstance(value, list) else "object"
        return f"coalesce({type_sql} = '{kind}' AND {value_sql} = json({v}), 0)"
    raise ValueError(f"unsupported filter value: {value!r}")


def _range(type_sql: str, value_sql: str, sql_op: str, value: Any, params: list[Any]) -> str:
    if isinstance(value, bool):
        return f"({type_sql} IN ('true','false') AND {value_sql} {sql_op} {_bind(params, int(value))})"
    if isinstance(value, int | float):
        return f"({type_sql} IN {_NUMBER} AND {value_sql} {sql_op} {_bind(params, value)})"
    if isinstance(value, str):
        return f"({type_sql} = 'text' AND {value_sql} {sql_op} {_bind(params, value)})"
    raise ValueError(f"range filters take a number, string or boolean, not {value!r}")


_RANGE_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _condition(f: Filter, params: list[Any]) -> str:
    p = _bind(params, json_path(f.field))
    type_sql, value_sql = f"json_type(body, {p})", f"json_extract(body, {p})"
    if f.op == "eq":
        return _typed_eq(type_sql, value_sql, f.value, params)
    if f.op == "ne":
        return f"({type_sql} IS NOT NULL AND NOT {_typed_eq(type_sql, value_sql, f.value, params)})"
    if f.op in _RANGE_OPS:
        return _range(type_sql, value_sql, _RANGE_OPS[f.op], f.value, params)
    if f.op == "in":
        values = list(f.value)
        if not values:
            return "0"
        return "(" + " OR ".join(_typed_eq(type_sql, value_sql, v, params) for v in values) + ")"
    if f.op == "contains":
        # json_each also walks objects and yields a scalar itself, hence the array check.
        inner = _typed_eq("e.type", "e.value", f.value, params)
        return f"({type_sql} = 'array' AND EXISTS (SELECT 1 FROM json_each(body, {p}) AS e WHERE {inner}))"
    if f.op == "startswith":
        if not isinstance(f.value, str):
            raise ValueError("startswith takes a string")
        v = _bind(params, f.value)
        return f"({type_sql} = 'text' AND substr({value_sql}, 1, length({v})) = {v})"
    if f.op == "defined":
        return f"({type_sql} IS {'NOT ' if f.value else ''}NULL)"
    raise ValueError(f"unknown filter op: {f.op!r}")


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(token: str, size: int) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError as exc:
        raise ValueError("invalid continuation token") from exc
    if not isinstance(key, list) or len(key) != size:
        raise ValueError("invalid continuation token")
    return key


def select_sql(table: str, q: Query, pk: str | None, now: float) -> tuple[str, list[Any], int]:
    """SQL selecting one page (``limit + 1`` rows, to know whether more follow).

    Returns the SQL, its parameters (positional ``?NNN``) and how many trailing
    columns form the sort key that ``encode_cursor`` takes from the last row.
    """
    if q.limit < 1:
        raise ValueError("limit must be at least 1")
    params: list[Any] = []
    where = [f"(expires_at IS NULL OR expires_at > {_bind(params, now)})"]
    if pk is not None:
        where.append(f"pk = {_bind(params, pk)}")
    where += [_condition(f, params) for f in q.filters]
    if q.near is not None:
        n = q.near
        path = json_path(n.field)
        t, lon, lat = (_bind(params, path + s) for s in (".type", ".coordinates[0]", ".coordinates[1]"))
        qlon, qlat, r = (_bind(params, v) for v in (n.lon, n.lat, n.radius_m))
        where.append(
            f"(json_extract(body, {t}) = 'Point' AND "
            f"haversine(json_extract(body, {lon}), json_extract(body, {lat}), {qlon}, {qlat}) <= {r})"
        )
    keys = ["pk", "id"]
    if q.order_by is not None:
        p = _bind(params, json_path(q.order_by))
        where.append(f"json_type(body, {p}) IS NOT NULL")
        keys = [_RANK.format(p=p), f"coalesce(json_extract(body, {p}), 0)", *keys]
    direction = "DESC" if q.descending else "ASC"
    if q.continuation is not None:
        cursor = decode_cursor(q.continuation, len(keys))
        marks = [_bind(params, value) for value in cursor]
        where.append(f"({', '.join(keys)}) {'<' if q.descending else '>'} ({', '.join(marks)})")
    limit = _bind(params, q.limit + 1)
    sql = (
        f'SELECT body, etag, {", ".join(keys)} FROM "{table}" WHERE {" AND ".join(where)} '
        f"ORDER BY {', '.join(f'{k} {direction}' for k in keys)} LIMIT {limit}"
    )
    return sql, params, len(keys)

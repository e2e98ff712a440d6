"""Translate a store ``Query`` into SQLite SQL over ``json_extract``, with Cosmos semantics.

Cosmos compares values only within one JSON type (``5 = "5"`` is false, ``5 < "6"``
is undefined) and SQLite's ``json_extract`` blurs types (``true`` comes back as 1),
so every comparison also checks ``json_type``. A missing field makes every
condition false except ``defined = False``, as ``undefined`` does in Cosmos.

``Near`` and ``Within`` are exact on the document's own coordinates; on a
spatial path an R*Tree join (``sqlite_geo``) narrows the rows to a box first
and settles all but the rows at the edge without reading their JSON.

A container's hot fields (``indexed_fields``) are read from their columns
(``sqlite_columns``), which hold what ``json_extract`` and ``json_type`` would
return: the same conditions, without parsing the body.

Ordering follows Cosmos' cross-type order (null < booleans < numbers < strings <
arrays < objects) by sorting on a type rank first, then the value, then
``(pk, id)`` so that ties have a stable order. Paging is a keyset cursor over that
same tuple, wrapped in base64 so callers treat it as opaque.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Collection
from typing import Any

from shared.adapters.embedded.sqlite_columns import type_column, value_column
from shared.adapters.embedded.sqlite_geo import (
    BAND_M,
    EARTH_RADIUS_M,
    TINY_DEG,
    distance_sql,
    geo_key_table,
    geo_table,
    haversine_m,
    near_box,
)
from shared.ports.store import Filter, InvalidContinuation, Near, Query, Within, projected_paths

__all__ = [
    "EARTH_RADIUS_M",
    "decode_cursor",
    "encode_cursor",
    "haversine_m",
    "json_path",
    "order_rows",
    "projection_sql",
    "select_sql",
]

_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = "('integer','real')"
_RANK = (
    "CASE {t} WHEN 'null' THEN 1 WHEN 'true' THEN 2 WHEN 'false' THEN 2 "
    "WHEN 'integer' THEN 3 WHEN 'real' THEN 3 WHEN 'text' THEN 4 WHEN 'array' THEN 5 ELSE 6 END"
)


def json_path(field: str) -> str:
    """``a.b`` -> ``$.a.b``; segments are plain identifiers, so nothing needs quoting."""
    parts = field.split(".")
    if not all(_SEGMENT.match(part) for part in parts):
        raise ValueError(f"invalid field path: {field!r}")
    return "$." + ".".join(parts)


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


def _column(f: Filter, pk_field: str | None, params: list[Any]) -> str | None:
    """``eq``/``in`` on ``id`` or the partition key with string values, on the key columns.

    The same answer as the JSON test (the columns hold the body's id and its partition
    key as JSON text, and a string's JSON text is unique), but the primary key
    ``(pk, id)`` can answer it: a read of a page's documents by key is then no scan.
    """
    if f.field not in ("id", pk_field) or f.op not in ("eq", "in"):
        return None
    values = [f.value] if f.op == "eq" else list(f.value)
    if not values or not all(isinstance(v, str) for v in values):
        return None
    if f.field == pk_field:  # the pk column holds JSON text; id is the plain string
        column, values = "pk", [json.dumps(v, separators=(",", ":")) for v in values]
    else:
        column = "id"
    return f"{column} IN ({', '.join(_bind(params, v) for v in values)})"


def _field_sql(field: str, params: list[Any], hot: Collection[str]) -> tuple[str, str]:
    """SQL for (the field's JSON type, its ``json_extract`` value): hot columns, or the body."""
    if field in hot:
        json_path(field)
        return type_column(field), value_column(field)
    p = _bind(params, json_path(field))
    return f"json_type(body, {p})", f"json_extract(body, {p})"


def _condition(f: Filter, params: list[Any], pk_field: str | None = None, hot: Collection[str] = ()) -> str:
    column = _column(f, pk_field, params)
    if column is not None:
        return column
    type_sql, value_sql = _field_sql(f.field, params, hot)
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
        # json_each over the extracted array: json_extract reuses the body's cached parse, so only
        # the array's own short text is parsed again (json_each(body, path) parses the whole body).
        return f"({type_sql} = 'array' AND EXISTS (SELECT 1 FROM json_each({value_sql}) AS e WHERE {inner}))"
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
        raise InvalidContinuation("invalid continuation token") from exc
    if not isinstance(key, list) or len(key) != size:
        raise InvalidContinuation("invalid continuation token")
    return key


def _point(field: str, params: list[Any]) -> tuple[str, str, str]:
    """SQL for (the field is a GeoJSON point with numeric coordinates, its lon, its lat)."""
    t, lon, lat = (_bind(params, json_path(field) + s) for s in (".type", ".coordinates[0]", ".coordinates[1]"))
    numeric = " AND ".join(f"json_type(body, {c}) IN {_NUMBER}" for c in (lon, lat))
    test = f"json_extract(body, {t}) = 'Point' AND {numeric}"
    return test, f"json_extract(body, {lon})", f"json_extract(body, {lat})"


def _near(n: Near, indexed: bool, params: list[Any]) -> list[str]:
    test, lon, lat = _point(n.field, params)
    qlon, qlat, r = (_bind(params, v) for v in (n.lon, n.lat, n.radius_m))
    exact = f"haversine({lon}, {lat}, {qlon}, {qlat}) <= {r}"
    if not indexed:
        return [f"({test} AND {exact})"]
    # The first term reads only the R*Tree row, so SQLite tests it before the joins.
    rounded, band = distance_sql("g.min_lon", "g.min_lat", qlon, qlat), _bind(params, BAND_M)
    return [f"{rounded} <= {r} + {band}", f"({rounded} <= {r} - {band} OR {exact})"]


def _within(w: Within, indexed: bool, params: list[Any]) -> list[str]:
    test, lon, lat = _point(w.field, params)
    west, east, south, north = (_bind(params, v) for v in (w.min_lon, w.max_lon, w.min_lat, w.max_lat))
    exact = f"{lon} BETWEEN {west} AND {east} AND {lat} BETWEEN {south} AND {north}"
    if not indexed:
        return [f"({test} AND {exact})"]
    # R*Tree boxes hold their point except below float32's range: hence the TINY_DEG margins.
    w_in, e_in, s_in, n_in = (
        _bind(params, v)
        for v in (w.min_lon + TINY_DEG, w.max_lon - TINY_DEG, w.min_lat + TINY_DEG, w.max_lat - TINY_DEG)
    )
    w_out, e_out, s_out, n_out = (
        _bind(params, v)
        for v in (w.min_lon - TINY_DEG, w.max_lon + TINY_DEG, w.min_lat - TINY_DEG, w.max_lat + TINY_DEG)
    )
    inside = f"g.min_lon >= {w_in} AND g.max_lon <= {e_in} AND g.min_lat >= {s_in} AND g.max_lat <= {n_in}"
    overlap = f"g.min_lon <= {e_out} AND g.max_lon >= {w_out} AND g.min_lat <= {n_out} AND g.max_lat >= {s_out}"
    return [overlap, f"(({inside}) OR ({exact}))"]


def _geo(table: str, q: Query, spatial: Collection[str], params: list[Any]) -> tuple[str, list[str]]:
    """The FROM clause and the geo conditions (see ``sqlite_geo`` for how the R*Tree decides rows).

    With an R*Tree on a queried field, the query starts from it (CROSS JOIN
    fixes that loop order) and reads only the rows in the query's box. A radius
    gives a box unless it reaches a pole or the antimeridian: it then scans.
    """
    box = None if q.near is None else near_box(q.near.lon, q.near.lat, q.near.radius_m)
    usable = [w.field for w in (q.within,) if w is not None] + ([q.near.field] if q.near and box else [])
    field = next((f for f in usable if f in spatial), None)
    where: list[str] = []
    if q.near is not None:
        where += _near(q.near, q.near.field == field, params)
        if box is not None and q.near.field == field:
            x0, y0, x1, y1 = (_bind(params, v) for v in box)
            where += [f"g.min_lon <= {x1}", f"g.max_lon >= {x0}", f"g.min_lat <= {y1}", f"g.max_lat >= {y0}"]
    if q.within is not None:
        where += _within(q.within, q.within.field == field, params)
    if field is None:
        return f'"{table}"', where
    source = (
        f'"{geo_table(table, field)}" AS g CROSS JOIN "{geo_key_table(table)}" AS k ON k.rid = g.rid '
        f'CROSS JOIN "{table}" ON pk = k.doc_pk AND id = k.doc_id'
    )
    return source, where


def order_rows(rows: list[Any], descending: bool) -> None:
    """Sort fetched rows by their trailing key columns, as the SQL's ORDER BY would.

    The keys within one type rank are all numbers or all text, and Python orders
    those as SQLite does (text by code point, which is UTF-8 byte order).
    """
    rows.sort(key=lambda row: tuple(row[2:]), reverse=descending)


def _hot_json(field: str, row: str) -> str:
    """A hot field's JSON text from its columns; from the body only for a real number (or an
    integer beyond 64 bits), whose text SQLite would not render exactly as the body holds it."""
    t, v = f"{row}.{type_column(field)}", f"{row}.{value_column(field)}"
    return (
        f"CASE {t} WHEN 'text' THEN json_quote({v}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
        f"WHEN 'null' THEN 'null' WHEN 'array' THEN {v} WHEN 'object' THEN {v} "
        f"WHEN 'integer' THEN iif(typeof({v}) = 'integer', CAST({v} AS TEXT), {row}.body -> '{json_path(field)}') "
        f"WHEN 'real' THEN {row}.body -> '{json_path(field)}' END"
    )


def projection_sql(fields: tuple[str, ...], pk_field: str, row: str = "t", hot: Collection[str] = ()) -> str:
    """SQL building the projected document as one small JSON text (see ``Query.fields``).

    ``body -> path`` is the value's JSON text, or NULL where the document lacks it;
    each member is rendered as ``,"name":value`` (NULL, so dropped, when missing), an
    enclosing object only when one of its members is there. SQLite's C code does the
    extraction; Python then decodes a few dozen bytes instead of the whole body.
    """
    tree: dict[str, Any] = {}
    for path in projected_paths(fields, pk_field):
        json_path(".".join(path))  # validates every segment: they are written into the SQL
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = None

    def members(node: dict[str, Any], prefix: str) -> str:
        parts = []
        for name, child in node.items():
            path = f"{prefix}.{name}"
            if child is None:
                field = path[2:]
                if field == "id":  # the id column is the body's id; the pk column its partition key's JSON text
                    value = f"json_quote({row}.id)"
                elif field == pk_field:
                    value = f"{row}.pk"
                elif field in hot:
                    value = _hot_json(field, row)
                else:
                    value = f"{row}.body -> '{path}'"
                parts.append(f"""coalesce(',"{name}":' || ({value}), '')""")
            else:
                inner = members(child, path)
                parts.append(f"""coalesce(',"{name}":{{' || substr(nullif({inner}, ''), 2) || '}}', '')""")
        return " || ".join(parts)

    return f"'{{' || substr({members(tree, '$')}, 2) || '}}'"


def select_sql(
    table: str,
    q: Query,
    pk: str | None,
    now: float,
    spatial: Collection[str] = (),
    pk_field: str | None = None,
    hot: Collection[str] = (),
) -> tuple[str, list[Any], int]:
    """SQL selecting one page (``limit + 1`` rows, to know whether more follow).

    ``spatial`` names the fields that have an R*Tree (the container's spatial
    paths); ``pk_field`` the partition key field (its filters then use the key
    column; a projection needs it); ``hot`` the fields with columns of their own.
    Returns the SQL, its parameters (positional ``?NNN``) and how many trailing columns form the sort key that
    ``encode_cursor`` takes from the last row. The first column is the body (or,
    with ``q.fields``, the projected document), the second its ETag (NULL when projected).
    """
    if q.limit < 1:
        raise ValueError("limit must be at least 1")
    params: list[Any] = []
    where = [f"(expires_at IS NULL OR expires_at > {_bind(params, now)})"]
    if pk is not None:
        where.append(f"pk = {_bind(params, pk)}")
    where += [_condition(f, params, pk_field, hot) for f in q.filters]
    source, geo = _geo(table, q, spatial, params)
    where += geo
    keys = ["pk", "id"]
    if q.order_by is not None:
        type_sql, value_sql = _field_sql(q.order_by, params, hot)
        where.append(f"{type_sql} IS NOT NULL")
        keys = [_RANK.format(t=type_sql), f"coalesce({value_sql}, 0)", *keys]
    direction = "DESC" if q.descending else "ASC"
    if q.continuation is not None:
        cursor = decode_cursor(q.continuation, len(keys))
        marks = [_bind(params, value) for value in cursor]
        where.append(f"({', '.join(keys)}) {'<' if q.descending else '>'} ({', '.join(marks)})")
    limit = _bind(params, q.limit + 1)
    named = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
    rest = f"FROM {source} WHERE {' AND '.join(where)} ORDER BY {', '.join(f'{k} {direction}' for k in keys)}"
    if q.fields is not None:
        if pk_field is None:
            raise ValueError("a projection needs the partition key field")
        # Built where the row is tested: SQLite (3.40 included) keeps the last few parsed JSON texts
        # for the whole statement, so the projection reuses the filters' parse of the body instead
        # of parsing it again after the sort. A projection is short: sorting it costs little.
        projected = projection_sql(q.fields, pk_field, row=f'"{table}"', hot=hot)
        return f"SELECT {projected}, NULL, {named} {rest} LIMIT {limit}", params, len(keys)
    # Two phases: choose the page on the keys alone, then fetch the bodies by rowid. Sorting
    # whole bodies copies them through SQLite's sorter (most of a geo query's time), so the
    # caller puts the fetched rows back in key order (``order_rows``).
    page = f'SELECT "{table}".rowid AS r, {named} {rest} LIMIT {limit}'
    keys_sql = ", ".join(f"p.k{i}" for i in range(len(keys)))
    sql = f'SELECT t.body, t.etag, {keys_sql} FROM ({page}) AS p CROSS JOIN "{table}" AS t ON t.rowid = p.r'
    return sql, params, len(keys)

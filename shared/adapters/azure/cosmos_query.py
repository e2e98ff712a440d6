"""Translate a store ``Query`` into parameterised Cosmos DB SQL.

Values always travel as parameters (``@p0``, ``@p1`` ...); field paths are
validated identifiers written with the quoted accessor (``c["a"]["b"]``), which
needs no escaping and cannot collide with a reserved word such as ``value``.
Cosmos' own semantics are the reference the SQLite translation copies: values
compare within one JSON type, a missing field is ``undefined`` and matches nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from shared.ports.store import ContainerSpec, Filter, Query

__all__ = ["build_sql", "prop", "unwrap_token", "wrap_token"]

_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COMPARE = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


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
        where.append(f"ST_DISTANCE({prop(n.field)}, {point}) <= {bind(n.radius_m)}")
    order = ""
    if q.order_by is not None:
        # The port's rule: ordering matches only documents that define the field.
        where.append(f"IS_DEFINED({prop(q.order_by)})")
        order = f" ORDER BY {prop(q.order_by)} {'DESC' if q.descending else 'ASC'}"
    sql = "SELECT * FROM c" + (f" WHERE {' AND '.join(where)}" if where else "") + order
    return sql, bind.items


def wrap_token(sdk_token: str | None) -> str | None:
    """The SDK's continuation token (JSON today), wrapped so callers see one opaque string."""
    return None if not sdk_token else base64.urlsafe_b64encode(sdk_token.encode()).decode()


def unwrap_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("invalid continuation token") from exc

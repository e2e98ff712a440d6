"""Hot fields on SQLite: a container's ``indexed_fields`` kept in real columns beside the body.

Each hot field (a dotted path) has two columns: ``"v:<path>"`` holds exactly what
``json_extract(body, path)`` returns (text, integer, real, 0/1 for booleans, NULL for
null or missing, the minified JSON text of an array or object) and ``"t:<path>"``
what ``json_type(body, path)`` returns (NULL when missing). The columns have no
declared type, so SQLite stores those values unchanged. They are written from the
body by the same INSERT or UPDATE statement that writes it, with the same SQL
functions, so a filter, an ORDER BY or a projection reading them gives what it
would give reading the body, without parsing the body.

On open, ``ensure_columns`` adds the columns a container lacks and fills them from
the bodies (and drops those of fields no longer declared, which writes would no longer keep),
in one ``BEGIN IMMEDIATE`` transaction, as the geo index's backfill does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

__all__ = ["bound_values", "column_writes", "ensure_columns", "type_column", "value_column"]

_PREFIXES = ("v:", "t:")
_MISSING = object()
_LEAVES = frozenset({str, int, float, bool, type(None), list, tuple})  # JSON values no path goes into


def value_column(field: str) -> str:
    return f'"v:{field}"'


def type_column(field: str) -> str:
    return f'"t:{field}"'


def column_writes(paths: Mapping[str, str], body_sql: str) -> tuple[list[str], list[str]]:
    """The hot columns (quoted names) and the SQL computing each from ``body_sql`` (a bound body)."""
    names: list[str] = []
    values: list[str] = []
    for field, p in paths.items():
        names += [value_column(field), type_column(field)]
        values += [f"json_extract({body_sql}, '{p}')", f"json_type({body_sql}, '{p}')"]
    return names, values


def bound_values(body: Mapping[str, object], fields: Sequence[tuple[str, ...]]) -> tuple[object, ...] | None:
    """The hot columns' values (value, type per field, as ``column_writes`` orders them) for a body whose hot
    fields are all text or missing, as ``json_extract``/``json_type`` compute them: (the text, ``"text"``), or
    (NULL, NULL). None for any other value (a number, a JSON null...): the statement then computes them from
    the body, as before.

    ``fields``: each hot field's path split at its dots. Binding them spares SQLite parsing the body four times
    per insert (a meter sample is inserted per reading)."""
    values: list[object] = []
    for parts in fields:
        value: object = body
        for part in parts:
            if type(value) is dict:
                value = value.get(part, _MISSING)
            elif value is _MISSING or type(value) in _LEAVES:  # no such path in the JSON
                value = _MISSING
            else:  # a mapping of another type: let SQLite read the encoded body
                return None
        if value is _MISSING:
            values += (None, None)
        elif type(value) is str and "\x00" not in value:  # SQLite's text ends at a NUL: leave that to it
            values += (value, "text")
        else:
            return None
    return tuple(values)


def ensure_columns(conn: sqlite3.Connection, table: str, paths: Mapping[str, str]) -> None:
    """Add (and backfill) missing hot columns, drop undeclared ones: atomically across processes.

    ``paths`` maps each hot field to its JSON path (``maxPowerKw`` -> ``$.maxPowerKw``).
    """
    if not paths and not _hot_columns(conn, table):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        present = _hot_columns(conn, table)  # again, under the write lock: another process may have migrated
        complete = {f for f in paths if f"v:{f}" in present and f"t:{f}" in present}
        for name in sorted(present):
            if name[2:] not in complete:
                conn.execute(f'ALTER TABLE "{table}" DROP COLUMN "{name}"')
        missing = [f for f in paths if f not in complete]
        for field in missing:
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN {value_column(field)}')
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN {type_column(field)}')
        if missing:
            names, values = column_writes({f: paths[f] for f in missing}, "body")
            sets = ", ".join(f"{n} = {v}" for n, v in zip(names, values, strict=True))
            conn.execute(f'UPDATE "{table}" SET {sets}')
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _hot_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    rows: Sequence[tuple[object, ...]] = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    return {str(row[1]) for row in rows if str(row[1])[:2] in _PREFIXES}

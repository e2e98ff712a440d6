"""The SQLite store's hot columns when a create binds them (sqlite_columns.bound_values: every hot field text or
missing) instead of computing them with json_extract/json_type: each row's columns must be exactly what those
functions give for its stored body, whatever the document holds, on both the store's thread and the group
commit on the event loop."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.embedded.sqlite_columns import bound_values
from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import ContainerSpec

SPEC = ContainerSpec("things", "pk", indexed_fields=("name", "at", "place.city", "kind"))
COLUMNS = [("name", "$.name"), ("at", "$.at"), ("place.city", "$.place.city"), ("kind", "$.kind")]
FIELDS = (("name",), ("at",), ("place", "city"), ("kind",))

texts = st.text(max_size=12)  # any code point but lone surrogates (not UTF-8), NUL and escapes included
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
values = texts | scalars | st.lists(texts | st.integers(), max_size=3) | st.dictionaries(texts, texts, max_size=2)
places = values | st.fixed_dictionaries({}, optional={"city": values, "zip": texts})
documents = st.fixed_dictionaries(
    {}, optional={"name": values, "at": texts | scalars, "place": places, "kind": texts}
).filter(lambda d: all("\ud800" > c or c > "\udfff" for c in str(d)))


def _columns(path: Path) -> list[tuple[Any, ...]]:
    hot = ", ".join(f"\"v:{f}\" IS json_extract(body, '{p}'), \"t:{f}\" IS json_type(body, '{p}')" for f, p in COLUMNS)
    with closing(sqlite3.connect(path)) as db:
        return db.execute(f"SELECT id, {hot} FROM things").fetchall()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(documents, min_size=1, max_size=6))
async def test_bound_hot_columns_are_what_json_extract_gives(tmp_path: Path, docs: list[dict[str, Any]]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.db"  # tmp_path is shared by the examples
    store = SqliteDocumentStore(path, containers={"things": SPEC})
    try:
        for n, doc in enumerate(docs):  # the first on the store's thread (it creates the table), then the group
            await store.create("things", {**doc, "id": f"d{n}", "pk": "p"})
    finally:
        await store.close()
    rows = _columns(path)
    assert len(rows) == len(docs)
    for row in rows:
        assert all(row[1:]), row  # every hot column IS what SQLite computes from the body


def test_only_text_or_missing_fields_are_bound() -> None:
    assert bound_values({"name": "a", "place": {"city": "Lyon"}}, FIELDS) == (
        "a",
        "text",
        None,
        None,
        "Lyon",
        "text",
        None,
        None,
    )
    assert bound_values({"place": "Lyon"}, FIELDS) == (None,) * 8  # no path into a string
    assert bound_values({"name": None}, FIELDS) is None  # a JSON null: json_type says "null", SQLite computes it
    assert bound_values({"name": 5}, FIELDS) is None
    assert bound_values({"name": "a\x00b"}, FIELDS) is None
    assert bound_values({"place": {"city": ["x"]}}, FIELDS) is None

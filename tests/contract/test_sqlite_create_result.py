"""What the SQLite store's create returns on its hot path (the group commit): exactly what a read gives back,
in a dict of its own, whether the document is flat (copied) or nested (parsed again from the stored text)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import DocumentConflict

FLAT: dict[str, Any] = {
    "id": "ses_x_1:2026-11-30T08:00:00.000000Z:Sample.Periodic", "type": "sample", "sessionId": "ses_x_1",
    "at": "2026-11-30T08:00:00.000000Z", "registerWh": 123_456, "powerW": 50_000.5, "soc": -0.0, "ok": True,
    "none": None, "text": "Zürich \u2603 \"quoted\"", "big": 2**70, "ttl": 60,
}  # fmt: skip
NESTED: dict[str, Any] = {"id": "n1", "sessionId": "ses_x_1", "values": [1, 2.5, {"a": None}], "t": (1, 2)}


@pytest.mark.parametrize("doc", [FLAT, NESTED], ids=["flat", "nested"])
async def test_create_returns_what_a_read_returns(tmp_path: Path, doc: dict[str, Any]) -> None:
    store = SqliteDocumentStore(tmp_path / "store.db")
    try:
        await store.create("meter_samples", {"id": "seed", "sessionId": "ses_x_1"})  # table there: the group path
        sent = {**doc, "_etag": "stale", "_ts": 1}  # system properties are never stored
        created = await store.create("meter_samples", sent)
        read = await store.read("meter_samples", doc["id"], "ses_x_1")
        assert created == read and type(created) is dict
        assert created["_etag"] != "stale" and "_ts" not in created
        assert [type(v) for v in created.values()] == [type(v) for v in read.values()]
        created["powerW"] = "changed"
        assert sent == {**doc, "_etag": "stale", "_ts": 1}  # a copy: the caller's dict is untouched
        assert await store.read("meter_samples", doc["id"], "ses_x_1") == read
        with pytest.raises(DocumentConflict):
            await store.create("meter_samples", doc)
    finally:
        await store.close()


async def test_a_conflict_in_a_group_fails_only_its_create(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "store.db")
    try:
        await store.create("meter_samples", {"id": "taken", "sessionId": "s", "n": 0})
        results = await asyncio.gather(
            *(store.create("meter_samples", {"id": i, "sessionId": "s", "n": 1}) for i in ("a", "taken", "b")),
            return_exceptions=True,
        )
        assert isinstance(results[1], DocumentConflict)
        assert [r["id"] for r in results if isinstance(r, dict)] == ["a", "b"]
        assert (await store.read("meter_samples", "taken", "s"))["n"] == 0
        assert (await store.read("meter_samples", "a", "s"))["n"] == 1
    finally:
        await store.close()

"""Differential test: random writes and queries give the same answers on SQLite and Cosmos.

Hypothesis draws a sequence of creates, replaces, upserts and deletes (with no,
current or stale ETags) and a few queries (filters over fields of one JSON type
each, plus null; one ORDER BY; a partition; random page sizes; sometimes a
projection). Both adapters run
the same sequence; every outcome and every query result must agree. Results are
compared as the concatenation of all pages: for ordered queries, the sequence of
order keys and the set of documents (ties may come in any order).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import ContainerSpec, Document, DocumentStore, Filter, Query
from tests.contract.conftest import CosmosStandin, cosmos_store, drop_database

pytestmark = pytest.mark.cosmos

SPEC = ContainerSpec("docs", "pk")
CONTAINERS = {"docs": SPEC}
IDS = ["d0", "d1", "d2", "d3"]
PARTITIONS = ["a", "b"]
STRINGS = ["", "a", "ab", "b", "ba", "B"]
TAGS = ["x", "y", "z"]

ints = st.integers(0, 4)
strings = st.sampled_from(STRINGS)
docs = st.fixed_dictionaries(
    {"id": st.sampled_from(IDS), "pk": st.sampled_from(PARTITIONS)},
    optional={
        "n": ints,
        "s": st.none() | strings,
        "flag": st.booleans(),
        "tags": st.lists(st.sampled_from(TAGS), max_size=3),
        "nested": st.fixed_dictionaries({}, optional={"k": ints}),
    },
)
etag_modes = st.sampled_from([None, "current", "stale"])
operations = st.one_of(
    st.tuples(st.just("create"), docs),
    st.tuples(st.just("replace"), docs, etag_modes),
    st.tuples(st.just("upsert"), docs, etag_modes),
    st.tuples(st.just("delete"), st.sampled_from(IDS), st.sampled_from(PARTITIONS), etag_modes),
)
filters = st.one_of(
    st.builds(Filter, st.just("n"), st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]), ints),
    st.builds(Filter, st.just("n"), st.just("in"), st.lists(ints, max_size=3)),
    st.builds(Filter, st.just("s"), st.sampled_from(["eq", "ne"]), st.none() | strings),
    st.builds(Filter, st.just("s"), st.sampled_from(["lt", "ge", "startswith"]), strings),
    st.builds(Filter, st.just("s"), st.just("in"), st.lists(st.none() | strings, max_size=3)),
    st.builds(Filter, st.just("flag"), st.sampled_from(["eq", "ne"]), st.booleans()),
    st.builds(Filter, st.just("tags"), st.just("contains"), st.sampled_from(TAGS)),
    st.builds(Filter, st.just("nested.k"), st.sampled_from(["eq", "gt"]), ints),
    st.builds(Filter, st.sampled_from(["n", "s", "flag", "nested", "nested.k"]), st.just("defined"), st.booleans()),
)
queries = st.builds(
    Query,
    filters=st.lists(filters, max_size=2).map(tuple),
    order_by=st.none() | st.sampled_from(["n", "s", "flag", "nested.k"]),
    descending=st.booleans(),
    limit=st.integers(1, 6),
    partition_key=st.none() | st.sampled_from(PARTITIONS),
    # Sometimes a projection: nested paths, overlapping ones, missing ones, the partition key itself.
    fields=st.none()
    | st.lists(st.sampled_from(["n", "s", "flag", "tags", "nested", "nested.k", "nested.j", "pk", "id", "x.y"])).map(
        tuple
    ),
)


@pytest.fixture(scope="module")
def shared_database(cosmos_standin: CosmosStandin) -> Iterator[str]:
    """One Cosmos database for every example; each example empties its container."""
    name = f"diff_{uuid.uuid4().hex[:12]}"
    yield name
    asyncio.run(drop_database(cosmos_standin, name))


def _field(doc: Document, path: str) -> Any:
    for part in path.split("."):
        if part not in doc:  # not projected
            return "<not projected>"
        doc = doc[part]
    return doc


def _body(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k != "_etag"}


class Runner:
    """One adapter plus the ETags it handed out, so "current" and "stale" mean the same on both."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.etags: dict[tuple[str, str], list[str]] = {}

    def etag(self, key: tuple[str, str], mode: str | None) -> str | None:
        seen = self.etags.get(key, [])
        if mode == "current":
            return seen[-1] if seen else "no-such-etag"
        if mode == "stale":
            return seen[-2] if len(seen) > 1 else "no-such-etag"
        return None

    async def apply(self, op: tuple[Any, ...]) -> Any:
        kind = op[0]
        try:
            if kind == "delete":
                _, doc_id, pk, mode = op
                await self.store.delete("docs", doc_id, pk, etag=self.etag((pk, doc_id), mode))
                return "deleted"
            doc = op[1]
            key = (doc["pk"], doc["id"])
            if kind == "create":
                result = await self.store.create("docs", doc)
            elif kind == "replace":
                result = await self.store.replace("docs", doc, etag=self.etag(key, op[2]))
            else:
                result = await self.store.upsert("docs", doc, etag=self.etag(key, op[2]))
            self.etags.setdefault(key, []).append(result["_etag"])
            return _body(result)
        except Exception as exc:  # the error class is the outcome to compare
            return type(exc).__name__

    async def run(self, query: Query) -> tuple[list[Any], list[tuple[str, str, Document]]]:
        items: list[Document] = []
        continuation = None
        for _ in range(200):
            page = await self.store.query("docs", Query(**{**query.__dict__, "continuation": continuation}))
            assert len(page.items) <= query.limit
            items += page.items
            continuation = page.continuation
            if continuation is None:
                break
        else:
            raise AssertionError("paging did not end")
        keys = [_field(doc, query.order_by) for doc in items] if query.order_by else []
        return keys, sorted((d["pk"], d["id"], _body(d)) for d in items)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operations, min_size=3, max_size=20), qs=st.lists(queries, min_size=4, max_size=10))
async def test_sqlite_and_cosmos_agree(
    cosmos_standin: CosmosStandin, shared_database: str, ops: list[tuple[Any, ...]], qs: list[Query]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        sqlite = Runner(SqliteDocumentStore(os.path.join(folder, "diff.db"), CONTAINERS))
        cosmos = Runner(cosmos_store(cosmos_standin, shared_database, CONTAINERS))
        try:
            for op in ops:
                assert await sqlite.apply(op) == await cosmos.apply(op), op
            for query in [*qs, Query(limit=100)]:
                assert await sqlite.run(query) == await cosmos.run(query), query
        finally:
            try:  # empty the shared container for the next example
                for pk, doc_id, _ in (await cosmos.run(Query(limit=100)))[1]:
                    await cosmos.store.delete("docs", doc_id, pk)
            finally:
                await sqlite.store.close()
                await cosmos.store.close()

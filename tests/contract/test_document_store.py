"""The DocumentStore contract, run against every adapter (the ``store`` fixture)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest

from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.ports.store import (
    ContainerSpec,
    Document,
    DocumentConflict,
    DocumentNotFound,
    DocumentStore,
    Filter,
    InvalidContinuation,
    Near,
    PreconditionFailed,
    Query,
)
from tests.fakes import FakeClock as SettableClock

SYSTEM_PROPERTIES = {"_rid", "_self", "_attachments", "_ts"}
PARIS = (2.3522, 48.8566)


def body(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k != "_etag"}


async def all_pages(store: DocumentStore, container: str, query: Query) -> list[Document]:
    items: list[Document] = []
    continuation = None
    for _ in range(100):
        page = await store.query(container, _with(query, continuation=continuation))
        assert len(page.items) <= query.limit
        items += page.items
        continuation = page.continuation
        if continuation is None:
            return items
    raise AssertionError("paging did not end")


def _with(query: Query, **changes: Any) -> Query:
    return Query(**{**query.__dict__, **changes})


async def ids(store: DocumentStore, query: Query, container: str = "stations") -> list[str]:
    return [doc["id"] for doc in await all_pages(store, container, query)]


# --- point operations --------------------------------------------------------------


async def test_create_then_read(store: DocumentStore) -> None:
    created = await store.create("users", {"id": "usr_1", "name": "Ada", "roles": ["driver"]})
    assert isinstance(created["_etag"], str) and created["_etag"]
    assert body(created) == {"id": "usr_1", "name": "Ada", "roles": ["driver"]}
    read = await store.read("users", "usr_1", "usr_1")
    assert read == created
    assert not SYSTEM_PROPERTIES & read.keys()


async def test_read_missing(store: DocumentStore) -> None:
    with pytest.raises(DocumentNotFound):
        await store.read("users", "usr_nobody", "usr_nobody")
    await store.create("sessions", {"id": "ses_1", "stationId": "stn_1"})
    with pytest.raises(DocumentNotFound):  # right id, wrong partition
        await store.read("sessions", "ses_1", "stn_2")


async def test_create_duplicate_conflicts(store: DocumentStore) -> None:
    await store.create("users", {"id": "usr_1", "name": "Ada"})
    with pytest.raises(DocumentConflict):
        await store.create("users", {"id": "usr_1", "name": "Bob"})
    assert (await store.read("users", "usr_1", "usr_1"))["name"] == "Ada"


async def test_same_id_in_two_partitions(store: DocumentStore) -> None:
    await store.create("sessions", {"id": "ses_1", "stationId": "stn_1", "kwh": 1})
    await store.create("sessions", {"id": "ses_1", "stationId": "stn_2", "kwh": 2})
    assert (await store.read("sessions", "ses_1", "stn_1"))["kwh"] == 1
    assert (await store.read("sessions", "ses_1", "stn_2"))["kwh"] == 2
    with pytest.raises(DocumentConflict):
        await store.create("sessions", {"id": "ses_1", "stationId": "stn_2"})
    await store.delete("sessions", "ses_1", "stn_1")
    assert (await store.read("sessions", "ses_1", "stn_2"))["kwh"] == 2


async def test_replace_with_etag(store: DocumentStore) -> None:
    first = await store.create("counters", {"id": "inv:prv_1", "next": 1})
    second = await store.replace("counters", {**first, "next": 2}, etag=first["_etag"])
    assert second["next"] == 2 and second["_etag"] != first["_etag"]
    with pytest.raises(PreconditionFailed):  # a writer still holding the first version
        await store.replace("counters", {**first, "next": 99}, etag=first["_etag"])
    assert await store.read("counters", "inv:prv_1", "inv:prv_1") == second


async def test_replace_without_etag_ignores_a_stale_etag_in_the_body(store: DocumentStore) -> None:
    first = await store.create("counters", {"id": "c", "next": 1})
    await store.replace("counters", {"id": "c", "next": 2})
    third = await store.replace("counters", {**first, "next": 3})  # carries the old _etag
    assert third["next"] == 3 and third["_etag"] != first["_etag"]
    assert (await store.read("counters", "c", "c"))["_etag"] == third["_etag"]


async def test_replace_missing(store: DocumentStore) -> None:
    with pytest.raises(DocumentNotFound):
        await store.replace("users", {"id": "usr_ghost", "name": "x"})
    with pytest.raises(DocumentNotFound):
        await store.replace("users", {"id": "usr_ghost", "name": "x"}, etag="whatever")


async def test_upsert_creates_then_updates(store: DocumentStore) -> None:
    created = await store.upsert("users", {"id": "usr_1", "name": "Ada"})
    assert await store.read("users", "usr_1", "usr_1") == created
    updated = await store.upsert("users", {"id": "usr_1", "name": "Ada L."}, etag=created["_etag"])
    assert updated["name"] == "Ada L." and updated["_etag"] != created["_etag"]
    with pytest.raises(PreconditionFailed):
        await store.upsert("users", {"id": "usr_1", "name": "stale"}, etag=created["_etag"])
    assert await store.read("users", "usr_1", "usr_1") == updated
    unconditional = await store.upsert("users", {"id": "usr_1", "name": "last"})
    assert (await store.read("users", "usr_1", "usr_1")) == unconditional


async def test_upsert_with_etag_creates_a_missing_document(store: DocumentStore) -> None:
    # Cosmos semantics: If-Match guards an existing document only.
    created = await store.upsert("users", {"id": "usr_new", "name": "n"}, etag="no-such-etag")
    assert await store.read("users", "usr_new", "usr_new") == created


async def test_delete(store: DocumentStore) -> None:
    doc = await store.create("users", {"id": "usr_1"})
    await store.delete("users", "usr_1", "usr_1")
    with pytest.raises(DocumentNotFound):
        await store.read("users", "usr_1", "usr_1")
    with pytest.raises(DocumentNotFound):
        await store.delete("users", "usr_1", "usr_1")
    doc = await store.create("users", {"id": "usr_1"})
    newer = await store.replace("users", {"id": "usr_1", "v": 2})
    with pytest.raises(PreconditionFailed):
        await store.delete("users", "usr_1", "usr_1", etag=doc["_etag"])
    assert await store.read("users", "usr_1", "usr_1") == newer
    await store.delete("users", "usr_1", "usr_1", etag=newer["_etag"])
    with pytest.raises(DocumentNotFound):
        await store.read("users", "usr_1", "usr_1")


async def test_read_if_changed_answers_none_while_the_etag_holds(store: DocumentStore) -> None:
    first = await store.create("sessions", {"id": "ses_1", "stationId": "stn_1", "energyWh": 1})
    assert await store.read_if_changed("sessions", "ses_1", "stn_1", first["_etag"]) is None
    second = await store.replace("sessions", {**first, "energyWh": 2}, etag=first["_etag"])
    changed = await store.read_if_changed("sessions", "ses_1", "stn_1", first["_etag"])
    assert changed == second == await store.read("sessions", "ses_1", "stn_1")
    assert changed is not None and changed["energyWh"] == 2 and not SYSTEM_PROPERTIES & changed.keys()
    assert await store.read_if_changed("sessions", "ses_1", "stn_1", second["_etag"]) is None
    # an ETag the store never gave: the document, whole
    assert await store.read_if_changed("sessions", "ses_1", "stn_1", '"not-an-etag"') == second


async def test_read_if_changed_of_a_missing_document(store: DocumentStore) -> None:
    first = await store.create("sessions", {"id": "ses_1", "stationId": "stn_1"})
    with pytest.raises(DocumentNotFound):  # right id, wrong partition
        await store.read_if_changed("sessions", "ses_1", "stn_2", first["_etag"])
    await store.delete("sessions", "ses_1", "stn_1")
    with pytest.raises(DocumentNotFound):  # gone, even for the ETag it had
        await store.read_if_changed("sessions", "ses_1", "stn_1", first["_etag"])


async def test_check(store: DocumentStore) -> None:
    await store.check()


# --- queries -----------------------------------------------------------------------

STATIONS: list[Document] = [
    {
        "id": "s1",
        "providerId": "p1",
        "name": "Alpha",
        "power": 50,
        "tags": ["ccs", "fast"],
        "address": {"city": "Paris"},
        "open": True,
        "note": None,
        "location": {"type": "Point", "coordinates": list(PARIS)},
    },
    {
        "id": "s2",
        "providerId": "p1",
        "name": "Beta",
        "power": 22,
        "tags": ["type2"],
        "address": {"city": "Paris"},
        "open": False,
        "location": {"type": "Point", "coordinates": [2.2945, 48.8584]},  # ~4.2 km west
    },
    {
        "id": "s3",
        "providerId": "p2",
        "name": "Gamma",
        "power": 150,
        "tags": ["ccs"],
        "address": {"city": "Lyon"},
        "open": True,
        "location": {"type": "Point", "coordinates": [4.8357, 45.7640]},  # ~390 km
    },
    {
        "id": "s4",
        "providerId": "p2",
        "name": "alpha2",
        "power": 11,
        "tags": [],
        "address": {"city": "Paris"},
        "note": "x",
        "location": {"type": "Point", "coordinates": [2.3600, 48.8600]},  # ~0.7 km
    },
    # power is a string here: comparisons never cross JSON types
    {"id": "s5", "providerId": "p1", "name": "Delta", "power": "7", "tags": ["fast"]},
]


@pytest.fixture
async def stations(store: DocumentStore) -> DocumentStore:
    for doc in STATIONS:
        await store.create("stations", doc)
    return store


def where(*filters: Filter, **kwargs: Any) -> Query:
    return Query(filters=filters, **kwargs)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter("name", "eq", "Beta"), {"s2"}),
        (Filter("power", "eq", 50), {"s1"}),
        (Filter("power", "eq", "7"), {"s5"}),
        (Filter("open", "eq", False), {"s2"}),
        (Filter("open", "eq", 0), set()),
        (Filter("note", "eq", None), {"s1"}),
        (Filter("open", "ne", True), {"s2"}),
        (Filter("note", "ne", None), {"s4"}),
        (Filter("power", "lt", 50), {"s2", "s4"}),
        (Filter("power", "le", 50), {"s1", "s2", "s4"}),
        (Filter("power", "gt", 50), {"s3"}),
        (Filter("power", "ge", 50), {"s1", "s3"}),
        (Filter("name", "lt", "B"), {"s1"}),
        (Filter("power", "in", [22, 150, "7"]), {"s2", "s3", "s5"}),
        (Filter("power", "in", []), set()),
        (Filter("tags", "contains", "ccs"), {"s1", "s3"}),
        (Filter("name", "startswith", "Al"), {"s1"}),
        (Filter("open", "defined", True), {"s1", "s2", "s3"}),
        (Filter("open", "defined", False), {"s4", "s5"}),
        (Filter("address.city", "eq", "Paris"), {"s1", "s2", "s4"}),
        (Filter("address.city", "defined", False), {"s5"}),
    ],
    ids=lambda v: f"{v.field}-{v.op}-{v.value!r}" if isinstance(v, Filter) else "",
)
async def test_filter(stations: DocumentStore, flt: Filter, expected: set[str]) -> None:
    found = await ids(stations, where(flt))
    assert sorted(found) == sorted(expected)


async def test_filters_combine_with_and(stations: DocumentStore) -> None:
    query = where(Filter("address.city", "eq", "Paris"), Filter("power", "ge", 22))
    assert sorted(await ids(stations, query)) == ["s1", "s2"]


async def test_query_returns_documents_with_etags(stations: DocumentStore) -> None:
    [doc] = await all_pages(stations, "stations", where(Filter("id", "eq", "s1")))
    assert body(doc) == STATIONS[0]
    assert doc == await stations.read("stations", "s1", "p1")


async def test_order_by_ascending_and_descending(stations: DocumentStore) -> None:
    # Cosmos' cross-type order puts the string "7" after every number.
    assert await ids(stations, Query(order_by="power")) == ["s4", "s2", "s1", "s3", "s5"]
    assert await ids(stations, Query(order_by="power", descending=True)) == ["s5", "s3", "s1", "s2", "s4"]
    assert await ids(stations, Query(order_by="name")) == ["s1", "s2", "s5", "s3", "s4"]


async def test_order_by_matches_only_documents_defining_the_field(stations: DocumentStore) -> None:
    found = await ids(stations, Query(order_by="open"))
    assert found[0] == "s2" and sorted(found[1:]) == ["s1", "s3"]
    assert await ids(stations, Query(order_by="address.city", partition_key="p1")) in (["s1", "s2"], ["s2", "s1"])


@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_paging_collects_every_document_once(stations: DocumentStore, limit: int) -> None:
    unordered = await ids(stations, Query(limit=limit))
    assert sorted(unordered) == ["s1", "s2", "s3", "s4", "s5"]
    ordered = await ids(stations, Query(order_by="name", descending=True, limit=limit))
    assert ordered == ["s4", "s3", "s5", "s2", "s1"]
    filtered = await ids(stations, where(Filter("tags", "contains", "fast"), order_by="name", limit=limit))
    assert filtered == ["s1", "s5"]


async def test_partition_key_restricts_the_query(stations: DocumentStore) -> None:
    assert sorted(await ids(stations, Query(partition_key="p2"))) == ["s3", "s4"]
    assert sorted(await ids(stations, where(Filter("power", "gt", 20), partition_key="p1"))) == ["s1", "s2"]
    assert await ids(stations, Query(partition_key="p3")) == []


async def test_near(stations: DocumentStore) -> None:
    assert sorted(await ids(stations, Query(near=Near("location", *PARIS, radius_m=1_000)))) == ["s1", "s4"]
    assert sorted(await ids(stations, Query(near=Near("location", *PARIS, 5_000)))) == ["s1", "s2", "s4"]
    assert await ids(stations, Query(near=Near("location", *PARIS, 5_000), partition_key="p1", order_by="power")) == [
        "s2",
        "s1",
    ]
    assert sorted(await ids(stations, Query(near=Near("location", *PARIS, 500_000)))) == ["s1", "s2", "s3", "s4"]


async def test_projection(stations: DocumentStore) -> None:
    """Only the fields asked for, nested as stored, plus id and the partition key; missing ones absent."""
    fields = ("name", "address.city", "note", "location.coordinates", "missing", "tags.x")
    found = await all_pages(stations, "stations", Query(fields=fields, order_by="name"))
    assert found == [
        {"id": "s1", "providerId": "p1", "name": "Alpha", "address": {"city": "Paris"}, "note": None}
        | {"location": {"coordinates": list(PARIS)}},
        {"id": "s2", "providerId": "p1", "name": "Beta", "address": {"city": "Paris"}}
        | {"location": {"coordinates": [2.2945, 48.8584]}},
        {"id": "s5", "providerId": "p1", "name": "Delta"},  # no address: no empty {} either
        {"id": "s3", "providerId": "p2", "name": "Gamma", "address": {"city": "Lyon"}}
        | {"location": {"coordinates": [4.8357, 45.7640]}},
        {"id": "s4", "providerId": "p2", "name": "alpha2", "address": {"city": "Paris"}, "note": "x"}
        | {"location": {"coordinates": [2.3600, 48.8600]}},
    ]


async def test_projection_with_filters_geo_and_paging(stations: DocumentStore) -> None:
    # Filters and the order see whole documents; a path below a requested one adds nothing.
    query = Query(
        filters=(Filter("tags", "contains", "ccs"),),
        near=Near("location", *PARIS, 500_000),
        order_by="power",
        fields=("address", "address.city", "id"),
        limit=1,
    )
    found = await all_pages(stations, "stations", query)
    assert found == [
        {"id": "s1", "providerId": "p1", "address": {"city": "Paris"}},
        {"id": "s3", "providerId": "p2", "address": {"city": "Lyon"}},
    ]
    assert await all_pages(stations, "stations", Query(fields=(), partition_key="p2")) in (
        [{"id": "s3", "providerId": "p2"}, {"id": "s4", "providerId": "p2"}],
        [{"id": "s4", "providerId": "p2"}, {"id": "s3", "providerId": "p2"}],
    )
    with pytest.raises(ValueError):
        await stations.query("stations", Query(fields=("a b",)))


async def test_reading_a_page_by_keys(stations: DocumentStore) -> None:
    """``id in`` plus ``partitionKey in``: how search reads its page (SQLite answers it from the key)."""
    query = where(Filter("id", "in", ["s1", "s3", "s9"]), Filter("providerId", "in", ["p1", "p2"]))
    assert sorted(body(d)["id"] for d in await all_pages(stations, "stations", query)) == ["s1", "s3"]
    assert await ids(stations, where(Filter("id", "in", ["s1"]), Filter("providerId", "eq", "p2"))) == []
    assert await ids(stations, where(Filter("id", "eq", "s4"), Filter("providerId", "in", []))) == []


async def test_invalid_field_paths_are_refused(store: DocumentStore) -> None:
    with pytest.raises(ValueError):
        await store.query("stations", where(Filter("a b", "eq", 1)))


# --- TTL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "sqlite",
        pytest.param(
            "cosmos",
            marks=[
                pytest.mark.cosmos,
                pytest.mark.skip(reason="the Cosmos stand-in does not expire documents (no real TTL)"),
            ],
        ),
    ],
)
async def test_ttl(kind: str) -> None:
    clock = SettableClock()
    specs = {
        "per_doc": ContainerSpec("per_doc", "id", default_ttl=-1),
        "default_60": ContainerSpec("default_60", "id", default_ttl=60),
        "no_ttl": ContainerSpec("no_ttl", "id"),
    }
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteDocumentStore(os.path.join(folder, "ttl.db"), specs, clock)
        try:
            short = await store.create("per_doc", {"id": "short", "ttl": 10})
            await store.create("per_doc", {"id": "forever"})
            await store.create("default_60", {"id": "default"})
            await store.create("default_60", {"id": "pinned", "ttl": -1})
            await store.create("no_ttl", {"id": "ignored", "ttl": 1})
            clock.advance(seconds=11)
            with pytest.raises(DocumentNotFound):
                await store.read("per_doc", "short", "short")
            with pytest.raises(DocumentNotFound):  # expired: gone for a conditional read too
                await store.read_if_changed("per_doc", "short", "short", short["_etag"])
            assert [d["id"] for d in (await store.query("per_doc", Query())).items] == ["forever"]
            with pytest.raises(DocumentNotFound):
                await store.replace("per_doc", {"id": "short"})
            await store.create("per_doc", {"id": "short", "ttl": 10})  # the expired id is free again
            await store.read("default_60", "default", "default")
            clock.advance(seconds=50)
            with pytest.raises(DocumentNotFound):
                await store.read("default_60", "default", "default")
            await store.read("default_60", "pinned", "pinned")
            await store.read("no_ttl", "ignored", "ignored")
            # a write restarts the countdown, as a Cosmos write does
            kept = await store.create("per_doc", {"id": "renewed", "ttl": 10})
            clock.advance(seconds=8)
            await store.replace("per_doc", kept)
            clock.advance(seconds=8)
            await store.read("per_doc", "renewed", "renewed")
            with pytest.raises(ValueError):
                await store.create("per_doc", {"id": "bad", "ttl": 0})
        finally:
            await store.close()


@pytest.mark.parametrize("token", ["not base64 at all!", "bm90IGpzb24=", "WzEsMiwzXQ==", "eyJ0b2tlbiI6ICJ4In0="])
async def test_unreadable_continuation_token_is_invalid_continuation(store: DocumentStore, token: str) -> None:
    await store.create("users", {"id": "u1", "type": "user"})
    with pytest.raises(InvalidContinuation):
        await store.query("users", Query((Filter("type", "eq", "user"),), limit=1, continuation=token))


# --- hot fields (ContainerSpec.indexed_fields): the same results as the body --------------

# Every JSON type, at a hot field of stations (maxPowerKw) and at a field no adapter indexes (cold).
HOT_VALUES: dict[str, Any] = {
    "s": "50",
    "s2": "abc",
    "i": 50,
    "big": 2**70,
    "r": 50.5,
    "r2": 0.1 + 0.2,
    "t": True,
    "f": False,
    "n": None,
    "a": ["50", 50],
    "o": {"k": 50},
}
HOT_PROBES = [
    *(Filter("maxPowerKw", "eq", v) for v in ("50", 50, 50.0, 50.5, True, False, None, ["50", 50], {"k": 50})),
    *(Filter("maxPowerKw", "ne", v) for v in ("50", 50, True, None)),
    *(Filter("maxPowerKw", op, v) for op in ("lt", "le", "gt", "ge") for v in (50, 50.5, "50", "b", True, False)),
    Filter("maxPowerKw", "in", ["abc", 50.5, None, False]),
    Filter("maxPowerKw", "in", []),
    Filter("maxPowerKw", "contains", 50),
    Filter("maxPowerKw", "contains", "50"),
    Filter("maxPowerKw", "startswith", "a"),
    Filter("maxPowerKw", "defined", True),
    Filter("maxPowerKw", "defined", False),
]


async def _hot_equals_cold(store: DocumentStore) -> None:
    def cold(f: Filter) -> Filter:
        return Filter("coldCopy", f.op, f.value)

    for f in HOT_PROBES:
        hot_ids = sorted(await ids(store, Query((f,), limit=5)))
        assert hot_ids == sorted(await ids(store, Query((cold(f),), limit=5))), f
    for descending in (False, True):
        hot_order = await ids(store, Query(order_by="maxPowerKw", descending=descending, limit=3))
        assert hot_order == await ids(store, Query(order_by="coldCopy", descending=descending, limit=3))
    projected = await all_pages(store, "stations", Query(fields=("maxPowerKw", "coldCopy"), limit=4))
    assert projected and all(doc.get("maxPowerKw", "missing") == doc.get("coldCopy", "missing") for doc in projected)


async def test_hot_field_filters_as_the_body_does_for_every_json_type(store: DocumentStore) -> None:
    for key, value in HOT_VALUES.items():
        await store.create("stations", {"id": key, "providerId": "p", "maxPowerKw": value, "coldCopy": value})
    await store.create("stations", {"id": "missing", "providerId": "p"})
    await _hot_equals_cold(store)
    assert sorted(await ids(store, Query((Filter("maxPowerKw", "eq", 50),)))) == ["i"]
    # replace and upsert change the value and its type; the hot columns follow
    changed = list(HOT_VALUES.items())
    for (key, _), (_, value) in zip(changed, changed[1:] + changed[:1], strict=True):
        doc = await store.read("stations", key, "p")
        write = store.replace if key < "m" else store.upsert
        await write("stations", {**doc, "maxPowerKw": value, "coldCopy": value})
    await store.upsert("stations", {"id": "missing", "providerId": "p", "maxPowerKw": 50, "coldCopy": 50})
    await store.replace("stations", {"id": "n", "providerId": "p"})  # the field removed
    await _hot_equals_cold(store)
    assert sorted(await ids(store, Query((Filter("maxPowerKw", "eq", 50),)))) == ["missing", "s2"]


async def test_hot_columns_are_added_and_dropped_on_open() -> None:
    plain = {"docs": ContainerSpec("docs", "pk")}
    hot = {"docs": ContainerSpec("docs", "pk", indexed_fields=("v", "a.b"))}
    docs = [
        {"id": "1", "pk": "p", "v": 1, "a": {"b": "x"}},
        {"id": "2", "pk": "p", "v": "1", "a": {"b": ["x"]}},
        {"id": "3", "pk": "p", "a": 1},
    ]
    queries = [
        Query((Filter("v", "eq", 1),)),
        Query((Filter("v", "defined", False),)),
        Query((Filter("a.b", "eq", "x"),)),
        Query(order_by="v"),
        Query(fields=("v", "a.b")),
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "hot.db")

        async def answers(specs: dict[str, ContainerSpec], write: Document | None = None) -> list[list[Document]]:
            store = SqliteDocumentStore(path, specs)
            try:
                if write is not None:
                    await store.upsert("docs", write)
                return [[body(d) for d in await all_pages(store, "docs", q)] for q in queries]
            finally:
                await store.close()

        store = SqliteDocumentStore(path, plain)
        for doc in docs:
            await store.create("docs", doc)
        await store.close()
        before = await answers(plain)
        assert await answers(hot) == before  # migrated: columns added and filled from the bodies
        # written while the fields were not hot, then hot again: the columns are rebuilt, not stale
        changed = {"id": "1", "pk": "p", "v": "1", "a": {"b": "y"}}
        after = await answers(plain, changed)
        assert after != before
        assert await answers(hot) == after

"""Sessions, their connector claims, transaction ids and meter samples in the store.

- ``sessions`` (partition ``/stationId``): the session documents and, per
  connector, one claim document ``claim:<connectorKey>`` naming the session that
  holds the connector. Taking the claim under its ETag is what makes "one live
  session per connector" hold across workers (Cosmos has no unique constraint
  beyond the id).
- ``counters`` (partition ``/id``): ``txn:<transactionId>`` maps the integer the
  charger repeats in every frame to its session: one point read per frame.
- ``meter_samples`` (partition ``/sessionId``): one small document per reading,
  id derived from the reading so a duplicated frame is the store's conflict.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from shared.domain.errors import NotFound
from shared.domain.sessions import (
    ChargingSession,
    MeterSample,
    TransactionIndex,
    sortable_time,
    station_of_session,
)
from shared.ports.store import (
    Document,
    DocumentConflict,
    DocumentNotFound,
    DocumentStore,
    Filter,
    Page,
    PreconditionFailed,
    Query,
)

__all__ = [
    "Claim",
    "add_samples",
    "claim_of",
    "create_session",
    "current_session",
    "find_session",
    "find_transaction",
    "get_session",
    "index_transaction",
    "latest_sample",
    "put_claim",
    "query_sessions",
    "samples_of",
    "save_session",
    "session_by_start_key",
]

C = "sessions"
SAMPLES = "meter_samples"
COUNTERS = "counters"
# Immutable once written, so safe to cache: per store (tests run many stores in one process).
_TXN_CACHES: WeakKeyDictionary[DocumentStore, OrderedDict[int, TransactionIndex]] = WeakKeyDictionary()
_TXN_CACHE_SIZE = 10_000
# The sessions MeterValues frames are arriving for, revalidated by ETag on every use (current_session).
_SESSION_CACHES: WeakKeyDictionary[DocumentStore, OrderedDict[str, ChargingSession]] = WeakKeyDictionary()
_SESSION_CACHE_SIZE = 2_000


def _doc(session: ChargingSession) -> dict[str, Any]:
    return session.model_dump(mode="json")


async def find_session(store: DocumentStore, session_id: str) -> ChargingSession | None:
    station_id = station_of_session(session_id)
    if station_id is None:
        return None
    try:
        doc = await store.read(C, session_id, station_id)
    except DocumentNotFound:
        return None
    return ChargingSession.model_validate(doc) if doc.get("type") == "session" else None


async def current_session(store: DocumentStore, session_id: str) -> ChargingSession | None:
    """``find_session`` for the MeterValues path: as current as a point read, but kept per store and
    revalidated by its ETag (``read_if_changed``), so an unchanged session (most frames: it is written
    about once a minute) costs no body and no model. The model returned is shared: never mutate it."""
    station_id = station_of_session(session_id)
    if station_id is None:
        return None
    cache = _SESSION_CACHES.get(store)
    if cache is None:
        cache = _SESSION_CACHES[store] = OrderedDict()
    cached = cache.get(session_id)
    try:
        if cached is not None and cached.etag is not None:
            doc = await store.read_if_changed(C, session_id, station_id, cached.etag)
            if doc is None:
                cache.move_to_end(session_id)
                return cached
        else:
            doc = await store.read(C, session_id, station_id)
    except DocumentNotFound:
        cache.pop(session_id, None)
        return None
    if doc.get("type") != "session":
        cache.pop(session_id, None)
        return None
    session = ChargingSession.model_validate(doc)
    cache[session_id] = session
    cache.move_to_end(session_id)
    if len(cache) > _SESSION_CACHE_SIZE:
        cache.popitem(last=False)
    return session


async def get_session(store: DocumentStore, session_id: str) -> ChargingSession:
    session = await find_session(store, session_id)
    if session is None:
        raise NotFound("No such charging session.", code="session_not_found")
    return session


async def create_session(store: DocumentStore, session: ChargingSession) -> ChargingSession:
    """Create; a session with this id already there raises the store's DocumentConflict."""
    return ChargingSession.model_validate(await store.create(C, _doc(session)))


async def save_session(store: DocumentStore, session: ChargingSession) -> ChargingSession:
    """Replace under the session's ETag; a concurrent writer raises PreconditionFailed."""
    return ChargingSession.model_validate(await store.replace(C, _doc(session), etag=session.etag))


async def session_by_start_key(store: DocumentStore, station_id: str, start_key: str) -> ChargingSession | None:
    page = await store.query(
        C,
        Query(
            (
                Filter("stationId", "eq", station_id),
                Filter("type", "eq", "session"),
                Filter("startKey", "eq", start_key),
            ),
            partition_key=station_id,
            limit=1,
        ),
    )
    return ChargingSession.model_validate(page.items[0]) if page.items else None


async def query_sessions(
    store: DocumentStore,
    filters: tuple[Filter, ...],
    *,
    station_id: str | None = None,
    limit: int = 50,
    continuation: str | None = None,
    newest_first: bool = True,
) -> tuple[list[ChargingSession], str | None]:
    where = (Filter("type", "eq", "session"), *filters)
    if station_id is not None:
        where = (*where, Filter("stationId", "eq", station_id))
    page: Page = await store.query(
        C,
        Query(
            where,
            order_by="requestedAt",
            descending=newest_first,
            limit=limit,
            continuation=continuation,
            partition_key=station_id,
        ),
    )
    return [ChargingSession.model_validate(d) for d in page.items], page.continuation


# ---- connector claims --------------------------------------------------------------------------


class Claim:
    """``claim:<connectorKey>``: the session holding the connector (live or last)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    @property
    def session_id(self) -> str:
        return str(self.doc["sessionId"])

    @property
    def etag(self) -> str | None:
        return self.doc.get("_etag")

    @property
    def claimed_at(self) -> datetime:
        return datetime.fromisoformat(str(self.doc["claimedAt"]))


def _claim_id(connector_key: str) -> str:
    return "claim:" + connector_key.replace("/", ":")  # ids may not hold "/"


async def claim_of(store: DocumentStore, station_id: str, connector_key: str) -> Claim | None:
    try:
        return Claim(await store.read(C, _claim_id(connector_key), station_id))
    except DocumentNotFound:
        return None


async def put_claim(
    store: DocumentStore, station_id: str, connector_key: str, session_id: str, at: datetime, current: Claim | None
) -> bool:
    """Point the connector's claim at ``session_id``: created if ``current`` is None, else replaced under its
    ETag. False when another writer changed the claim first."""
    doc = {
        "id": _claim_id(connector_key),
        "type": "claim",
        "stationId": station_id,
        "connectorKey": connector_key,
        "sessionId": session_id,
        "claimedAt": at.isoformat(),
    }
    try:
        if current is None:
            await store.create(C, doc)
        else:
            await store.replace(C, doc, etag=current.etag)
    except (DocumentConflict, PreconditionFailed, DocumentNotFound):
        return False
    return True


# ---- transaction ids ---------------------------------------------------------------------------


def _txn_id(transaction_id: int) -> str:
    return f"txn:{transaction_id}"


async def index_transaction(store: DocumentStore, index: TransactionIndex) -> None:
    """Write the transaction's index document; already there (a retried start) is fine."""
    try:
        await store.create(COUNTERS, index.model_dump(mode="json"))
    except DocumentConflict:
        pass


async def find_transaction(store: DocumentStore, transaction_id: int) -> TransactionIndex | None:
    cache = _TXN_CACHES.get(store)
    if cache is None:
        cache = _TXN_CACHES[store] = OrderedDict()
    cached = cache.get(transaction_id)
    if cached is not None:
        cache.move_to_end(transaction_id)
        return cached
    key = _txn_id(transaction_id)
    try:
        index = TransactionIndex.model_validate(await store.read(COUNTERS, key, key))
    except DocumentNotFound:
        return None
    cache[transaction_id] = index
    if len(cache) > _TXN_CACHE_SIZE:
        cache.popitem(last=False)
    return index


# ---- meter samples -----------------------------------------------------------------------------


async def add_samples(store: DocumentStore, docs: Sequence[Document]) -> list[bool]:
    """Insert each sample document (``sample_document``, or built as it would); per document whether it was new
    (a duplicate reading is the store's conflict)."""
    added: list[bool] = []
    for doc in docs:
        try:
            await store.create(SAMPLES, doc)
        except DocumentConflict:
            added.append(False)
        else:
            added.append(True)
    return added


async def latest_sample(store: DocumentStore, session_id: str) -> MeterSample | None:
    page = await store.query(
        SAMPLES,
        Query(
            (Filter("sessionId", "eq", session_id),),
            order_by="at",
            descending=True,
            limit=1,
            partition_key=session_id,
        ),
    )
    return MeterSample.model_validate(page.items[0]) if page.items else None


async def samples_of(store: DocumentStore, session_id: str, *, after: datetime | None = None) -> list[MeterSample]:
    """Every sample of the session (optionally only those after a time), oldest first."""
    filters: tuple[Filter, ...] = (Filter("sessionId", "eq", session_id),)
    if after is not None:
        filters = (*filters, Filter("at", "gt", sortable_time(after)))
    samples: list[MeterSample] = []
    continuation: str | None = None
    while True:
        page = await store.query(
            SAMPLES,
            Query(filters, order_by="at", limit=500, continuation=continuation, partition_key=session_id),
        )
        samples.extend(MeterSample.model_validate(d) for d in page.items)
        continuation = page.continuation
        if continuation is None:
            return samples

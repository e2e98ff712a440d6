"""DocumentStore on SQLite: the embedded default and the tests' store (DESIGN section 3).

One table per container, ``(pk, id)`` unique, the document as JSON text. Several
processes may share the file (the local host, its workers, a CLI): WAL lets
readers run beside a writer, ``busy_timeout`` makes writers queue instead of
failing, and every write is one ``BEGIN IMMEDIATE`` transaction: it takes the write
lock before reading the current ETag, so the check and the write it guards are
atomic across processes, and a failed write can tell "not found" from "stale".

A container with ``spatial_paths`` also has an R*Tree per path (``sqlite_geo``),
kept by triggers inside those same write transactions; ``Near`` and ``Within``
on those paths read only the rows in the query's box. Its ``indexed_fields`` have
columns of their own (``sqlite_columns``), written by the same statement as the body.

Queries and table set-up run on a dedicated thread with its own connection, so the
event loop never waits for a long query. Point reads and single-document writes of an
existing table run on the event loop's own connection instead, whenever that needs no
waiting: in WAL mode a reader never waits for writers, and a write first tries the
write lock without waiting (busy_timeout 0); only when another connection or process
holds it does the write go to the store's thread, which waits its turn. A lookup or an
insert takes tens of microseconds, less than the hop to another thread and back (that
hop was most of the store's share of a MeterValues frame).

Creates on the event loop are committed as a group (``sqlite_group``): those that arrive
in the same turn of the loop (the samples of twenty chargers' frames) are written in one
IMMEDIATE transaction, where a conflict fails only its own INSERT (SQLite undoes a failed
statement alone), and every caller resumes only after the COMMIT: what a create returned is as
durable as before, the transaction's fixed cost (and the WAL pages it writes) is shared.

A ``read_if_changed`` that found the document unchanged is remembered: asked again with the same
ETag, it answers "unchanged" without a statement while nothing could have changed the document,
that is while this store wrote nothing to the container (each write notes it, on commit) and no
other connection, of this process or another, committed anything (SQLite's ``PRAGMA data_version``
on the loop's connection, read once per turn of the event loop). A document with a TTL is never
remembered. That is the MeterValues path's check of its cached session, once per frame.

The loop's connection never checkpoints the WAL itself (SQLite would, inside a COMMIT every
1,000 pages: copying them into the database file and an fsync, on the event loop): after its
commits a PASSIVE checkpoint, the kind SQLite runs automatically, goes to a thread and a
connection of its own, one at a time and at most every half second. The store's thread keeps
SQLite's automatic checkpoint.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any, TypeVar

from shared.adapters.embedded.sqlite_columns import bound_values, column_writes, ensure_columns
from shared.adapters.embedded.sqlite_geo import ensure_geo_index, ensure_math, haversine_m
from shared.adapters.embedded.sqlite_group import CreateGroups, GroupedCreate, Prepared
from shared.adapters.embedded.sqlite_query import encode_cursor, json_path, order_rows, select_sql
from shared.containers import CONTAINERS
from shared.ports.clock import Clock, SystemClock
from shared.ports.store import (
    ContainerSpec,
    Document,
    DocumentConflict,
    DocumentNotFound,
    Page,
    PreconditionFailed,
    Query,
    StoreError,
)

__all__ = ["SqliteDocumentStore"]


class _Busy(Exception):
    """The event loop's connection could not take the write lock at once: do the write on the store's thread."""


T = TypeVar("T")
# Properties Cosmos owns: never stored in a body (a document read from one store
# and written back must not carry its old ETag into the new version).
_SYSTEM = frozenset({"_etag", "_rid", "_self", "_attachments", "_ts"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LIVE = "(expires_at IS NULL OR expires_at > ?)"
_MMAP_BYTES = 1 << 30
_PURGE_EVERY_SECONDS = 1.0
_CHECKPOINT_EVERY_SECONDS = 0.5
_UNCHANGED_SIZE = 4096  # remembered unchanged reads; all forgotten when full
# Built once: json.dumps with any non-default option builds an encoder per call (MeterValues pays it per frame)
_KEY_ENCODER = json.JSONEncoder(separators=(",", ":"))
_BODY_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class _Etags:
    """32 hex digits as uuid4().hex has, unique without a system call each: a random half drawn once per process
    (and again in a forked child), then a counter. An ETag only has to differ from every other one."""

    def __init__(self) -> None:
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        self.prefix, self.counter = os.urandom(8).hex(), itertools.count()

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter):016x}"


fresh_etag = _Etags()
_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR_ONLY = frozenset({str})
_BAD_ID = re.compile(r"[/\\?#]")  # characters Cosmos does not allow in an id


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Turn on WAL; several processes opening a fresh file at once may find it locked.

    SQLite does not always run the busy handler for the journal-mode switch, so a
    process racing another one through the first open retries here, bounded.
    """
    for attempt in range(200):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.05)


def _key_text(value: Any) -> str:
    """A partition key value as JSON text (``json.dumps(value, separators=(",", ":"))``, the stored form)."""
    return encode_basestring_ascii(value) if type(value) is str else _KEY_ENCODER.encode(value)


def _pk(doc: Document, field: str) -> str:
    """The partition key value as JSON text: keeps ``"1"`` and ``1`` apart, as Cosmos does."""
    value: Any = doc
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ValueError(f"document lacks its partition key field {field!r}")
        value = value[part]
    return _key_text(value)


def _stored_copy(doc: Document, text: str, etag: str) -> Document:
    """What a write returns: the stored body, parsed again, with its ETag. A flat document of plain JSON
    scalars (a meter sample) is copied instead, which is the same and cheaper than parsing."""
    # the types checked in C (map), not in a generator: this runs for every meter sample
    if _STR_ONLY.issuperset(map(type, doc)) and _SCALARS.issuperset(map(type, doc.values())):
        copy = dict(doc) if _SYSTEM.isdisjoint(doc) else {k: v for k, v in doc.items() if k not in _SYSTEM}
    else:
        copy = json.loads(text)
    copy["_etag"] = etag
    return copy


def _expiry(spec: ContainerSpec, body: Document, now: float) -> float | None:
    """Cosmos TTL rules: no container TTL ignores ``ttl``; -1 (either level) never expires."""
    if spec.default_ttl is None:
        return None
    ttl = body.get("ttl", spec.default_ttl)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not (ttl > 0 or ttl == -1):
        raise ValueError(f"ttl must be a positive number of seconds or -1, not {ttl!r}")
    return None if ttl == -1 else now + ttl


def _with_etag(body: Document, etag: str) -> Document:
    body["_etag"] = etag  # in place: a search may decode hundreds of documents per query
    return body


class SqliteDocumentStore:
    """The DocumentStore port on one SQLite file (see the module docstring)."""

    def __init__(
        self,
        path: str | Path,
        containers: Mapping[str, ContainerSpec] = CONTAINERS,
        clock: Clock | None = None,
    ) -> None:
        # Table names are written into SQL, so they must be plain identifiers.
        bad = [name for name, spec in containers.items() if name != spec.name or not _NAME.match(name)]
        if bad:
            raise ValueError(f"containers must be keyed by their name, an identifier: {bad}")
        self._path = str(path)
        self._containers = dict(containers)
        self._clock = clock or SystemClock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._conn: sqlite3.Connection | None = None
        self._loop_conn: sqlite3.Connection | None = None  # the event loop's: point reads, uncontended writes
        # held while the loop's connection is in use: a store shared by two threads' loops never interleaves on it
        self._loop_lock = threading.Lock()
        self._tables: set[str] = set()
        # per container: the hot columns' names and their values computed from the bound body (?4)
        self._hot = {
            name: column_writes({f: json_path(f) for f in spec.indexed_fields}, "?4")
            for name, spec in self._containers.items()
        }
        # per container: its hot fields' paths, split, for bound_values (in the order of self._hot)
        self._hot_paths = {
            name: tuple(tuple(f.split(".")) for f in spec.indexed_fields) for name, spec in self._containers.items()
        }
        self._inserts: dict[tuple[str, bool, bool], str] = {}  # (container, upsert, bound) -> its INSERT statement
        self._purged: dict[str, float] = {}  # container -> when its expired rows were last deleted
        self._group = CreateGroups(self._commit_group)  # creates of one loop turn, one transaction
        # read_if_changed's unchanged answers (see the module docstring): (container, id, partition key as JSON) ->
        # (ETag, the loop connection's data_version, the container's write count) when it was read
        self._unchanged: dict[tuple[str, str, str], tuple[str, int, int]] = {}
        self._writes: dict[str, int] = {}  # container -> a number that changes after each write commits (or fails)
        self._write_count = itertools.count(1)  # next() is atomic: writes on the store's thread count too
        # (event loop, PRAGMA data_version) read in this turn of that loop; forgotten at its next turn
        self._turn_version: tuple[asyncio.AbstractEventLoop, int] | None = None
        # the WAL checkpoints of the loop's commits, on a thread of their own (see _after_loop_commit)
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-checkpoint")
        self._checkpoint_conn: sqlite3.Connection | None = None
        self._checkpoint_after = 0.0  # time.monotonic() before which no checkpoint is started
        self._checkpointing = False
        self._checkpoints_stopped = False
        self._closed = False

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise StoreError("the store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args))

    # --- on the store's thread -------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            # isolation_level=None: no implicit transactions; writes open their own.
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 30000")  # before WAL: the switch itself may wait
            _switch_to_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")  # safe in WAL; fsync at checkpoints only
            # Reads through a memory map, not a read() per page: a geo search fetches hundreds of
            # scattered rows, and the default 2 MB page cache holds few of them. Processes sharing
            # the file share the OS's pages. Writes still go through the WAL as before.
            conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
            conn.create_function("haversine", 4, haversine_m, deterministic=True)
            ensure_math(conn)
            self._conn = conn
        return self._conn

    def _table(self, container: str) -> tuple[sqlite3.Connection, ContainerSpec]:
        spec = self._containers.get(container)
        if spec is None:
            raise ValueError(f"unknown container {container!r}")
        conn = self._db()
        if container not in self._tables:
            conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{container}" (pk TEXT NOT NULL, id TEXT NOT NULL, '
                "etag TEXT NOT NULL, body TEXT NOT NULL, expires_at REAL, PRIMARY KEY (pk, id))"
            )
            conn.execute(
                f'CREATE INDEX IF NOT EXISTS "{container}__expires" ON "{container}" (expires_at) '
                "WHERE expires_at IS NOT NULL"
            )
            ensure_columns(conn, container, {f: json_path(f) for f in spec.indexed_fields})
            if spec.spatial_paths:
                ensure_geo_index(conn, container, {path: json_path(path) for path in spec.spatial_paths})
            self._tables.add(container)
        return conn, spec

    @contextmanager
    def _write(
        self, container: str, loop_conn: sqlite3.Connection | None = None
    ) -> Iterator[tuple[sqlite3.Connection, ContainerSpec, float]]:
        """One IMMEDIATE transaction: takes the write lock first, so reads inside it stay true.

        On the event loop's connection (``loop_conn``) the lock is only tried: if another
        connection holds it, ``_Busy`` is raised before anything was done.
        """
        if loop_conn is None:
            conn, spec = self._table(container)
        else:
            conn, spec = loop_conn, self._containers[container]
        now = self._clock.now().timestamp()
        if loop_conn is None:
            conn.execute("BEGIN IMMEDIATE")
        else:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _Busy from exc
        try:
            try:
                # Lazy TTL purge, at most once a second per container: expired rows are invisible
                # to every read and write already (_LIVE); this only reclaims their space.
                if now - self._purged.get(container, 0.0) >= _PURGE_EVERY_SECONDS:
                    conn.execute(f'DELETE FROM "{container}" WHERE expires_at <= ?', (now,))
                    self._purged[container] = now
                yield conn, spec, now
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._wrote(container)  # after the COMMIT: an unchanged read remembered before it no longer holds
        if loop_conn is not None:
            self._after_loop_commit()

    def _wrote(self, container: str) -> None:
        self._writes[container] = next(self._write_count)

    def _prepare(self, spec: ContainerSpec, doc: Document, now: float) -> Prepared:
        doc_id = doc.get("id")
        if not isinstance(doc_id, str) or not doc_id or _BAD_ID.search(doc_id):
            raise ValueError(f"id must be a non-empty string without / \\ ? #, not {doc_id!r}")
        body = doc if _SYSTEM.isdisjoint(doc) else {k: v for k, v in doc.items() if k not in _SYSTEM}
        text = _BODY_ENCODER.encode(body)
        hot = bound_values(body, self._hot_paths[spec.name])
        return doc_id, _pk(body, spec.partition_key), text, _expiry(spec, body, now), hot

    @staticmethod
    def _etag_of(conn: sqlite3.Connection, container: str, pk: str, doc_id: str, now: float) -> str | None:
        row = conn.execute(
            f'SELECT etag FROM "{container}" WHERE pk = ? AND id = ? AND {_LIVE}', (pk, doc_id, now)
        ).fetchone()
        return None if row is None else str(row[0])

    def _read_sync(self, container: str, doc_id: str, partition_key: Any) -> Document:
        conn, _ = self._table(container)
        return self._read_on(conn, container, doc_id, partition_key)

    def _read_on(self, conn: sqlite3.Connection, container: str, doc_id: str, partition_key: Any) -> Document:
        pk, now = _key_text(partition_key), self._clock.now().timestamp()
        row = conn.execute(
            f'SELECT body, etag FROM "{container}" WHERE pk = ? AND id = ? AND {_LIVE}', (pk, doc_id, now)
        ).fetchone()
        if row is None:
            raise DocumentNotFound(f"{container}/{doc_id}")
        return _with_etag(json.loads(row[0]), row[1])

    def _read_changed_on(
        self, conn: sqlite3.Connection, container: str, doc_id: str, pk: str, etag: str
    ) -> tuple[Document | None, bool]:
        """The document, or None if its ETag is still ``etag`` (then its body is neither fetched nor parsed); and
        whether it has no TTL (an unchanged answer that cannot expire by itself)."""
        row = conn.execute(
            f'SELECT etag, CASE WHEN etag = ? THEN NULL ELSE body END, expires_at IS NULL FROM "{container}" '
            f"WHERE pk = ? AND id = ? AND {_LIVE}",
            (etag, pk, doc_id, self._clock.now().timestamp()),
        ).fetchone()
        if row is None:
            raise DocumentNotFound(f"{container}/{doc_id}")
        if row[1] is None:  # body is NOT NULL: only the ETag matched
            return None, bool(row[2])
        return _with_etag(json.loads(row[1]), row[0]), bool(row[2])

    def _read_changed_sync(self, container: str, doc_id: str, partition_key: Any, etag: str) -> Document | None:
        conn, _ = self._table(container)
        return self._read_changed_on(conn, container, doc_id, _key_text(partition_key), etag)[0]

    def _read_changed_on_loop(self, container: str, doc_id: str, partition_key: Any, etag: str) -> Document | None:
        """``read_if_changed`` on the loop's connection, an unchanged answer remembered (see the module docstring).
        What it is compared with is taken before the statement runs: a write committed meanwhile changes it."""
        conn, pk = self._loop_connection(), _key_text(partition_key)
        key, seen = (container, doc_id, pk), (etag, self._data_version(conn), self._writes.get(container, 0))
        if self._unchanged.get(key) == seen:
            return None
        doc, lasting = self._read_changed_on(conn, container, doc_id, pk, etag)
        if doc is None and lasting:
            if len(self._unchanged) >= _UNCHANGED_SIZE:
                self._unchanged.clear()
            self._unchanged[key] = seen
        return doc

    def _data_version(self, conn: sqlite3.Connection) -> int:
        """The loop connection's ``PRAGMA data_version`` (it changes when another connection commits), read once
        per turn of the running event loop: work woken by anything that happened since starts a later turn."""
        loop = asyncio.get_running_loop()
        known = self._turn_version
        if known is not None and known[0] is loop:
            return known[1]
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        self._turn_version = (loop, version)
        loop.call_soon(self._forget_version)
        return version

    def _forget_version(self) -> None:
        self._turn_version = None

    def _insert_sql(self, container: str, upsert: bool, bound: bool = False) -> str:
        """INSERT of (?1 pk, ?2 id, ?3 etag, ?4 body, ?5 expires_at) and the hot columns, from ?4, or ``bound``
        from ?6 on (sqlite_columns.bound_values); built once."""
        sql = self._inserts.get((container, upsert, bound))
        if sql is None:
            sql = self._inserts[(container, upsert, bound)] = self._build_insert_sql(container, upsert, bound)
        return sql

    def _build_insert_sql(self, container: str, upsert: bool, bound: bool = False) -> str:
        names, values = self._hot[container]
        if bound:
            values = [f"?{n}" for n in range(6, 6 + len(names))]
        sql = (
            f'INSERT INTO "{container}" (pk, id, etag, body, expires_at{"".join(", " + n for n in names)}) '
            f"VALUES (?1, ?2, ?3, ?4, ?5{''.join(', ' + v for v in values)})"
        )
        if upsert:
            columns = ("etag", "body", "expires_at", *names)
            sql += " ON CONFLICT (pk, id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns)
        return sql

    def _insert(self, conn: sqlite3.Connection, container: str, prepared: Prepared, etag: str, now: float) -> None:
        """INSERT one prepared document inside the caller's transaction; DocumentConflict if its id is taken."""
        doc_id, pk, text, expires, hot = prepared
        insert = self._insert_sql(container, upsert=False, bound=hot is not None)
        row = (pk, doc_id, etag, text, expires) if hot is None else (pk, doc_id, etag, text, expires, *hot)
        try:
            conn.execute(insert, row)
        except sqlite3.IntegrityError as exc:
            # an expired document not purged yet does not hold its id: drop it and insert again
            gone = conn.execute(
                f'DELETE FROM "{container}" WHERE pk = ? AND id = ? AND expires_at <= ?', (pk, doc_id, now)
            )
            if gone.rowcount != 1:
                raise DocumentConflict(f"{container}/{doc_id}") from exc
            conn.execute(insert, row)

    def _create_sync(self, container: str, doc: Document, loop_conn: sqlite3.Connection | None = None) -> Document:
        etag = fresh_etag()
        with self._write(container, loop_conn) as (conn, spec, now):
            prepared = self._prepare(spec, doc, now)
            self._insert(conn, container, prepared, etag, now)
        return {**json.loads(prepared[2]), "_etag": etag}

    def _replace_sync(
        self, container: str, doc: Document, etag: str | None, loop_conn: sqlite3.Connection | None = None
    ) -> Document:
        new_etag = fresh_etag()
        with self._write(container, loop_conn) as (conn, spec, now):
            doc_id, pk, text, expires, _ = self._prepare(spec, doc, now)
            current = self._etag_of(conn, container, pk, doc_id, now)
            if current is None:
                raise DocumentNotFound(f"{container}/{doc_id}")
            if etag is not None and etag != current:
                raise PreconditionFailed(f"{container}/{doc_id}")
            names, values = self._hot[container]
            hot = "".join(f", {n} = {v}" for n, v in zip(names, values, strict=True))
            conn.execute(
                f'UPDATE "{container}" SET etag = ?3, body = ?4, expires_at = ?5{hot} WHERE pk = ?1 AND id = ?2',
                (pk, doc_id, new_etag, text, expires),
            )
        return {**json.loads(text), "_etag": new_etag}

    def _upsert_sync(
        self, container: str, doc: Document, etag: str | None, loop_conn: sqlite3.Connection | None = None
    ) -> Document:
        new_etag = fresh_etag()
        with self._write(container, loop_conn) as (conn, spec, now):
            doc_id, pk, text, expires, _ = self._prepare(spec, doc, now)
            current = self._etag_of(conn, container, pk, doc_id, now)
            # As in Cosmos, the ETag guards only an existing document: a missing one is created.
            if etag is not None and current is not None and etag != current:
                raise PreconditionFailed(f"{container}/{doc_id}")
            conn.execute(self._insert_sql(container, upsert=True), (pk, doc_id, new_etag, text, expires))
        return {**json.loads(text), "_etag": new_etag}

    def _delete_sync(
        self,
        container: str,
        doc_id: str,
        partition_key: Any,
        etag: str | None,
        loop_conn: sqlite3.Connection | None = None,
    ) -> None:
        with self._write(container, loop_conn) as (conn, _, now):
            pk = _key_text(partition_key)
            current = self._etag_of(conn, container, pk, doc_id, now)
            if current is None:
                raise DocumentNotFound(f"{container}/{doc_id}")
            if etag is not None and etag != current:
                raise PreconditionFailed(f"{container}/{doc_id}")
            conn.execute(f'DELETE FROM "{container}" WHERE pk = ? AND id = ?', (pk, doc_id))

    def _query_sync(self, container: str, query: Query) -> Page:
        conn, spec = self._table(container)
        pk = None if query.partition_key is None else _key_text(query.partition_key)
        now = self._clock.now().timestamp()
        sql, params, width = select_sql(
            container, query, pk, now, spec.spatial_paths, spec.partition_key, spec.indexed_fields
        )
        rows = conn.execute(sql, params).fetchall()
        order_rows(rows, query.descending)
        if query.fields is None:
            items = [_with_etag(json.loads(row[0]), row[1]) for row in rows[: query.limit]]
        else:  # projected: no ETag (see Query.fields)
            items = [json.loads(row[0]) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        token = encode_cursor(list(rows[query.limit - 1][-width:])) if more else None
        return Page(items, token)

    def _close_sync(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- the port ------------------------------------------------------------------
    def _loop_connection(self) -> sqlite3.Connection:
        """The event loop's own connection: never waits for a lock (busy_timeout 0), set up like the other."""
        if self._loop_conn is None:
            conn = sqlite3.connect(self._path, timeout=0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("PRAGMA wal_autocheckpoint = 0")  # its commits are checkpointed on a thread instead
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
            conn.create_function("haversine", 4, haversine_m, deterministic=True)
            ensure_math(conn)
            self._loop_conn = conn
        return self._loop_conn

    def _after_loop_commit(self) -> None:
        """After a commit on the loop's connection: a PASSIVE checkpoint of the WAL on the checkpoint thread, one
        at a time and at most every half second. SQLite would otherwise run it inside that COMMIT, on the event
        loop, every 1,000 pages: copying them to the database file and its fsync stalled every frame in flight.
        PASSIVE, as the automatic one: it copies what no reader still needs and never waits for a lock."""
        now = time.monotonic()
        if self._checkpointing or now < self._checkpoint_after or self._checkpoints_stopped:
            return
        self._checkpointing, self._checkpoint_after = True, now + _CHECKPOINT_EVERY_SECONDS
        try:
            self._checkpointer.submit(self._checkpoint_sync)
        except RuntimeError:  # shut down meanwhile
            self._checkpointing = False

    def _checkpoint_sync(self) -> None:
        try:
            if self._checkpoint_conn is None:
                conn = sqlite3.connect(self._path, timeout=0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 0")
                self._checkpoint_conn = conn
            self._checkpoint_conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass  # busy or closing: the next commit asks again
        finally:
            self._checkpointing = False

    def _close_checkpointer(self) -> None:
        if self._checkpoint_conn is not None:
            self._checkpoint_conn.close()
            self._checkpoint_conn = None

    async def read(self, container: str, id: str, partition_key: Any) -> Document:
        if self._closed:
            raise StoreError("the store is closed")
        # the table was created (and the file switched to WAL) by the store's thread
        if container in self._tables and self._loop_lock.acquire(blocking=False):
            try:
                return self._read_on(self._loop_connection(), container, id, partition_key)
            except sqlite3.OperationalError:  # busy after all: wait for it off the loop
                pass
            finally:
                self._loop_lock.release()
        return await self._run(self._read_sync, container, id, partition_key)

    async def read_if_changed(self, container: str, id: str, partition_key: Any, etag: str) -> Document | None:
        if self._closed:
            raise StoreError("the store is closed")
        if container in self._tables and self._loop_lock.acquire(blocking=False):  # as read(): on the loop
            try:
                return self._read_changed_on_loop(container, id, partition_key, etag)
            except sqlite3.OperationalError:
                pass
            finally:
                self._loop_lock.release()
        return await self._run(self._read_changed_sync, container, id, partition_key, etag)

    async def _write_soon(self, container: str, work: Callable[..., T], *args: Any) -> T:
        """``work`` on the event loop's connection if the write lock is free now, else on the store's thread."""
        if self._closed:
            raise StoreError("the store is closed")
        if container in self._tables and self._loop_lock.acquire(blocking=False):
            try:
                return work(*args, self._loop_connection())
            except _Busy:
                pass
            finally:
                self._loop_lock.release()
        return await self._run(work, *args)

    async def create(self, container: str, doc: Document) -> Document:
        if self._closed:
            raise StoreError("the store is closed")
        if container not in self._tables:
            return await self._run(self._create_sync, container, doc)
        spec = self._containers[container]
        prepared = self._prepare(spec, doc, self._clock.now().timestamp())  # a bad document fails here, alone
        etag = fresh_etag()
        if await self._group.add(container, prepared, etag):
            return _stored_copy(doc, prepared[2], etag)
        # the group could not run on the loop's connection (the lock was taken): wait for it on the thread
        return await self._run(self._create_sync, container, doc)

    def _commit_group(self, creates: list[GroupedCreate]) -> bool:
        """Insert ``creates`` in one transaction on the loop's connection, setting each one's outcome.

        False, with nothing written, when the loop's connection could not take the write lock at once
        (or failed otherwise): the callers then write on the store's thread, one by one, as before.
        """
        if self._closed or not self._loop_lock.acquire(blocking=False):
            return False
        try:
            conn = self._loop_connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return False
            containers = {c.container for c in creates}
            try:
                now = self._clock.now().timestamp()
                for container in containers:
                    if now - self._purged.get(container, 0.0) >= _PURGE_EVERY_SECONDS:
                        conn.execute(f'DELETE FROM "{container}" WHERE expires_at <= ?', (now,))
                        self._purged[container] = now
                for create in creates:
                    # No SAVEPOINT needed: a failed INSERT is undone alone (SQLite's statement rollback) and
                    # the transaction goes on; _insert's DELETE removes only an expired, invisible row.
                    try:
                        self._insert(conn, create.container, create.prepared, create.etag, now)
                    except DocumentConflict as exc:
                        create.conflict = exc
                conn.execute("COMMIT")
                self._after_loop_commit()
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if not isinstance(exc, Exception):
                    raise
                for create in creates:  # nothing was written: each caller writes alone, on the thread
                    create.conflict = None
                return False
            finally:
                for container in containers:  # new documents only, but counted as any write is
                    self._wrote(container)
            return True
        finally:
            self._loop_lock.release()

    async def replace(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        return await self._write_soon(container, self._replace_sync, container, doc, etag)

    async def upsert(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        return await self._write_soon(container, self._upsert_sync, container, doc, etag)

    async def delete(self, container: str, id: str, partition_key: Any, *, etag: str | None = None) -> None:
        await self._write_soon(container, self._delete_sync, container, id, partition_key, etag)

    async def query(self, container: str, query: Query) -> Page:
        return await self._run(self._query_sync, container, query)

    async def check(self) -> None:
        await self._run(lambda: self._db().execute("SELECT 1").fetchone())

    async def close(self) -> None:
        if self._closed:
            return
        await self._run(self._close_sync)
        self._checkpoints_stopped = True
        if self._checkpoint_after:  # a checkpoint was started: its connection is closed on its thread
            await asyncio.get_running_loop().run_in_executor(self._checkpointer, self._close_checkpointer)
        self._checkpointer.shutdown(wait=False)
        with self._loop_lock:
            if self._loop_conn is not None:
                self._loop_conn.close()
                self._loop_conn = None
        self._closed = True
        self._executor.shutdown(wait=False)

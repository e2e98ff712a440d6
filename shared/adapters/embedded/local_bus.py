"""The durable local bus: Service Bus topics and queues in one SQLite file.

Implements the EventBus port for the app and the consumer side (receive, lock,
complete, abandon, dead-letter) for the local host. At-least-once: a delivery
that is neither completed nor abandoned before its lock expires is visible
again, so a crash or restart redelivers it. Same message id twice is allowed
(Service Bus without duplicate detection); consumers dedupe on ``Message.id``.
SQL lives in ``local_bus_ops``; it runs in a worker thread, never on the loop.

Pollers need not ask the file ten times a second while nothing happens: ``listen``
tells a consumer in this process when a message of an entity becomes visible (sent,
released for a retry, replayed), through any ``LocalBus`` on the same file. Messages
sent by another process, and locks that expire, are only found by polling.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from shared.adapters.embedded import local_bus_ops as ops
from shared.adapters.embedded.local_bus_ops import MAX_DELIVERY_COUNT_EXCEEDED
from shared.adapters.embedded.local_bus_sql import DeadLetter, Delivery, LockLostError, connect
from shared.domain.messages import Message
from shared.ports.clock import Clock, SystemClock

__all__ = ["MAX_DELIVERY_COUNT_EXCEEDED", "DeadLetter", "Delivery", "LocalBus", "LockLostError"]

T = TypeVar("T")
Work = Callable[[sqlite3.Connection, float], T]
# called with (entity, seconds until a message of it is visible) in the thread that changed it
Listener = Callable[[str, float], None]
_listeners: dict[Path, list[Listener]] = {}  # per bus file, across the LocalBus instances of this process
_listeners_lock = threading.Lock()


class LocalBus:
    def __init__(
        self, path: str | Path, max_delivery_count: int = 10, lock_seconds: float = 30.0, clock: Clock | None = None
    ) -> None:
        self.path = Path(path)
        self.max_delivery_count = max_delivery_count
        self.lock_seconds = lock_seconds
        self._clock = clock or SystemClock()
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection per instance, one thread at a time on it
        self._key = self.path.resolve()

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(entity, delay)`` whenever this process makes a message of ``entity`` visible in
        ``delay`` seconds (0: now), through any LocalBus on this file; returns the function that stops it.
        The listener runs in the thread that made the change: it must only schedule work, never block."""
        with _listeners_lock:
            _listeners.setdefault(self._key, []).append(listener)

        def stop() -> None:
            with _listeners_lock:
                listeners = _listeners.get(self._key, [])
                if listener in listeners:
                    listeners.remove(listener)
                if not listeners:
                    _listeners.pop(self._key, None)

        return stop

    def _announce(self, entity: str, delay: float = 0.0) -> None:
        with _listeners_lock:
            listeners = list(_listeners.get(self._key, ()))
        for listener in listeners:
            listener(entity, delay)

    async def _run(self, work: Work[T]) -> T:
        return await asyncio.to_thread(self._locked, work)

    def _locked(self, work: Work[T]) -> T:
        with self._lock:
            if self._conn is None:
                self._conn = connect(self.path)
            return work(self._conn, self._clock.now().timestamp())

    # -- EventBus port ----------------------------------------------------
    async def publish(self, destination: str, message: Message) -> None:
        body = message.to_json().encode()
        props = {"type": message.type}
        await self.send(
            destination,
            body,
            message_id=message.id,
            correlation_id=message.correlation_id,
            application_properties=props,
        )

    async def send(
        self,
        destination: str,
        body: bytes,
        *,
        message_id: str | None = None,
        content_type: str | None = "application/json",
        correlation_id: str | None = None,
        application_properties: Mapping[str, Any] | None = None,
    ) -> None:
        """Publish raw bytes: fan out to the topic's subscriptions, else queue it."""
        props = json.dumps(dict(application_properties or {}))
        row = (message_id or uuid.uuid4().hex, body, content_type, correlation_id, props)
        await self._run(lambda conn, now: ops.insert(conn, now, destination, row))
        self._announce(destination)

    async def check(self) -> None:
        """Raise if the bus file cannot be opened and read.

        Once a connection is open, the health endpoint's per-request probe is a stat of
        the file on the loop (microseconds) instead of a thread hop per request; the
        first check, or one after close(), opens and reads the file off the loop.
        """
        if self._conn is not None:
            self.path.stat()  # FileNotFoundError if the file was removed under us
            return
        await self._run(lambda conn, _: conn.execute("SELECT COUNT(*) FROM subscriptions").fetchone())

    async def close(self) -> None:
        def work() -> None:
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

        await asyncio.to_thread(work)

    # -- consumer side ----------------------------------------------------
    async def ensure_subscription(self, topic: str, subscription: str) -> None:
        sql = "INSERT OR IGNORE INTO subscriptions (topic, name, created_at) VALUES (?,?,?)"
        await self._run(lambda conn, now: conn.execute(sql, (topic, subscription, now)))

    async def subscriptions(self, topic: str) -> list[str]:
        sql = "SELECT name FROM subscriptions WHERE topic=? ORDER BY name"
        return await self._run(lambda conn, _: [r[0] for r in conn.execute(sql, (topic,))])

    async def receive(self, entity: str, subscription: str | None = None, max_messages: int = 1) -> list[Delivery]:
        """Lock up to ``max_messages`` visible messages, oldest first, for ``lock_seconds``."""
        token, sub, limit = uuid.uuid4().hex, subscription or "", max_messages
        count, lock = self.max_delivery_count, self.lock_seconds
        return await self._run(lambda conn, now: ops.lock_ready(conn, now, entity, sub, limit, count, lock, token))

    async def _settle(self, d: Delivery, work: Work[object]) -> None:
        def guarded(conn: sqlite3.Connection, now: float) -> None:
            with ops.tx(conn):
                ops.hold(conn, now, d)  # a stale delivery must not settle a newer one
                work(conn, now)

        await self._run(guarded)

    async def complete(self, d: Delivery) -> None:
        await self._settle(d, lambda conn, _: conn.execute("DELETE FROM messages WHERE seq=?", (d.seq,)))

    async def renew_lock(self, d: Delivery) -> None:
        """Extend the lock, as the Functions host does while a function runs."""
        sql = "UPDATE messages SET visible_at=? WHERE seq=?"
        await self._settle(d, lambda conn, now: conn.execute(sql, (now + self.lock_seconds, d.seq)))

    async def abandon(self, d: Delivery, retry_after_seconds: float = 0.0, error: str | None = None) -> bool:
        """Release for a retry after the delay; at the max delivery count dead-letter it (returns True)."""
        dead = d.delivery_count >= self.max_delivery_count

        def work(conn: sqlite3.Connection, now: float) -> None:
            if dead:
                ops.mark_dead(conn, now, d.seq, MAX_DELIVERY_COUNT_EXCEEDED, error)
            else:
                ops.release(conn, d.seq, now + max(retry_after_seconds, 0.0))

        await self._settle(d, work)
        if not dead:
            self._announce(d.entity, max(retry_after_seconds, 0.0))
        return dead

    async def dead_letter(self, d: Delivery, reason: str, description: str | None = None) -> None:
        await self._settle(d, lambda conn, now: ops.mark_dead(conn, now, d.seq, reason, description))

    async def dead_letters(self, entity: str, subscription: str | None = None) -> list[DeadLetter]:
        return await self._run(lambda conn, _: ops.dead_letters(conn, entity, subscription or ""))

    async def replay_dead_letter(self, entity: str, subscription: str | None = None, *, seq: int | None = None) -> int:
        """Make dead letters active again with a fresh delivery count (one by ``seq``, or all)."""
        replayed = await self._run(lambda conn, now: ops.replay(conn, now, entity, subscription or "", seq))
        if replayed:
            self._announce(entity)
        return replayed

    async def active_count(self, entity: str, subscription: str | None = None) -> int:
        """Messages not yet completed or dead-lettered (visible, waiting for a retry, or locked)."""
        sql = "SELECT COUNT(*) FROM messages WHERE entity=? AND subscription=? AND state='active'"
        return await self._run(lambda conn, _: int(conn.execute(sql, (entity, subscription or "")).fetchone()[0]))

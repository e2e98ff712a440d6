"""Schema, row types and connection setup of the durable local bus.

Kept apart from ``local_bus.py`` so the bus class reads as the Service Bus
semantics it emulates, not as SQL plumbing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["DeadLetter", "Delivery", "LockLostError", "connect", "dead_letter_of", "delivery_of", "ts"]

# One row per copy of a message: a topic message becomes one row per
# subscription, so each subscription locks, retries and dead-letters its copy
# on its own, as Service Bus does. A lock is "visible_at in the future with a
# lock_token": an expired lock needs no sweeper, the row is simply visible again.
SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    topic TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (topic, name)
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    subscription TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    content_type TEXT,
    correlation_id TEXT,
    properties TEXT NOT NULL DEFAULT '{}',
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    lock_token TEXT,
    state TEXT NOT NULL DEFAULT 'active',
    dead_letter_reason TEXT,
    dead_letter_description TEXT,
    dead_lettered_at REAL
);
CREATE INDEX IF NOT EXISTS ix_messages_ready ON messages (entity, subscription, state, visible_at, seq);
"""


class LockLostError(RuntimeError):
    """The delivery's lock expired and the message was (or may be) redelivered.

    Mirrors Service Bus ``MessageLockLostError``: settling a stale delivery must
    not touch the newer one.
    """


@dataclass(frozen=True, slots=True)
class Delivery:
    seq: int
    entity: str
    subscription: str | None
    message_id: str
    body: bytes
    content_type: str | None
    correlation_id: str | None
    application_properties: dict[str, Any]
    delivery_count: int
    enqueued_at: datetime
    locked_until: datetime
    lock_token: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    seq: int
    entity: str
    subscription: str | None
    message_id: str
    body: bytes
    correlation_id: str | None
    application_properties: dict[str, Any]
    delivery_count: int
    enqueued_at: datetime
    dead_lettered_at: datetime
    reason: str
    description: str | None


def ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _sub(value: str) -> str | None:
    return value or None


def delivery_of(row: sqlite3.Row) -> Delivery:
    return Delivery(
        seq=row["seq"],
        entity=row["entity"],
        subscription=_sub(row["subscription"]),
        message_id=row["message_id"],
        body=bytes(row["body"]),
        content_type=row["content_type"],
        correlation_id=row["correlation_id"],
        application_properties=json.loads(row["properties"]),
        delivery_count=row["delivery_count"],
        enqueued_at=ts(row["enqueued_at"]),
        locked_until=ts(row["visible_at"]),
        lock_token=row["lock_token"],
    )


def dead_letter_of(row: sqlite3.Row) -> DeadLetter:
    return DeadLetter(
        seq=row["seq"],
        entity=row["entity"],
        subscription=_sub(row["subscription"]),
        message_id=row["message_id"],
        body=bytes(row["body"]),
        correlation_id=row["correlation_id"],
        application_properties=json.loads(row["properties"]),
        delivery_count=row["delivery_count"],
        enqueued_at=ts(row["enqueued_at"]),
        dead_lettered_at=ts(row["dead_lettered_at"]),
        reason=row["dead_letter_reason"] or "",
        description=row["dead_letter_description"],
    )


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so a receive takes
    # the write lock before it selects, which is what makes two processes (the
    # host and a CLI publishing to the same file) never lock the same row twice.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    # NORMAL is durable across an application crash in WAL mode; only a power
    # loss may drop the last commits, which is fine for a development bus.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    return conn

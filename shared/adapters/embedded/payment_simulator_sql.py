"""The payment simulator's SQLite file: Stripe-shaped objects, idempotency records and webhook events.

Kept apart from the state machine (``payment_simulator_ops``) so that reads as Stripe's rules, not as SQL.
Every operation runs in one ``BEGIN IMMEDIATE`` transaction: the objects it changes, the events they
raise and the idempotency record commit together, so a crash never leaves a capture without its event,
and two processes on one file (two local hosts) never both act on one key.
"""

from __future__ import annotations

import copy
import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import stripe

from shared.domain.payments import PaymentGatewayError

__all__ = ["Books", "Reply", "connect", "tx"]

Reply = tuple[int, dict[str, Any]]  # (HTTP status as Stripe would answer: 200 or 402, body)
IDEMPOTENCY_SECONDS = 24 * 3600  # Stripe keeps a key's result this long

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT,
    body TEXT NOT NULL,
    private TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS ix_objects_owner ON objects (kind, owner);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    delivered_at REAL
);
"""
# owner: a customer's user id, a payment method's customer. private: what Stripe knows and never
# returns (a card's test behaviour). An idempotency record keeps the first answer to a key, 200 or 402.


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.executescript(SCHEMA)
    return conn


@contextmanager
def tx(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def invalid(message: str, code: str = "invalid_request_error") -> PaymentGatewayError:
    """Stripe's 400 invalid_request_error: never retryable, never remembered under the key."""
    return PaymentGatewayError(message, code=code, retryable=False)


class Books:
    """One transaction's view of the simulator's objects."""

    def __init__(self, conn: sqlite3.Connection, now: datetime) -> None:
        self.conn, self.now = conn, now
        self.epoch = int(now.timestamp())

    @staticmethod
    def new_id(prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(12)}"

    def get(self, kind: str, object_id: str) -> dict[str, Any]:
        row = self.conn.execute("SELECT body FROM objects WHERE id=? AND kind=?", (object_id, kind)).fetchone()
        if row is None:
            raise invalid(f"No such {kind}: '{object_id}'", "resource_missing")
        body: dict[str, Any] = json.loads(row[0])
        return body

    def private(self, object_id: str) -> dict[str, Any]:
        row = self.conn.execute("SELECT private FROM objects WHERE id=?", (object_id,)).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def put(self, obj: dict[str, Any], *, owner: str | None = None, private: dict[str, Any] | None = None) -> None:
        """Insert or replace ``obj``; ``owner`` and ``private`` are kept when not given."""
        self.conn.execute(
            "INSERT INTO objects (id, kind, owner, body, private) VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
            " body=excluded.body, owner=COALESCE(?, owner), private=COALESCE(?, private)",
            (obj["id"], obj["object"], owner, json.dumps(obj), json.dumps(private or {}), owner, _dump(private)),
        )

    def disown(self, object_id: str) -> None:
        self.conn.execute("UPDATE objects SET owner=NULL WHERE id=?", (object_id,))

    def owned(self, kind: str, owner: str) -> list[dict[str, Any]]:
        """Newest first."""
        sql = "SELECT body FROM objects WHERE kind=? AND owner=? ORDER BY rowid DESC"
        return [json.loads(r[0]) for r in self.conn.execute(sql, (kind, owner))]

    def where_status(self, kind: str, status: str) -> list[dict[str, Any]]:
        sql = "SELECT body FROM objects WHERE kind=? AND json_extract(body, '$.status')=? ORDER BY rowid"
        return [json.loads(r[0]) for r in self.conn.execute(sql, (kind, status))]

    def emit(self, event_type: str, obj: dict[str, Any], idempotency_key: str | None) -> None:
        """Record a webhook event carrying a snapshot of ``obj``, as Stripe sends them."""
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": self.epoch,
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": idempotency_key},
            "type": event_type,
        }
        self.conn.execute(
            "INSERT INTO events (id, type, body) VALUES (?,?,?)", (event["id"], event_type, json.dumps(event))
        )

    # -- idempotency ---------------------------------------------------------------------------------
    def replay(self, key: str, request: str) -> Reply | None:
        """The first answer given to ``key``, if the key is alive; a different request under it is refused."""
        row = self.conn.execute(
            "SELECT request, status, response, created FROM idempotency WHERE key=?", (key,)
        ).fetchone()
        if row is None or row[3] <= self.now.timestamp() - IDEMPOTENCY_SECONDS:
            return None
        if row[0] != request:
            raise invalid(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                f"Try using a key other than '{key}' if you meant to execute a different request.",
                "idempotency_error",
            )
        return int(row[1]), json.loads(row[2])

    def remember(self, key: str, request: str, reply: Reply) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO idempotency (key, request, status, response, created) VALUES (?,?,?,?,?)",
            (key, request, reply[0], json.dumps(reply[1]), self.now.timestamp()),
        )

    # -- webhook events ------------------------------------------------------------------------------
    def pending_events(self, limit: int) -> list[tuple[str, str, bytes]]:
        sql = "SELECT id, type, body FROM events WHERE delivered_at IS NULL ORDER BY seq LIMIT ?"
        return [(r[0], r[1], r[2].encode()) for r in self.conn.execute(sql, (limit,))]

    def mark_delivered(self, event_id: str) -> bool:
        sql = "UPDATE events SET delivered_at=? WHERE id=? AND delivered_at IS NULL"
        return self.conn.execute(sql, (self.now.timestamp(), event_id)).rowcount == 1


def _dump(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value)

"""The local bus' operations as synchronous SQL, run by ``LocalBus`` in a worker thread.

Every function takes the connection and ``now`` (epoch seconds from the bus'
clock), so the Service Bus rules read in one place and tests can set time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from shared.adapters.embedded.local_bus_sql import DeadLetter, Delivery, LockLostError, dead_letter_of, delivery_of

__all__ = [
    "MAX_DELIVERY_COUNT_EXCEEDED",
    "dead_letters",
    "hold",
    "insert",
    "lock_ready",
    "mark_dead",
    "release",
    "replay",
    "tx",
]

MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"  # Service Bus' own reason text
_READY = (
    "SELECT seq, delivery_count FROM messages WHERE entity=? AND subscription=? AND state='active' AND visible_at<=?"
)


@contextmanager
def tx(conn: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock before the first read, so two processes on
    # one file never both select, then lock, the same row
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def insert(
    conn: sqlite3.Connection, now: float, destination: str, row: tuple[str, bytes, str | None, str | None, str]
) -> None:
    """One copy per subscription registered now; a destination without any is a queue."""
    with tx(conn):
        subs = [r[0] for r in conn.execute("SELECT name FROM subscriptions WHERE topic=?", (destination,))]
        conn.executemany(
            "INSERT INTO messages (entity, subscription, message_id, body, content_type, correlation_id,"
            " properties, enqueued_at, visible_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [(destination, s, *row, now, now) for s in subs or [""]],
        )


def mark_dead(conn: sqlite3.Connection, now: float, seq: int, reason: str, description: str | None) -> None:
    conn.execute(
        "UPDATE messages SET state='dead', lock_token=NULL, dead_letter_reason=?,"
        " dead_letter_description=?, dead_lettered_at=? WHERE seq=?",
        (reason, description, now, seq),
    )


def lock_ready(
    conn: sqlite3.Connection, now: float, entity: str, sub: str, limit: int, max_count: int, lock: float, token: str
) -> list[Delivery]:
    # an idle poll must not take the write lock: look before BEGIN IMMEDIATE
    if conn.execute(_READY + " LIMIT 1", (entity, sub, now)).fetchone() is None:
        return []
    out: list[Delivery] = []
    with tx(conn):
        for seq, count in conn.execute(_READY + " ORDER BY seq LIMIT ?", (entity, sub, now, limit)).fetchall():
            if count >= max_count:
                # its last lock expired unsettled: Service Bus dead-letters it then
                mark_dead(conn, now, seq, MAX_DELIVERY_COUNT_EXCEEDED, "lock expired on the last delivery")
                continue
            row = conn.execute(
                "UPDATE messages SET delivery_count=delivery_count+1, lock_token=?, visible_at=?"
                " WHERE seq=? RETURNING *",
                (f"{token}-{seq}", now + lock, seq),
            ).fetchone()
            out.append(delivery_of(row))
    return out


def hold(conn: sqlite3.Connection, now: float, d: Delivery) -> None:
    """Raise LockLostError unless ``d`` still holds its lock (call inside ``tx``)."""
    held = conn.execute(
        "SELECT 1 FROM messages WHERE seq=? AND lock_token=? AND state='active' AND visible_at>?",
        (d.seq, d.lock_token, now),
    ).fetchone()
    if held is None:
        raise LockLostError(f"lock lost on message {d.message_id} ({d.entity})")


def release(conn: sqlite3.Connection, seq: int, visible_at: float) -> None:
    conn.execute("UPDATE messages SET lock_token=NULL, visible_at=? WHERE seq=?", (visible_at, seq))


def dead_letters(conn: sqlite3.Connection, entity: str, sub: str) -> list[DeadLetter]:
    rows = conn.execute(
        "SELECT * FROM messages WHERE entity=? AND subscription=? AND state='dead' ORDER BY seq", (entity, sub)
    ).fetchall()
    return [dead_letter_of(r) for r in rows]


def replay(conn: sqlite3.Connection, now: float, entity: str, sub: str, seq: int | None) -> int:
    sql = (
        "UPDATE messages SET state='active', delivery_count=0, lock_token=NULL, visible_at=?,"
        " dead_letter_reason=NULL, dead_letter_description=NULL, dead_lettered_at=NULL"
        " WHERE entity=? AND subscription=? AND state='dead'"
    )
    args: list[object] = [now, entity, sub]
    if seq is not None:
        sql += " AND seq=?"
        args.append(seq)
    return conn.execute(sql, args).rowcount

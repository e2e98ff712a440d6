"""Transaction messages in the order they happened, kept until the central system has answered each.

OCPP 1.6 (section 4.x, "offline behaviour") wants StartTransaction, MeterValues
and StopTransaction delivered even when the charger was offline, in order and
with the timestamps of when they happened. All of them go through this queue,
online or not, so order never depends on the connection: one sender drains it.
A message of a session that was started offline only learns its transaction id
when the StartTransaction before it is answered, so the id is filled in at send
time.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from simulator.connector import Transaction

__all__ = ["Outbox", "Queued"]


@dataclass
class Queued:
    action: str  # StartTransaction, MeterValues or StopTransaction
    fields: dict[str, Any]  # snake_case, as ocpp.v16.call takes them
    transaction: Transaction | None = None
    attempts: int = 0
    settled: asyncio.Event = field(default_factory=asyncio.Event)  # answered, refused or given up

    def ready_fields(self) -> dict[str, Any] | None:
        """The fields to send now, with the transaction id; None if the session never reached the central system."""
        if self.action == "StartTransaction" or self.transaction is None:
            return dict(self.fields)
        if self.transaction.server_id is None:  # the StartTransaction ahead of it was refused or given up
            return None
        return dict(self.fields) | {"transaction_id": self.transaction.server_id}


@dataclass
class Outbox:
    items: deque[Queued] = field(default_factory=deque)

    def put(self, action: str, fields: dict[str, Any], transaction: Transaction | None = None) -> Queued:
        item = Queued(action, fields, transaction)
        self.items.append(item)
        return item

    def head(self) -> Queued | None:
        return self.items[0] if self.items else None

    def done(self, item: Queued) -> None:
        if self.items and self.items[0] is item:
            self.items.popleft()
        item.settled.set()

    def __len__(self) -> int:
        return len(self.items)

"""One Service Bus message through one function: invoke, then complete or abandon.

Complete on success; on an exception abandon with exponential backoff (the bus
dead-letters at the max delivery count). The lock is renewed while the
function runs, as the Functions host does, so a slow function is not
delivered twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from azure.functions.servicebus import ServiceBusMessage

from local_host.discovery import BusFunction
from local_host.invoke import call_user_function
from shared import telemetry
from shared.adapters.embedded.local_bus import Delivery, LocalBus, LockLostError

__all__ = ["BusBinding", "MessageHandler", "to_servicebus_message"]

log = logging.getLogger("local_host.bus")


@dataclass(frozen=True, slots=True)
class BusBinding:
    function: BusFunction
    entity: str  # resolved names, no %Setting% left
    subscription: str | None


def to_servicebus_message(d: Delivery) -> ServiceBusMessage:
    return ServiceBusMessage(
        body=d.body,
        message_id=d.message_id,
        content_type=d.content_type or "application/json",
        correlation_id=d.correlation_id,
        application_properties=dict(d.application_properties),
        user_properties=dict(d.application_properties),
        delivery_count=d.delivery_count,
        enqueued_time_utc=d.enqueued_at,
        locked_until=d.locked_until,
        lock_token=d.lock_token,
        sequence_number=d.seq,
    )


class MessageHandler:
    def __init__(self, bus: LocalBus, retry_base_seconds: float, retry_max_seconds: float) -> None:
        self.bus = bus
        self.retry_base, self.retry_max = retry_base_seconds, retry_max_seconds

    def backoff(self, delivery_count: int) -> float:
        return float(min(self.retry_base * 2 ** (delivery_count - 1), self.retry_max))

    async def _renew(self, d: Delivery) -> None:
        with contextlib.suppress(LockLostError):
            while True:
                await asyncio.sleep(self.bus.lock_seconds / 2)
                await self.bus.renew_lock(d)

    async def handle(self, b: BusBinding, d: Delivery) -> str:
        renewer = asyncio.create_task(self._renew(d))
        fn = b.function
        error: Exception | None = None
        try:
            await call_user_function(fn.fn, fn.arg_name, to_servicebus_message(d), fn.name)
        except Exception as exc:
            error = exc
            log.warning("function %s raised on message %s", fn.name, d.message_id, exc_info=True)
        finally:
            renewer.cancel()  # also when the host stops mid-invocation: the lock then lapses
        try:
            if error is None:
                await self.bus.complete(d)
                outcome = "completed"
            else:
                delay = self.backoff(d.delivery_count)
                dead = await self.bus.abandon(d, delay, error=f"{type(error).__name__}: {error}"[:1000])
                if dead:  # in Azure the broker dead-letters: the workbook reads its DeadletteredMessages metric
                    telemetry.dead_lettered(b.entity if b.subscription is None else f"{b.entity}/{b.subscription}")
                outcome = "dead-lettered" if dead else f"abandoned, retry in {delay:g}s"
        except LockLostError:
            outcome = "lock lost before settling, will be redelivered"
        except Exception:  # e.g. the bus file locked for longer than busy_timeout
            log.exception("settling message %s failed", d.message_id)
            outcome = "settling failed, redelivered when the lock expires"
        cid = d.correlation_id or "-"
        log.info("%s message=%s delivery=%d %s cid=%s", fn.name, d.message_id, d.delivery_count, outcome, cid)
        return outcome

    async def fire(self, fn: BusFunction, body: bytes) -> None:
        """Admin invocation: the input is the message body, not put on the bus (as Core Tools does)."""
        now = datetime.now(UTC)
        mid = f"admin_{uuid.uuid4().hex}"
        d = Delivery(0, fn.entity, fn.subscription, mid, body, "application/json", None, {}, 1, now, now, "")
        outcome = "completed"
        try:
            await call_user_function(fn.fn, fn.arg_name, to_servicebus_message(d), fn.name)
        except Exception:
            outcome = "failed"  # nothing to retry: the input never was on the bus
            log.exception("function %s raised on admin input", fn.name)
        log.info("%s message=%s delivery=1 fired by admin, %s", fn.name, d.message_id, outcome)
